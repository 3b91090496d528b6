// Images made of real layer tars, built in memory from a short description, and read through the real LayerScanner
// and MergedFs: what scanLayers and the layer checks see is what they would see from `docker save`, bytes in chunks.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import type { CheckContext } from "../../../src/engine/check.js";
import type { GpuTargets, LayerFacts } from "../../../src/engine/layer-facts.js";
import { type LayerReader, scanLayers } from "../../../src/engine/layer-scan.js";
import type { ImageLayer, ImageScan } from "../../../src/image/archive.js";
import { type ImageConfig, configFromInspect, type InspectConfig } from "../../../src/image/config.js";
import { type LayerRecord, LayerScanner, MergedFs } from "../../../src/image/layers.js";
import { resolveInstance } from "../../../src/spec/instances.js";
import { loadSpec } from "../../../src/spec/load.js";
import type { Contract } from "../../../src/spec/types.js";
import { FACTS } from "./memory-image.js";

/**
 * One entry of a layer, by its absolute path. A string or Buffer is a regular file (0644). `whiteout` deletes the
 * path from lower layers (`.wh.NAME`); `opaque` writes the directory and hides what lower layers put below it.
 */
export type LayerItem =
  | string
  | Buffer
  | { file: string | Buffer; mode?: number; uid?: number; gid?: number }
  | { dir: true; mode?: number }
  | { symlink: string }
  | { hardlink: string }
  | { whiteout: true }
  | { opaque: true };

/** A layer: its entries in tar order. */
export type LayerSpec = Record<string, LayerItem>;

export const whiteout: LayerItem = { whiteout: true };
export const opaque: LayerItem = { opaque: true };
export const symlink = (target: string): LayerItem => ({ symlink: target });
export const executable = (file: string | Buffer): LayerItem => ({ file, mode: 0o755 });

const BLOCK = 512;

function octal(h: Buffer, off: number, width: number, n: number): void {
  h.write(`${n.toString(8).padStart(width - 1, "0")}\0`, off, width, "ascii");
}

function header(name: string, type: string, size: number, o: { mode?: number; uid?: number; gid?: number; link?: string } = {}): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, "utf8");
  octal(h, 100, 8, o.mode ?? 0o644);
  octal(h, 108, 8, o.uid ?? 0);
  octal(h, 116, 8, o.gid ?? 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, 1_700_000_000);
  h.write(type, 156, 1, "ascii");
  if (o.link) h.write(o.link, 157, 100, "utf8");
  h.write("ustar\u000000", 257, 8, "ascii");
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((BLOCK - (b.length % BLOCK)) % BLOCK)]);

function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len) len++;
  return `${len}${rest}`;
}

/** One tar entry; names or link targets longer than ustar's 100 bytes go in a pax header, as Docker writes them. */
function entry(name: string, type: string, body: Buffer, o: { mode?: number; uid?: number; gid?: number; link?: string } = {}): Buffer {
  const pax = [Buffer.byteLength(name) > 100 ? paxRecord("path", name) : "", o.link && Buffer.byteLength(o.link) > 100 ? paxRecord("linkpath", o.link) : ""].join("");
  const parts: Buffer[] = [];
  if (pax !== "") {
    const pb = Buffer.from(pax);
    parts.push(header("PaxHeader", "x", pb.length), pad(pb));
  }
  parts.push(header(name, type, body.length, o), pad(body));
  return Buffer.concat(parts);
}

/** A layer tar, as `docker save` stores one: relative names, directories with a trailing slash, two zero blocks. */
export function layerTar(spec: LayerSpec): Buffer {
  const parts: Buffer[] = [];
  for (const [path, item] of Object.entries(spec)) {
    const rel = path.replace(/^\/+/, "");
    const slash = rel.lastIndexOf("/");
    const dir = slash < 0 ? "" : rel.slice(0, slash + 1);
    const base = rel.slice(slash + 1);
    if (typeof item === "string" || Buffer.isBuffer(item)) parts.push(entry(rel, "0", Buffer.from(item)));
    else if ("file" in item) parts.push(entry(rel, "0", Buffer.from(item.file), item));
    else if ("dir" in item) parts.push(entry(`${rel}/`, "5", Buffer.alloc(0), { mode: item.mode ?? 0o755 }));
    else if ("symlink" in item) parts.push(entry(rel, "2", Buffer.alloc(0), { mode: 0o777, link: item.symlink }));
    else if ("hardlink" in item) parts.push(entry(rel, "1", Buffer.alloc(0), { link: item.hardlink.replace(/^\/+/, "") }));
    else if ("whiteout" in item) parts.push(entry(`${dir}.wh.${base}`, "0", Buffer.alloc(0)));
    else parts.push(entry(`${rel}/`, "5", Buffer.alloc(0), { mode: 0o755 }), entry(`${rel}/.wh..wh..opq`, "0", Buffer.alloc(0)));
  }
  return Buffer.concat([...parts, Buffer.alloc(2 * BLOCK)]);
}

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Uneven chunks, so that headers and file bodies straddle chunk boundaries as they do when a stream is read. */
function chunked(b: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
  return Readable.from(parts);
}

export interface ReaderOptions {
  /** Bytes per chunk the layers stream in; default 4093. */
  chunk?: number;
  /** The config's rootfs.diff_ids, where a test wants them to differ from what streams. */
  expectedDiffIds?: Array<string | undefined>;
}

/** A LayerReader over hand-made layers; `calls` counts how often the image was read. */
export function layerReader(layers: readonly LayerSpec[], options: ReaderOptions = {}): LayerReader & { calls: number; tars: Buffer[] } {
  const tars = layers.map(layerTar);
  const read = async ({ consumers, signal }: Parameters<LayerReader>[0]): Promise<ImageScan> => {
    reader.calls++;
    const scanner = new LayerScanner({ ...(consumers ? { consumers } : {}), ...(signal ? { signal } : {}) });
    const records: LayerRecord[] = [];
    // Keys are what a docker save archive names its layers by: unique per layer here.
    for (const [i, tar] of tars.entries()) records.push(await scanner.scan(chunked(tar, options.chunk ?? 4093), `layer${i}/layer.tar`));
    const diffIds = records.map((r, i) => (options.expectedDiffIds && i < options.expectedDiffIds.length ? options.expectedDiffIds[i] : r.diffId));
    const config = { architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: diffIds } };
    const imageLayers: ImageLayer[] = records.map((r, index) => ({
      index,
      key: r.key,
      compression: r.compression,
      digest: r.digest,
      diffId: r.diffId,
      expectedDiffId: diffIds[index],
      storedBytes: r.storedBytes,
      tarBytes: r.tarBytes,
      entries: r.entries.length,
    }));
    return {
      source: "stream",
      format: "docker-save",
      config,
      configDigest: sha256(Buffer.from(JSON.stringify(config))),
      manifestDigest: undefined,
      repoTags: [FACTS.ref],
      platform: { os: "linux", architecture: "amd64" },
      layers: imageLayers,
      diffIdMismatches: records.flatMap((r, index) => (diffIds[index] === r.diffId ? [] : [{ index, key: r.key, expected: diffIds[index], actual: r.diffId }])),
      fs: MergedFs.merge(records),
    };
  };
  const reader = Object.assign(read, { calls: 0, tars });
  return reader;
}

export const DEFAULT_CONFIG: InspectConfig = { Entrypoint: ["/opt/program/entry"] };

/** scanLayers over the layers, with an image config (Docker inspect's shape) that defaults to DEFAULT_CONFIG. */
export async function layerFacts(layers: readonly LayerSpec[], config: InspectConfig = DEFAULT_CONFIG, options: ReaderOptions = {}): Promise<LayerFacts> {
  return scanLayers(layerReader(layers, options), configFromInspect(config), new AbortController().signal);
}

export interface LayerContextOptions {
  config?: InspectConfig;
  contracts?: Contract[];
  /** --instance; none makes the GPU checks skip. */
  instances?: string[];
  /** --instance-count */
  count?: number;
  driver?: string;
  ami?: string;
}

export type LayerCheckContext = CheckContext<{ config: true; layers: true; gpu: true }> & { config: ImageConfig; layers: LayerFacts; gpu: GpuTargets };

/**
 * A check context with the image's layer facts and GPU targets, as the engine builds it. Facts already scanned are
 * copied: the GPU checks cache their verdicts per LayerFacts object, and one run has one set of targets.
 */
export async function layerContext(layers: readonly LayerSpec[] | LayerFacts, o: LayerContextOptions = {}): Promise<LayerCheckContext> {
  const config = o.config ?? DEFAULT_CONFIG;
  const facts = Array.isArray(layers) ? await layerFacts(layers as readonly LayerSpec[], config) : { ...(layers as LayerFacts) };
  const gpu: GpuTargets = { instances: (o.instances ?? []).map((t) => resolveInstance(t)), count: o.count ?? 1 };
  if (o.driver !== undefined) gpu.driver = o.driver;
  if (o.ami !== undefined) gpu.ami = o.ami;
  return {
    image: FACTS,
    contracts: o.contracts ?? ["training"],
    spec: loadSpec(),
    signal: new AbortController().signal,
    config: configFromInspect(config),
    layers: facts,
    gpu,
  };
}

const run = promisify(execFile);

/**
 * A shared library built with gcc from C source, without libc (so that its only NEEDED entries are the ones given):
 * `needs` are libraries built earlier in the same directory, linked by their file name.
 */
export async function gccLibrary(dir: string, name: string, source: string, o: { soname?: string; needs?: string[] } = {}): Promise<Buffer> {
  const src = join(dir, `${name}.c`);
  writeFileSync(src, source);
  const out = join(dir, name);
  const args = ["-shared", "-fPIC", "-nostdlib", "-o", out, src, ...(o.soname ? [`-Wl,-soname,${o.soname}`] : []), ...(o.needs ?? []).map((n) => `-l:${n}`), `-L${dir}`];
  await run("gcc", args, { cwd: dir });
  return readFileSync(out);
}

/** A CUDA kernel and its host launcher, for nvcc. */
export const KERNEL_SOURCE = `__global__ void add(float *a, const float *b, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) a[i] += b[i]; }
extern "C" void launch(float *a, const float *b, int n) { add<<<(n + 255) / 256, 256>>>(a, b, n); }
`;

/** A shared library built with nvcc for the -gencode pairs given, e.g. [["compute_80", "sm_80"]]. */
export async function nvccLibrary(dir: string, name: string, gencode: ReadonlyArray<readonly [string, string]>, source = KERNEL_SOURCE): Promise<Buffer> {
  const src = join(dir, `${name}.cu`);
  writeFileSync(src, source);
  const out = join(dir, name);
  await run("nvcc", ["-shared", "-Xcompiler", "-fPIC", ...gencode.flatMap(([arch, code]) => ["-gencode", `arch=${arch},code=${code}`]), "-o", out, src], { cwd: dir });
  return readFileSync(out);
}
