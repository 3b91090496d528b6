// The single pass over an image's layers (issue 6): every consumer the static checks need reads the bytes it asked
// for as the layers stream by once, then the facts are read through the merged view.
import { posix } from "node:path";
import type { ImageScan, ReadImageOptions } from "../image/archive.js";
import type { ImageConfig } from "../image/config.js";
import { GpuCollector, gpuFacts, type MergedLookup } from "../image/gpu-inventory.js";
import { defaultDirs, resolveNeeded } from "../image/ld.js";
import type { MergedFs } from "../image/layers.js";
import { createSecretFileScanner, type SecretHit } from "../image/secret-files.js";
import type { LayerFacts, LayerSecret, UnresolvedLibrary } from "./layer-facts.js";

/** Reads the image's layers once, handing every file to the consumers given. */
export type LayerReader = (options: Pick<ReadImageOptions, "consumers" | "signal">) => Promise<ImageScan>;

function view(fs: MergedFs, keys: readonly string[]): MergedLookup {
  return {
    lstat(path) {
      const e = fs.lstat(path);
      if (!e) return undefined;
      const kind = e.kind === "hardlink" ? "file" : e.kind;
      return e.linkTarget !== undefined && kind === "symlink" ? { kind, linkTarget: e.linkTarget } : { kind };
    },
    writer(path) {
      const layer = fs.lstat(path)?.layer;
      return layer === undefined || layer < 0 ? undefined : keys[layer];
    },
    list: (dir) => (fs.list(dir) ?? []).map((e) => posix.basename(e.path)),
    *paths() {
      for (const e of fs.walk("/")) yield e.path;
    },
  };
}

export async function scanLayers(read: LayerReader, config: ImageConfig, signal: AbortSignal): Promise<LayerFacts> {
  const env = Object.fromEntries(config.env);
  const gpu = new GpuCollector();
  const secrets = createSecretFileScanner();
  const found: Array<{ hit: SecretHit; key: string }> = [];
  const scan = await read({
    signal,
    consumers: [
      (f) => gpu.open(f),
      (f) => {
        const sink = secrets.open(f.path, f.size);
        if (!sink) return undefined;
        return { write: (c) => sink.write(c), end: () => found.push(...sink.end().map((hit) => ({ hit, key: f.layer }))) };
      },
    ],
  });
  const keys = scan.layers.map((l) => l.key);
  const merged = view(scan.fs, keys);
  const argv = [...(config.entrypoint ?? []), ...(config.cmd ?? [])];
  const facts = gpuFacts(gpu, merged, env, argv, config.workingDir);

  const layers = scan.layers.map((l) => ({ index: l.index, diffId: l.diffId, ...(l.expectedDiffId && l.expectedDiffId !== l.diffId ? { expectedDiffId: l.expectedDiffId } : {}) }));
  const layerSecrets: LayerSecret[] = found.flatMap(({ hit, key }) => {
    const index = keys.indexOf(key);
    if (index < 0) return [];
    return [{ hit, layer: layers[index]!, deletedLater: merged.writer(hit.path) !== key }];
  });
  layerSecrets.sort((a, b) => a.layer.index - b.layer.index || a.hit.path.localeCompare(b.hit.path) || a.hit.line - b.hit.line);

  // An empty entry is the working directory, to the loader as to the shell.
  const ldLibraryPath = env["LD_LIBRARY_PATH"] ? env["LD_LIBRARY_PATH"].split(":") : [];
  // Which libraries are loaded at all: those in a directory the loader searches, those another object needs, and
  // what frameworks and users install (Python extension modules, /opt, /usr/local). A plugin in a subdirectory
  // (iproute2's tc/q_atm.so, which needs libatm1 that Debian only recommends) is dlopen()ed by path, if ever.
  const searchDirs = new Set([...ldLibraryPath.filter((d) => d !== ""), ...(facts.efa.loaderDirs ?? [])].map((d) => posix.resolve(config.workingDir, d)));
  const neededNames = new Set(facts.elves.flatMap((e) => e.scan.elf?.needed ?? []));
  const loaded = (path: string, bits: 32 | 64, machine: number) =>
    searchDirs.has(posix.dirname(path)) ||
    defaultDirs(bits, machine).includes(posix.dirname(path)) ||
    neededNames.has(posix.basename(path)) ||
    /\/(site|dist)-packages\//.test(path) ||
    /^\/(opt|usr\/local)\//.test(path);
  const unresolved: UnresolvedLibrary[] = [];
  for (const e of facts.elves) {
    const elf = e.scan.elf;
    if (!elf || elf.needed.length === 0 || !loaded(e.path, elf.bits, elf.machine)) continue;
    const res = resolveNeeded(merged, { path: e.path, bits: elf.bits, machine: elf.machine, needed: elf.needed, rpath: elf.rpath, runpath: elf.runpath }, { ldLibraryPath, confDirs: [...(facts.efa.loaderDirs ?? [])], workingDir: config.workingDir });
    const missing = res.filter((r): r is Extract<typeof r, { found: false }> => !r.found);
    if (missing.length > 0) unresolved.push({ path: e.path, missing });
  }
  return { layers, gpu: facts, secrets: layerSecrets, unresolved, elfCount: facts.elves.length, entries: scan.layers.reduce((n, l) => n + l.entries, 0) };
}
