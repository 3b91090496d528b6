// Images that come as files or as a stream rather than from the Engine's image store (issue 6): a `docker save`
// archive (legacy, or OCI-in-docker-save from Docker 25 on), an OCI image layout directory, and the same as a tar.
// Every source gives the same ImageScan: the config, the layers in order with their digests, and the merged filesystem.
//
// A stream (the Engine's GET /images/{name}/get) is read once: layers are scanned as they pass, before manifest.json
// says which of them the image uses. A file or directory is read by random access: its JSON first, then only the
// layers of the chosen image and platform, in order.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { Readable } from "node:stream";
import { Header, Parser, Pax, type ReadEntry } from "tar";
import {
  Abortable,
  EntryLimitError,
  LayerError,
  type LayerRecord,
  LayerScanner,
  MergedFs,
  Pull,
  type ScanOptions,
  looksLikeTar,
  normaliseEntryName,
  pump,
  sniffCompression,
} from "./layers.js";

/** A source that is not an image archive, lacks what an image needs, or holds several images and none was chosen. */
export class ArchiveError extends LayerError {}

/** The requested platform is not in the image index, or no platform was requested and the default is ambiguous. */
export class PlatformError extends ArchiveError {
  constructor(
    message: string,
    hint: string,
    readonly available: string[],
  ) {
    super(message, hint);
  }
}

/** A content-addressed blob whose bytes do not hash to its name (or whose size differs from its descriptor's). */
export class BlobDigestError extends ArchiveError {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: string,
    where: string,
  ) {
    super(`${where}: blob ${path} does not match its digest (expected ${expected}, got ${actual})`, "the archive or layout is corrupt; export or copy the image again");
  }
}

export type ImageSource =
  | { kind: "docker-archive"; path: string; image?: string }
  | { kind: "oci"; path: string; image?: string }
  | { kind: "oci-archive"; path: string; image?: string }
  | { kind: "engine"; reference: string };

export type FileImageSource = Exclude<ImageSource, { kind: "engine" }>;

/**
 * `docker-archive:PATH`, `oci:PATH`, `oci-archive:PATH`, each optionally followed by `:IMAGE` choosing one image of
 * several; anything else is a reference for the Engine.
 */
export function parseImageSource(text: string): ImageSource {
  const m = /^(docker-archive|oci-archive|oci):(.*)$/s.exec(text);
  if (!m) return { kind: "engine", reference: text };
  const kind = m[1] as FileImageSource["kind"];
  const rest = m[2]!;
  // As containers/image (skopeo) reads these: the first colon after the transport ends the path.
  const colon = rest.indexOf(":");
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const image = colon < 0 ? "" : rest.slice(colon + 1);
  if (path === "") throw new ArchiveError(`"${text}" names no path`, `write ${kind}:PATH, for example ${kind}:${kind === "oci" ? "./layout" : "./image.tar"}`);
  return image === "" ? { kind, path } : { kind, path, image };
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(text: string): Platform {
  const parts = text.toLowerCase().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
    throw new ArchiveError(`"${text}" is not a platform`, "write os/architecture or os/architecture/variant, for example linux/amd64 or linux/arm/v7");
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

export interface ImageLayer {
  index: number;
  /** The layer's path in the archive or layout: the key consumers saw. */
  key: string;
  compression: LayerRecord["compression"];
  digest: string;
  diffId: string;
  /** From the config's rootfs.diff_ids. */
  expectedDiffId: string | undefined;
  storedBytes: number;
  tarBytes: number;
  entries: number;
}

export interface DiffIdMismatch {
  index: number;
  key: string | undefined;
  expected: string | undefined;
  actual: string | undefined;
}

export interface ImageScan {
  source: FileImageSource["kind"] | "stream";
  format: "docker-save" | "oci-layout";
  /** The image config JSON (Config, rootfs, history, os, architecture, ...). */
  config: Record<string, unknown>;
  configDigest: string;
  /** The image manifest's digest, for OCI layouts. */
  manifestDigest: string | undefined;
  repoTags: string[];
  platform: Platform | undefined;
  layers: ImageLayer[];
  /** Layers whose uncompressed sha256 differs from the config's rootfs.diff_ids (or a count that differs). */
  diffIdMismatches: DiffIdMismatch[];
  fs: MergedFs;
}

export interface ReadImageOptions extends ScanOptions {
  /** os/architecture[/variant], for an image index with several platforms; default linux/amd64, else the only one. */
  platform?: string;
  /** A repo tag, OCI ref name or digest choosing one image of several. */
  image?: string;
}

/** Config, manifests and indexes are small; anything larger is not one of them. */
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** All JSON buffered from a stream: legacy archives carry one small v1 JSON per layer. */
const MAX_JSON_TOTAL = 64 * 1024 * 1024;
/** Entries of the archive itself (not of its layers). */
const MAX_ARCHIVE_ENTRIES = 1_000_000;
const MAX_ARCHIVE_LINK_HOPS = 16;
const MAX_INDEX_DEPTH = 4;
const TAR_BLOCK = 512;
/** Reads of 1 MiB rather than fs's 64 KiB: three times the throughput on a plain layer in the page cache. */
const READ_CHUNK = 1024 * 1024;

const INDEX_TYPES = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);
const MANIFEST_TYPES = new Set(["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"]);
const SHA256_DIGEST = /^sha256:([a-f0-9]{64})$/;
const BLOB_PATH = /^blobs\/sha256\/([a-f0-9]{64})$/;

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const archivePath = (raw: string) => normaliseEntryName(raw).path.slice(1);

interface Archive {
  /** How messages name it: "docker-archive:x.tar", "the image stream". */
  where: string;
  /** The regular file a path names after following the archive's own links; undefined when absent. */
  resolve(path: string): Promise<string | undefined>;
  /** A small file's bytes (JSON); an ArchiveError when it is absent or too large. */
  read(path: string): Promise<Buffer>;
}

interface RandomAccessArchive extends Archive {
  open(path: string): Readable;
}

/** What the manifests say about the chosen image. */
interface Located {
  format: ImageScan["format"];
  config: Record<string, unknown>;
  configDigest: string;
  manifestDigest: string | undefined;
  repoTags: string[];
  platform: Platform | undefined;
  layers: Array<{ path: string; digest: string | undefined; size: number | undefined }>;
}

/** Reads an image from a file or directory named by parseImageSource(). */
export async function readImageSource(source: FileImageSource, options: ReadImageOptions = {}): Promise<ImageScan> {
  const opts = source.image ? { ...options, image: source.image } : options;
  const where = `${source.kind}:${source.path}`;
  const how = `append :IMAGE to the source (${where}:IMAGE)`;
  const unreadable = (e: NodeJS.ErrnoException): never => {
    if (e.code === "ENOENT") throw new ArchiveError(`${source.path} does not exist`, `check the path in ${where}`);
    throw new ArchiveError(`cannot read ${source.path} (${e.code ?? e.message})`, `check the path and its permissions in ${where}`, { cause: e });
  };
  const info = await stat(source.path).catch(unreadable);
  if (source.kind === "oci") {
    if (!info.isDirectory()) throw new ArchiveError(`${where}: ${source.path} is not a directory`, `an OCI layout in a tar file is read with oci-archive:${source.path}`);
    return scanRandomAccess(dirArchive(source.path, where), "oci", "oci", opts, how);
  }
  if (info.isDirectory()) throw new ArchiveError(`${where}: ${source.path} is a directory, not a tar file`, `an OCI layout directory is read with oci:${source.path}`);
  const prefer = source.kind === "oci-archive" ? "oci" : "docker";
  const head = await readHead(source.path).catch(unreadable);
  if (sniffCompression(head)) {
    // A compressed archive has no random access: read it once, like a stream.
    return scanStream(createReadStream(source.path, { highWaterMark: READ_CHUNK }), source.kind, where, prefer, opts, how);
  }
  if (!looksLikeTar(head)) throw new ArchiveError(`${where}: ${source.path} is not a tar archive`, notAnImageHint(source.kind));
  const entries = await indexTarFile(source.path, where, opts.signal);
  return scanRandomAccess(fileArchive(source.path, entries, where), source.kind, prefer, opts, how);
}

/**
 * Reads a `docker save` stream (the Engine's image export, or either archive format from anywhere) in one pass.
 * Layers are scanned as they arrive, so consumers may see layers of other images in the same archive: the result
 * maps the chosen image's layer keys to indexes.
 */
export async function readImageStream(input: AsyncIterable<Buffer>, options: ReadImageOptions = {}): Promise<ImageScan> {
  return scanStream(input, "stream", "the image stream", "docker", options, "name the image (a repo tag or its config digest)");
}

function notAnImageHint(kind: FileImageSource["kind"]): string {
  return kind === "docker-archive" ? "write one with: docker save -o image.tar IMAGE" : "write one with: skopeo copy docker-daemon:IMAGE oci-archive:image.tar";
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const b = Buffer.alloc(TAR_BLOCK);
    const { bytesRead } = await fh.read(b, 0, TAR_BLOCK, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function scanRandomAccess(archive: RandomAccessArchive, source: ImageScan["source"], prefer: "docker" | "oci", options: ReadImageOptions, how: string): Promise<ImageScan> {
  options.signal?.throwIfAborted();
  const located = await locate(archive, prefer, options, how);
  const scanner = new LayerScanner(options);
  const scanned = new Map<string, LayerRecord>();
  const records: LayerRecord[] = [];
  for (const [index, layer] of located.layers.entries()) {
    const key = await archive.resolve(layer.path);
    if (key === undefined) throw new ArchiveError(`${archive.where}: layer ${index} (${layer.path}) is missing`, "the archive is incomplete; export the image again");
    let record = scanned.get(key);
    if (!record) {
      // A layer listed twice (the same empty layer, say) is read once.
      record = await scanner.scan(archive.open(key), key);
      scanned.set(key, record);
    }
    verifyLayer(archive.where, record, layer);
    records.push(record);
  }
  return finish(source, located, records);
}

type StreamFile = { kind: "json"; bytes: Buffer } | { kind: "layer"; record: LayerRecord } | { kind: "other"; why: string };

async function scanStream(input: AsyncIterable<Buffer>, source: ImageScan["source"], where: string, prefer: "docker" | "oci", options: ReadImageOptions, how: string): Promise<ImageScan> {
  const run = new Abortable(options.signal);
  // Layer scans stop with the first failure anywhere, an abort included.
  const nested = new AbortController();
  run.onFail((e) => nested.abort(e));
  const scanner = new LayerScanner({ ...options, signal: nested.signal });
  const files = new Map<string, StreamFile>();
  const links = new Map<string, string>();
  const pending = new Set<Promise<void>>();
  let jsonTotal = 0;
  let entries = 0;
  let eof = false;

  const handle = async (entry: ReadEntry): Promise<void> => {
    if (++entries > MAX_ARCHIVE_ENTRIES) throw new ArchiveError(`${where} has more than ${MAX_ARCHIVE_ENTRIES} entries`, "this is not an image archive");
    const name = archivePath(entry.path);
    if (entry.type === "SymbolicLink" || entry.type === "Link") {
      // Legacy docker save writes a layer shared by two images once, and links the second to it.
      links.set(name, entry.type === "Link" ? archivePath(entry.linkpath ?? "") : archivePath(posix.join(posix.dirname(name), entry.linkpath ?? "")));
      return drain(entry);
    }
    if (entry.type !== "File" && entry.type !== "OldFile" && entry.type !== "ContiguousFile") return drain(entry);
    const pull = new Pull(entry[Symbol.asyncIterator](), run);
    const head = await pull.peek(TAR_BLOCK);
    if (sniffCompression(head) || looksLikeTar(head)) {
      try {
        files.set(name, { kind: "layer", record: await scanner.scan(replay(pull), name) });
      } catch (e) {
        // A damaged blob fails the read only if the chosen image uses it; an abort or a consumer's bug fails it now.
        if (nested.signal.aborted || !(e instanceof LayerError) || e instanceof EntryLimitError) throw e;
        files.set(name, { kind: "other", why: e.message });
        pull.close();
        drain(entry);
      }
      return;
    }
    if (!looksLikeJson(head)) {
      files.set(name, { kind: "other", why: "neither JSON nor a tar archive" });
      pull.close();
      return drain(entry);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for (let c = await pull.next(); c !== undefined; c = await pull.next()) {
      size += c.length;
      if (size > MAX_JSON_BYTES) {
        files.set(name, { kind: "other", why: `larger than ${MAX_JSON_BYTES} bytes` });
        pull.close();
        return drain(entry);
      }
      chunks.push(c);
    }
    jsonTotal += size;
    if (jsonTotal > MAX_JSON_TOTAL) throw new ArchiveError(`${where} holds more than ${MAX_JSON_TOTAL} bytes of JSON`, "this is not an image archive");
    files.set(name, { kind: "json", bytes: Buffer.concat(chunks) });
  };

  const outer = new Parser({
    zstd: false,
    onwarn: (_code, message) => run.fail(new ArchiveError(`${where}: ${/Unrecognized archive format/.test(message) ? "not a tar archive" : message}`, "the archive is damaged or was cut short; export it again")),
    onReadEntry: (entry) => {
      if (run.failed) return drain(entry);
      const task = handle(entry).catch((e: unknown) => run.fail(e));
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },
  });
  outer.on("error", (e: Error) => run.fail(new ArchiveError(`${where}: ${e.message}`, "the archive is damaged; export it again", { cause: e })));
  outer.on("eof", () => (eof = true));
  const parsed = new Promise<void>((resolve) => outer.once("end", resolve));

  const pull = new Pull(input[Symbol.asyncIterator](), run);
  try {
    const head = await pull.peek(TAR_BLOCK);
    const compression = sniffCompression(head) ?? "none";
    if (compression === "none" && !looksLikeTar(head)) throw new ArchiveError(`${where} is not a tar archive`, "expected the output of docker save, or an OCI layout as a tar");
    await pump(pull, compression, run, where, (chunk) => {
      // After the end-of-archive marker the parser would only buffer what follows.
      if (eof || run.failed) return;
      if (!outer.write(chunk)) return run.race(new Promise<void>((resolve) => outer.once("drain", resolve)));
    });
    outer.end();
    await run.race(parsed);
    while (pending.size > 0) await run.race(Promise.all(pending));
    run.throwIfFailed();
    if (!eof) throw new ArchiveError(`${where} ends without its end-of-archive marker (truncated)`, "the archive was cut short; export it again");
  } catch (e) {
    run.fail(e);
  } finally {
    pull.close();
    if (input instanceof Readable) input.destroy();
    run.dispose();
  }
  if (run.failed) throw options.signal?.aborted ? options.signal.reason : run.error;

  const archive: Archive = {
    where,
    async resolve(path) {
      let p = archivePath(path);
      for (let hops = 0; links.has(p) && hops < MAX_ARCHIVE_LINK_HOPS; hops++) p = links.get(p)!;
      return files.has(p) ? p : undefined;
    },
    async read(path) {
      const key = await this.resolve(path);
      const f = key === undefined ? undefined : files.get(key);
      if (f === undefined) throw new ArchiveError(`${where} has no ${path}`, "the archive is incomplete; export the image again");
      if (f.kind === "json") return f.bytes;
      throw new ArchiveError(`${where}: ${path} is ${f.kind === "layer" ? "a tar archive" : f.why}, not the JSON expected`, "the archive is damaged; export the image again");
    },
  };
  const located = await locate(archive, prefer, options, how);
  const records: LayerRecord[] = [];
  for (const [index, layer] of located.layers.entries()) {
    const key = await archive.resolve(layer.path);
    const f = key === undefined ? undefined : files.get(key);
    if (f === undefined) throw new ArchiveError(`${where}: layer ${index} (${layer.path}) is missing`, "the archive is incomplete; export the image again");
    if (f.kind !== "layer") throw new ArchiveError(`${where}: layer ${index} (${layer.path}) cannot be read: ${f.kind === "json" ? "it is JSON, not a tar archive" : f.why}`, "the archive is damaged; export the image again");
    verifyLayer(where, f.record, layer);
    records.push(f.record);
  }
  return finish(source, located, records);
}

/** A Pull as an async iterable, the bytes it peeked at included. */
function replay(pull: Pull): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const value = await pull.next();
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
      return: async () => {
        pull.close();
        return { done: true, value: undefined };
      },
    }),
  };
}

function drain(entry: ReadEntry): void {
  entry.ignore = true;
  entry.resume();
}

function looksLikeJson(head: Buffer): boolean {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return head[i] === 0x7b || head[i] === 0x5b;
}

function verifyLayer(where: string, record: LayerRecord, layer: Located["layers"][number]): void {
  const expected = layer.digest ?? (BLOB_PATH.exec(layer.path) ? `sha256:${BLOB_PATH.exec(layer.path)![1]}` : undefined);
  if (expected !== undefined && expected !== record.digest) throw new BlobDigestError(layer.path, expected, record.digest, where);
  if (layer.size !== undefined && layer.size !== record.storedBytes) {
    throw new BlobDigestError(layer.path, `${layer.size} bytes`, `${record.storedBytes} bytes`, where);
  }
}

function finish(source: ImageScan["source"], located: Located, records: LayerRecord[]): ImageScan {
  const rootfs = located.config.rootfs as { diff_ids?: unknown } | undefined;
  const diffIds = Array.isArray(rootfs?.diff_ids) ? rootfs.diff_ids.map(String) : undefined;
  const layers: ImageLayer[] = records.map((r, index) => ({
    index,
    key: r.key,
    compression: r.compression,
    digest: r.digest,
    diffId: r.diffId,
    expectedDiffId: diffIds?.[index],
    storedBytes: r.storedBytes,
    tarBytes: r.tarBytes,
    entries: r.entries.length,
  }));
  const diffIdMismatches: DiffIdMismatch[] = [];
  if (diffIds !== undefined) {
    for (let i = 0; i < Math.max(diffIds.length, records.length); i++) {
      if (diffIds[i] !== records[i]?.diffId) diffIdMismatches.push({ index: i, key: records[i]?.key, expected: diffIds[i], actual: records[i]?.diffId });
    }
  }
  return {
    source,
    format: located.format,
    config: located.config,
    configDigest: located.configDigest,
    manifestDigest: located.manifestDigest,
    repoTags: located.repoTags,
    platform: located.platform,
    layers,
    diffIdMismatches,
    fs: MergedFs.merge(records),
  };
}

// ---- Finding the image: manifest.json (docker save) or index.json (OCI layout) ----

type Json = Record<string, unknown>;

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

async function readJson(archive: Archive, path: string, expect?: { digest: string; size: number | undefined }): Promise<{ value: unknown; bytes: Buffer }> {
  const bytes = await archive.read(path);
  const named = BLOB_PATH.exec(path);
  const digest = expect?.digest ?? (named ? `sha256:${named[1]}` : undefined);
  if (digest !== undefined && sha256(bytes) !== digest) throw new BlobDigestError(path, digest, sha256(bytes), archive.where);
  if (expect?.size !== undefined && expect.size !== bytes.length) throw new BlobDigestError(path, `${expect.size} bytes`, `${bytes.length} bytes`, archive.where);
  try {
    return { value: JSON.parse(bytes.toString("utf8")), bytes };
  } catch (e) {
    throw new ArchiveError(`${archive.where}: ${path} is not valid JSON (${(e as Error).message})`, "the archive is damaged; export the image again", { cause: e });
  }
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function blobPath(archive: Archive, digest: unknown): string {
  const m = typeof digest === "string" ? SHA256_DIGEST.exec(digest) : null;
  if (!m) throw new ArchiveError(`${archive.where}: unsupported or malformed digest ${JSON.stringify(digest)}`, "byoc-check reads sha256 blobs only");
  return `blobs/sha256/${m[1]}`;
}

function descriptor(archive: Archive, v: unknown, what: string): Descriptor {
  if (!isObject(v) || typeof v.digest !== "string") throw new ArchiveError(`${archive.where}: ${what} is not a valid descriptor`, "the layout is damaged");
  return v as unknown as Descriptor;
}

function platformOf(v: { os?: unknown; architecture?: unknown; variant?: unknown } | undefined): Platform | undefined {
  if (typeof v?.os !== "string" || typeof v.architecture !== "string" || v.os === "" || v.architecture === "") return undefined;
  return typeof v.variant === "string" && v.variant !== "" ? { os: v.os, architecture: v.architecture, variant: v.variant } : { os: v.os, architecture: v.architecture };
}

const ARCH_ALIASES: Record<string, string> = { x86_64: "amd64", "x86-64": "amd64", aarch64: "arm64", armhf: "arm", armel: "arm" };

/** As containerd normalises them: arm64 means v8 unless it says otherwise, arm means v7. */
function normalised(p: Platform): Required<Platform> {
  const architecture = ARCH_ALIASES[p.architecture] ?? p.architecture;
  let variant = p.variant ?? "";
  if (/^\d+$/.test(variant)) variant = `v${variant}`;
  if (variant === "" && architecture === "arm64") variant = "v8";
  if (variant === "" && architecture === "arm") variant = "v7";
  return { os: p.os, architecture, variant };
}

/** Exact after normalisation; `loose` also lets a request without a variant match any variant. */
function platformMatches(have: Platform, want: Platform, loose = false): boolean {
  const h = normalised(have);
  const w = normalised(want);
  return h.os === w.os && h.architecture === w.architecture && (h.variant === w.variant || (loose && want.variant === undefined));
}

/** docker.io/library/foo:latest, library/foo and foo are the same image. */
function normaliseRef(ref: string): string {
  let r = ref.replace(/^docker\.io\//, "").replace(/^library\//, "");
  if (!/:[^/]+$/.test(r) && !r.includes("@")) r = `${r}:latest`;
  return r;
}

function digestMatches(wanted: string, digest: string | undefined): boolean {
  if (digest === undefined) return false;
  const hex = digest.replace(/^sha256:/, "");
  const w = wanted.replace(/^sha256:/, "");
  return /^[a-f0-9]{12,64}$/.test(w) && hex.startsWith(w);
}

async function locate(archive: Archive, prefer: "docker" | "oci", options: ReadImageOptions, how: string): Promise<Located> {
  const hasDocker = (await archive.resolve("manifest.json")) !== undefined;
  const hasOci = (await archive.resolve("index.json")) !== undefined;
  if (hasDocker && (prefer === "docker" || !hasOci)) return locateDocker(archive, options, how);
  if (hasOci) return locateOci(archive, options, how);
  throw new ArchiveError(
    `${archive.where} is not an image archive: it has neither manifest.json (docker save) nor index.json (OCI layout)`,
    "export the image with docker save -o image.tar IMAGE, or give an OCI layout",
  );
}

async function locateDocker(archive: Archive, options: ReadImageOptions, how: string): Promise<Located> {
  const { value } = await readJson(archive, "manifest.json");
  const bad = () => new ArchiveError(`${archive.where}: manifest.json is not a docker save manifest`, "the archive is damaged; export the image again");
  if (!Array.isArray(value) || value.length === 0) throw bad();
  const items = value.map((v: unknown) => {
    if (!isObject(v) || typeof v.Config !== "string" || !Array.isArray(v.Layers) || !v.Layers.every((l) => typeof l === "string")) throw bad();
    const tags = Array.isArray(v.RepoTags) ? v.RepoTags.filter((t): t is string => typeof t === "string") : [];
    return { config: archivePath(v.Config), layers: (v.Layers as string[]).map(archivePath), tags };
  });
  const configDigestOf = (path: string) => {
    const hex = /([a-f0-9]{64})(\.json)?$/.exec(path)?.[1];
    return hex ? `sha256:${hex}` : undefined;
  };
  const describe = (it: (typeof items)[number]) => (it.tags.length > 0 ? it.tags.join(", ") : (configDigestOf(it.config) ?? it.config));
  const wanted = options.image;
  const matches = wanted === undefined ? items : items.filter((it) => it.tags.some((t) => normaliseRef(t) === normaliseRef(wanted)) || digestMatches(wanted, configDigestOf(it.config)));
  if (matches.length === 0) {
    throw new ArchiveError(`${archive.where} has no image ${wanted}; it holds ${items.map(describe).join("; ")}`, `choose one of them: ${how}`);
  }
  if (matches.length > 1) {
    throw new ArchiveError(`${archive.where} holds ${matches.length} images (${matches.map(describe).join("; ")}) and none was chosen`, `choose one: ${how}`);
  }
  const item = matches[0]!;
  const { value: config, bytes } = await readJson(archive, item.config);
  if (!isObject(config)) throw new ArchiveError(`${archive.where}: ${item.config} is not an image config`, "the archive is damaged; export the image again");
  const platform = platformOf(config);
  if (options.platform !== undefined && !(platform && platformMatches(platform, parsePlatform(options.platform), true))) {
    const available = platform ? [formatPlatform(platform)] : [];
    throw new PlatformError(`${archive.where} holds ${available[0] ?? "an image of unknown platform"}, not ${options.platform}`, "a docker save archive holds one platform per image; export the one you want", available);
  }
  return { format: "docker-save", config, configDigest: sha256(bytes), manifestDigest: undefined, repoTags: item.tags, platform, layers: item.layers.map((path) => ({ path, digest: undefined, size: undefined })) };
}

interface Candidate {
  /** The ref names of the top-level index entry it came from: one image, possibly several platforms. */
  names: string[];
  top: string;
  desc: Descriptor;
  platform: Platform | undefined;
  present: boolean;
}

async function locateOci(archive: Archive, options: ReadImageOptions, how: string): Promise<Located> {
  const { value: index } = await readJson(archive, "index.json");
  if (!isObject(index) || !Array.isArray(index.manifests)) throw new ArchiveError(`${archive.where}: index.json is not an OCI image index`, "the layout is damaged");
  const candidates: Candidate[] = [];
  const visit = async (desc: Descriptor, names: string[], top: string, depth: number): Promise<void> => {
    if (depth > MAX_INDEX_DEPTH) throw new ArchiveError(`${archive.where}: image indexes nest deeper than ${MAX_INDEX_DEPTH}`, "the layout is damaged");
    const ann = desc.annotations ?? {};
    // BuildKit's provenance and SBOM attestations are manifests of platform unknown/unknown.
    if (ann["vnd.docker.reference.type"] === "attestation-manifest" || desc.platform?.os === "unknown") return;
    // A blob of another algorithm counts as absent; it fails the read only if it is the one chosen.
    const path = SHA256_DIGEST.test(desc.digest) ? blobPath(archive, desc.digest) : undefined;
    const present = path !== undefined && (await archive.resolve(path)) !== undefined;
    let isIndex = desc.mediaType !== undefined && INDEX_TYPES.has(desc.mediaType);
    if (desc.mediaType !== undefined && !isIndex && !MANIFEST_TYPES.has(desc.mediaType)) return;
    let body: unknown;
    if (present && (isIndex || desc.mediaType === undefined)) {
      body = (await readJson(archive, path!, { digest: desc.digest, size: desc.size })).value;
      isIndex = isObject(body) && Array.isArray(body.manifests);
    }
    if (isIndex) {
      // A platform missing from a partial export (docker save of one platform of a multi-platform image) is skipped.
      if (!isObject(body)) return;
      for (const [i, m] of (body.manifests as unknown[]).entries()) await visit(descriptor(archive, m, `${path} manifests[${i}]`), names, top, depth + 1);
      return;
    }
    candidates.push({ names, top, desc, platform: platformOf(desc.platform), present });
  };
  for (const [i, m] of index.manifests.entries()) {
    const desc = descriptor(archive, m, `index.json manifests[${i}]`);
    const ann = desc.annotations ?? {};
    const names = [ann["io.containerd.image.name"], ann["org.opencontainers.image.ref.name"]].filter((n): n is string => typeof n === "string" && n !== "");
    await visit(desc, names, desc.digest, 0);
  }

  const wanted = options.image;
  const named = (c: Candidate) => c.names.some((n) => n === wanted || normaliseRef(n) === normaliseRef(wanted!)) || digestMatches(wanted!, c.desc.digest) || digestMatches(wanted!, c.top);
  const matching = wanted === undefined ? candidates : candidates.filter(named);
  const imageName = (c: Candidate) => c.names[0] ?? c.top;
  // Two tags of one image are two index.json entries with one digest; unnamed entries are the platforms of one image.
  const images = [...new Set(matching.map((c) => (c.names.length > 0 ? c.top : "")))];
  const chosen = matching.filter((c, i) => matching.findIndex((d) => d.desc.digest === c.desc.digest) === i);
  if (chosen.length === 0) {
    const all = [...new Set(candidates.map(imageName))];
    throw new ArchiveError(
      wanted === undefined ? `${archive.where} holds no image manifest` : `${archive.where} has no image ${wanted}; it holds ${all.join("; ") || "no named image"}`,
      wanted === undefined ? "the layout is empty or damaged" : `choose one of them: ${how}`,
    );
  }
  if (images.length > 1) {
    throw new ArchiveError(`${archive.where} holds several images (${[...new Set(matching.map(imageName))].join("; ")}) and none was chosen`, `choose one: ${how}`);
  }

  // Descriptors in a plain index.json may lack a platform: the config says it.
  for (const c of chosen) {
    if (c.platform || !c.present) continue;
    const manifest = (await readJson(archive, blobPath(archive, c.desc.digest), { digest: c.desc.digest, size: c.desc.size })).value;
    if (isObject(manifest) && isObject(manifest.config)) {
      const cd = descriptor(archive, manifest.config, "the manifest's config");
      if ((await archive.resolve(blobPath(archive, cd.digest))) !== undefined) {
        const config = (await readJson(archive, blobPath(archive, cd.digest), { digest: cd.digest, size: cd.size })).value;
        if (isObject(config)) c.platform = platformOf(config);
      }
    }
  }
  const label = (c: Candidate) => (c.platform ? formatPlatform(c.platform) : "unknown platform");
  const present = chosen.filter((c) => c.present);
  const available = [...new Set(present.map(label))];
  let pick: Candidate;
  if (options.platform !== undefined) {
    const want = parsePlatform(options.platform);
    const found = present.find((c) => c.platform && platformMatches(c.platform, want)) ?? present.find((c) => c.platform && platformMatches(c.platform, want, true));
    if (!found) {
      const listed = chosen.some((c) => c.platform && platformMatches(c.platform, want, true));
      throw new PlatformError(
        listed ? `${archive.where} lists ${formatPlatform(want)}, but its blobs are not in it (available: ${available.join(", ") || "none"})` : `${archive.where} has no ${formatPlatform(want)} image (available: ${available.join(", ") || "none"})`,
        available.length > 0 ? `choose one of: ${available.join(", ")}` : "export the image with the platform you want",
        available,
      );
    }
    pick = found;
  } else if (present.length === 1) {
    pick = present[0]!;
  } else {
    const amd64 = present.find((c) => c.platform && platformMatches(c.platform, { os: "linux", architecture: "amd64" }, true));
    if (!amd64) {
      throw new PlatformError(
        present.length === 0 ? `${archive.where} lists images for ${[...new Set(chosen.map(label))].join(", ")}, but none of their blobs are in it` : `${archive.where} holds several platforms (${available.join(", ")}) and none is linux/amd64`,
        present.length === 0 ? "the export is incomplete; export the image again" : `choose one of: ${available.join(", ")}`,
        available,
      );
    }
    pick = amd64;
  }

  const manifestPath = blobPath(archive, pick.desc.digest);
  const { value: manifest } = await readJson(archive, manifestPath, { digest: pick.desc.digest, size: pick.desc.size });
  if (!isObject(manifest) || !isObject(manifest.config) || !Array.isArray(manifest.layers)) {
    throw new ArchiveError(`${archive.where}: ${manifestPath} is not an image manifest`, "the layout is damaged");
  }
  const configDesc = descriptor(archive, manifest.config, "the manifest's config");
  const { value: config, bytes } = await readJson(archive, blobPath(archive, configDesc.digest), { digest: configDesc.digest, size: configDesc.size });
  if (!isObject(config)) throw new ArchiveError(`${archive.where}: the config blob is not an image config`, "the layout is damaged");
  const layers = manifest.layers.map((l: unknown, i: number) => {
    const d = descriptor(archive, l, `layer ${i} of ${manifestPath}`);
    return { path: blobPath(archive, d.digest), digest: d.digest, size: typeof d.size === "number" ? d.size : undefined };
  });
  return {
    format: "oci-layout",
    config,
    configDigest: sha256(bytes),
    manifestDigest: pick.desc.digest,
    // containerd's name is a full reference; an OCI ref name is often only a tag ("latest").
    repoTags: [...new Set(matching.filter((c) => c.desc.digest === pick.desc.digest && c.names.length > 0).map((c) => c.names[0]!))],
    platform: platformOf(config) ?? pick.platform,
    layers,
  };
}

// ---- Random access: an OCI layout directory, or a tar file indexed once ----

function dirArchive(dir: string, where: string): RandomAccessArchive {
  const full = (path: string) => {
    const p = archivePath(path);
    return p === "" ? undefined : join(dir, p);
  };
  return {
    where,
    async resolve(path) {
      const f = full(path);
      if (f === undefined) return undefined;
      const s = await stat(f).catch(() => undefined);
      return s?.isFile() ? archivePath(path) : undefined;
    },
    async read(path) {
      const f = full(path);
      const s = f === undefined ? undefined : await stat(f).catch(() => undefined);
      if (f === undefined || !s?.isFile()) {
        throw new ArchiveError(
          path === "index.json" ? `${where} is not an OCI image layout: ${dir} has no index.json` : `${where} has no ${path}`,
          path === "index.json" ? `a docker save archive is read with docker-archive:PATH` : "the layout is incomplete; copy the image again",
        );
      }
      if (s.size > MAX_JSON_BYTES) throw new ArchiveError(`${where}: ${path} is larger than ${MAX_JSON_BYTES} bytes, too large for JSON`, "the layout is damaged");
      return readFile(f);
    },
    open: (path) => createReadStream(full(path)!, { highWaterMark: READ_CHUNK }),
  };
}

interface IndexedEntry {
  type: ReadEntry["type"];
  offset: number;
  size: number;
  linkpath: string | undefined;
}

/** Lists a tar file's entries by reading only their headers, so that blobs can then be read in any order. */
async function indexTarFile(path: string, where: string, signal: AbortSignal | undefined): Promise<Map<string, IndexedEntry>> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    const entries = new Map<string, IndexedEntry>();
    const truncated = () => new ArchiveError(`${where} is truncated (${size} bytes)`, "the archive was cut short; export it again");
    const readAt = async (at: number, n: number): Promise<Buffer> => {
      const b = Buffer.alloc(n);
      const { bytesRead } = await fh.read(b, 0, n, at);
      if (bytesRead < n) throw truncated();
      return b;
    };
    let ex: Pax | undefined;
    let gex: Pax | undefined;
    let zeros = 0;
    for (let pos = 0, count = 0; zeros < 2; count++) {
      signal?.throwIfAborted();
      if (count > MAX_ARCHIVE_ENTRIES) throw new ArchiveError(`${where} has more than ${MAX_ARCHIVE_ENTRIES} entries`, "this is not an image archive");
      const block = await readAt(pos, TAR_BLOCK);
      pos += TAR_BLOCK;
      if (block.every((b) => b === 0)) {
        zeros++;
        continue;
      }
      zeros = 0;
      let h: Header;
      try {
        h = new Header(block, 0, ex, gex);
      } catch (e) {
        throw new ArchiveError(`${where}: unreadable tar header at offset ${pos - TAR_BLOCK} (${(e as Error).message})`, "the archive is damaged; export it again");
      }
      if (!h.cksumValid) throw new ArchiveError(`${where}: corrupt tar header at offset ${pos - TAR_BLOCK}`, "the archive is damaged; export it again");
      const bodySize = h.size ?? 0;
      if (pos + bodySize > size) throw truncated();
      const body = async () => {
        if (bodySize > 1024 * 1024) throw new ArchiveError(`${where}: a ${h.type} header of ${bodySize} bytes`, "this is not an image archive");
        return (await readAt(pos, bodySize)).toString("utf8");
      };
      switch (h.type) {
        case "ExtendedHeader":
        case "OldExtendedHeader":
          ex = Pax.parse(await body(), ex, false);
          break;
        case "GlobalExtendedHeader":
          gex = Pax.parse(await body(), gex, true);
          break;
        case "NextFileHasLongPath":
        case "OldGnuLongPath":
          ex = new Pax({ ...ex, path: (await body()).replace(/\0.*/s, "") });
          break;
        case "NextFileHasLongLinkpath":
          ex = new Pax({ ...ex, linkpath: (await body()).replace(/\0.*/s, "") });
          break;
        default:
          entries.set(archivePath(h.path ?? ""), { type: h.type, offset: pos, size: bodySize, linkpath: h.linkpath || undefined });
          ex = undefined;
      }
      pos += Math.ceil(bodySize / TAR_BLOCK) * TAR_BLOCK;
      if (zeros < 2 && pos >= size) throw new ArchiveError(`${where} ends without its end-of-archive marker (truncated)`, "the archive was cut short; export it again");
    }
    return entries;
  } finally {
    await fh.close();
  }
}

function fileArchive(file: string, entries: Map<string, IndexedEntry>, where: string): RandomAccessArchive {
  const find = (path: string): [string, IndexedEntry] | undefined => {
    let p = archivePath(path);
    for (let hops = 0; hops <= MAX_ARCHIVE_LINK_HOPS; hops++) {
      const e = entries.get(p);
      if (e === undefined) return undefined;
      if (e.type === "SymbolicLink") p = archivePath(posix.join(posix.dirname(p), e.linkpath ?? ""));
      else if (e.type === "Link") p = archivePath(e.linkpath ?? "");
      else return e.type === "File" || e.type === "OldFile" || e.type === "ContiguousFile" ? [p, e] : undefined;
    }
    return undefined;
  };
  const readRange = async (e: IndexedEntry): Promise<Buffer> => {
    let fh: FileHandle | undefined;
    try {
      fh = await open(file, "r");
      const b = Buffer.alloc(e.size);
      const { bytesRead } = await fh.read(b, 0, e.size, e.offset);
      if (bytesRead < e.size) throw new ArchiveError(`${where} is truncated`, "the archive was cut short; export it again");
      return b;
    } finally {
      await fh?.close();
    }
  };
  return {
    where,
    async resolve(path) {
      return find(path)?.[0];
    },
    async read(path) {
      const found = find(path);
      if (found === undefined) throw new ArchiveError(`${where} has no ${path}`, "the archive is incomplete; export the image again");
      if (found[1].size > MAX_JSON_BYTES) throw new ArchiveError(`${where}: ${path} is larger than ${MAX_JSON_BYTES} bytes, too large for JSON`, "the archive is damaged");
      return readRange(found[1]);
    },
    open(path) {
      const [, e] = find(path)!;
      return e.size === 0 ? Readable.from([]) : createReadStream(file, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: READ_CHUNK });
    },
  };
}
