// What the GPU, Neuron and EFA rules (src/gpu) need from an image, collected in the single pass over its layers:
// which files to read (by path), what to keep of each, and, once the pass is over, the facts as the merged view
// shows them (a file a later layer deletes or replaces no longer counts). Paths and markers: reference
// cuda-efa.md sections 2.2, 3, 5.1 and 6.

import { posix } from "node:path";
import {
  COMPAT_LIBCUDA,
  CUDA_RUNTIME_DIST_INFO,
  CUDA_VERSION_FILE,
  EFA_INSTALLED_PACKAGES,
  LIBCUDART,
  LIBCUDART_UNVERSIONED,
  LIBFABRIC,
  LIBNCCL,
  neuronMarkers,
  OFI_NCCL_PLUGIN,
  TORCH_VERSION_PY,
} from "../gpu/markers.js";
import type { CompatApplication, CudaEvidence, EfaMarkers, ImageGpuInput, LibfabricFile, NeuronMarkers } from "../gpu/types.js";
import {
  cudaFromDistInfoName,
  cudaFromEnv,
  cudaFromJaxPluginName,
  cudaFromLibcudartName,
  cudaFromTorchVersionPy,
  cudaFromVersionJson,
  cudaFromVersionTxt,
  formatCuda,
  parseEfaInstallerVersion,
  parseNcclVersionString,
  parseOfiNcclVersion,
  type CudaVersion,
} from "../gpu/versions.js";
import { ElfStream, type ElfScan } from "./elf-stream.js";
import { kernelContainers } from "./fatbin.js";
import { ldSoConfDirs, realPath, type PathLookup } from "./ld.js";

/** A file of a layer as the scan offers it. */
export interface OfferedFile {
  path: string;
  size: number;
  mode: number;
  /** The layer's identity during the scan; the merged view says which layer's copy survives. */
  layer: string;
}

export interface Sink {
  write(chunk: Buffer): void | "enough";
  end(): void;
}

/** Small text files kept whole: version files, version.py, ld.so.conf, the EFA installer's list, entrypoint scripts. */
const TEXT_CAP = 1024 * 1024;
const SCRIPT_CAP = 256 * 1024;
/** Executables read whole when they start with #!: entrypoint scripts are small, interpreters and tools are not. */
const EXEC_SCRIPT_CAP = 64 * 1024;
const KNOWN_SCRIPTS = /\/(start_cuda_compat|cuda-compatibility-lib|start_with_right_hostname|dockerd_entrypoint|entrypoint)\.sh$/;

const SHARED_OBJECT = /\.so(\.\d+)*$/;
const CUDNN_HEADER = /\/cudnn_version\.h$/;
const TEXT_FILES: RegExp[] = [CUDA_VERSION_FILE, TORCH_VERSION_PY, CUDNN_HEADER, /^\/etc\/ld\.so\.conf$/, /^\/etc\/ld\.so\.conf\.d\/[^/]+$/, new RegExp(`^${EFA_INSTALLED_PACKAGES}$`)];

/** Literal markers read out of binaries as they stream (§3.3 NCCL, §5.1 aws-ofi-nccl, and the EFA provider's own variables). */
const PROBES = {
  nccl: { literal: "NCCL version ", tail: 48, files: LIBNCCL },
  ofiNccl: { literal: "Initializing aws-ofi-nccl ", tail: 32, files: /\/libnccl-net[^/]*\.so[^/]*$/ },
  efaProvider: { literal: "FI_EFA_", tail: 0, files: LIBFABRIC },
} as const;
type ProbeName = keyof typeof PROBES;

/** Finds a literal in a stream and keeps the bytes after it, across chunk boundaries. */
class StringProbe {
  private carry = Buffer.alloc(0);
  private tailLeft = -1;
  private captured: Buffer[] = [];
  found?: string;
  private readonly literal: Buffer;
  private readonly tail: number;
  constructor(literal: string, tail: number) {
    this.literal = Buffer.from(literal, "latin1");
    this.tail = tail;
  }
  /** true once done. */
  write(chunk: Buffer): boolean {
    if (this.found !== undefined) return true;
    if (this.tailLeft >= 0) return this.capture(chunk);
    const joined = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const at = joined.indexOf(this.literal);
    if (at === -1) {
      this.carry = Buffer.from(joined.subarray(Math.max(0, joined.length - this.literal.length + 1)));
      return false;
    }
    this.tailLeft = this.tail;
    return this.capture(joined.subarray(at + this.literal.length));
  }
  private capture(chunk: Buffer): boolean {
    const part = chunk.subarray(0, this.tailLeft);
    this.captured.push(Buffer.from(part));
    this.tailLeft -= part.length;
    const text = Buffer.concat(this.captured).toString("latin1");
    const nul = text.indexOf("\0");
    if (this.tailLeft === 0 || nul !== -1) {
      this.found = nul === -1 ? text : text.slice(0, nul);
      return true;
    }
    return false;
  }
  end(): void {
    if (this.tailLeft >= 0 && this.found === undefined) this.found = Buffer.concat(this.captured).toString("latin1");
  }
}

export interface ElfRecord {
  path: string;
  layer: string;
  size: number;
  scan: ElfScan;
  probes: Partial<Record<ProbeName, string>>;
}

/** Collects, per layer copy, what the GPU rules read. One collector serves one scan. */
export class GpuCollector {
  readonly elves: ElfRecord[] = [];
  readonly texts = new Map<string, Map<string, string>>();

  open(f: OfferedFile): Sink | undefined {
    if (TEXT_FILES.some((re) => re.test(f.path)) && f.size <= TEXT_CAP) return this.textSink(f);
    // Scripts, for how the entrypoint applies cuda-compat: AWS's by name, and any small executable starting with #!.
    if (KNOWN_SCRIPTS.test(f.path) && f.size <= SCRIPT_CAP) return this.textSink(f);
    if ((f.mode & 0o111) !== 0 && f.size <= EXEC_SCRIPT_CAP && !SHARED_OBJECT.test(f.path)) return this.textSink(f, true);
    if (SHARED_OBJECT.test(f.path) && f.size >= 64) return this.elfSink(f);
    return undefined;
  }

  private textSink(f: OfferedFile, scriptsOnly = false): Sink {
    const chunks: Buffer[] = [];
    let dropped = false;
    return {
      write: (c) => {
        if (scriptsOnly && chunks.length === 0 && !(c[0] === 0x23 && c[1] === 0x21)) {
          dropped = true;
          return "enough";
        }
        chunks.push(Buffer.from(c));
      },
      end: () => {
        if (dropped) return;
        const byLayer = this.texts.get(f.path) ?? new Map<string, string>();
        byLayer.set(f.layer, Buffer.concat(chunks).toString("utf8"));
        this.texts.set(f.path, byLayer);
      },
    };
  }

  private elfSink(f: OfferedFile): Sink {
    const elf = new ElfStream(f.size);
    const probes = (Object.keys(PROBES) as ProbeName[]).filter((n) => PROBES[n].files.test(f.path)).map((n) => [n, new StringProbe(PROBES[n].literal, PROBES[n].tail)] as const);
    let elfDone = false;
    return {
      write: (c) => {
        if (!elfDone && elf.write(c) === "enough") elfDone = true;
        let probesDone = true;
        for (const [, p] of probes) if (!p.write(c)) probesDone = false;
        return elfDone && probesDone ? "enough" : undefined;
      },
      end: () => {
        const scan = elf.end();
        if (scan.error !== undefined && scan.fatbins.length === 0) return;
        const found: ElfRecord["probes"] = {};
        for (const [n, p] of probes) {
          p.end();
          if (p.found !== undefined) found[n] = p.found;
        }
        this.elves.push({ path: f.path, layer: f.layer, size: f.size, scan, probes: found });
      },
    };
  }
}

/** The merged view the facts are read through, once the pass is over. */
export interface MergedLookup extends PathLookup {
  /** The layer whose copy of `path` the merged view shows (undefined: not in the image). */
  writer(path: string): string | undefined;
  /** Names in a directory of the merged view. */
  list(dir: string): string[];
  /** Every path of the merged view (files, links, directories). */
  paths(): Iterable<string>;
}

export interface GpuFacts extends ImageGpuInput {
  /** Every ELF file of the merged view with its dynamic section, for the static ldd. */
  elves: ElfRecord[];
  /** /etc/ld.so.conf and its includes, as the merged view has them. */
  ldSoConf: Map<string, string>;
  /** The GPU stack's components and their versions, for the report: cuDNN, NCCL, cuBLAS, torch, JAX (§3.2-3.6). */
  stack: StackComponent[];
}

export interface StackComponent {
  name: "cuDNN" | "NCCL" | "cuBLAS" | "PyTorch" | "JAX";
  version: string;
  where: string;
}

/** File and directory names that carry a component's version (§3.2-3.6); the header of cuDNN is read as text. */
const STACK_NAMES: Array<[StackComponent["name"], RegExp]> = [
  ["cuDNN", /^libcudnn\.so\.(\d+\.\d+\.\d+)/],
  ["cuDNN", /^nvidia_cudnn(?:_cu\d+)?-(\d+\.\d+\.\d+)[^/]*\.dist-info$/],
  ["NCCL", /^libnccl\.so\.(\d+\.\d+\.\d+)$/],
  ["NCCL", /^nvidia_nccl(?:_cu\d+)?-(\d+\.\d+\.\d+)[^/]*\.dist-info$/],
  ["cuBLAS", /^libcublas\.so\.(\d+\.\d+\.\d+(?:\.\d+)?)$/],
  ["cuBLAS", /^nvidia_cublas(?:_cu\d+)?-(\d+\.\d+\.\d+)[^/]*\.dist-info$/],
  ["PyTorch", /^torch-(\d+\.\d+\.\d+[^/]*?)\.dist-info$/],
  ["JAX", /^jax-(\d+\.\d+\.\d+[^/]*?)\.dist-info$/],
];

/** cudnn_version.h (cuDNN 8 and newer): CUDNN_MAJOR, CUDNN_MINOR, CUDNN_PATCHLEVEL. */
export function cudnnFromHeader(text: string): string | undefined {
  const n = (k: string) => new RegExp(`#define\\s+CUDNN_${k}\\s+(\\d+)`).exec(text)?.[1];
  const [major, minor, patch] = [n("MAJOR"), n("MINOR"), n("PATCHLEVEL")];
  return major && minor && patch ? `${major}.${minor}.${patch}` : undefined;
}

/** A text file as the merged view shows it. */
function textOf(c: GpuCollector, view: MergedLookup, path: string): string | undefined {
  const layer = view.writer(path);
  return layer === undefined ? undefined : c.texts.get(path)?.get(layer);
}

/**
 * How the entrypoint applies cuda-compat (§2.2): AWS's start_cuda_compat.sh prepends the compat directory to
 * LD_LIBRARY_PATH; sourced (`source X`, `. X`) or written inline, that reaches the program the script then execs;
 * run as a command (`bash X`, `sh X`, `X`), the export dies with the child. `argv` is ENTRYPOINT plus CMD: the first
 * script among them is read, so a binary wrapper in front (dumb-init, tini, env, bash) is looked through. `resolve`
 * turns a path or name into the path of the file it names in the image (links followed, PATH searched).
 */
export function compatApplication(
  scripts: ReadonlyArray<{ path: string; text: string }>,
  argv: readonly string[],
  resolve: (pathOrName: string, from: string) => string | undefined = (p, from) => posix.resolve(from, p),
): CompatApplication {
  if (argv.length === 0) return "none";
  const texts = new Map(scripts.map((s) => [s.path, s.text]));
  const seen = new Set<string>();
  const visit = (path: string, depth: number): CompatApplication => {
    const text = texts.get(path);
    if (text === undefined || depth > 3 || seen.has(path)) return "unknown";
    seen.add(path);
    const lines = text.split("\n").map((l) => l.replace(/(^|\s)#.*$/, "").trim());
    // Inline: an export of LD_LIBRARY_PATH that names a compat directory.
    if (lines.some((l) => /^(export\s+)?LD_LIBRARY_PATH=.*\/compat\b/.test(l))) return "in-process";
    let result: CompatApplication = "none";
    for (const l of lines) {
      const m = /^(?:(source|\.)\s+|(?:exec\s+)?(?:bash|sh|\/bin\/bash|\/bin\/sh|\/usr\/bin\/env\s+bash)\s+)?(\S*(?:compat|cuda)\S*\.sh)\b/.exec(l);
      if (!m) continue;
      const target = resolve(m[2]!, posix.dirname(path)) ?? posix.resolve(posix.dirname(path), m[2]!);
      // A script byoc-check did not read but named like AWS's switch script is taken to do what that script does.
      const unread = !texts.has(target) && /cuda[-_]?compat/.test(posix.basename(target));
      const inner = unread ? "in-process" : visit(target, depth + 1);
      if (inner === "in-process") return m[1] ? "in-process" : "child-process";
      if (inner === "child-process") result = "child-process";
      if (inner === "unknown" && result === "none") result = "unknown";
    }
    return result;
  };
  for (const a of argv) {
    const p = resolve(a, "/");
    if (p !== undefined && texts.has(p)) return visit(p, 0);
  }
  return "unknown";
}

/** Turns what the collector kept into the rules' inputs, through the merged view. */
export function gpuFacts(c: GpuCollector, view: MergedLookup, env: Readonly<Record<string, string>>, argv: readonly string[], workingDir = "/"): GpuFacts {
  const elves = c.elves.filter((e) => view.writer(e.path) === e.layer);
  const all = [...view.paths()];
  const cuda: CudaEvidence[] = [];
  const add = (v: CudaVersion | undefined, source: CudaEvidence["source"], where: string) => {
    if (v) cuda.push({ cuda: formatCuda(v), source, where });
  };

  for (const p of all) {
    if (LIBCUDART.test(p) && realPath(view, p)?.kind === "file") add(cudaFromLibcudartName(p), "libcudart", p);
    if (CUDA_RUNTIME_DIST_INFO.test(p)) add(cudaFromDistInfoName(p), "dist-info", p);
    if (/\/jax_cuda\d+_plugin$/.test(p)) add(cudaFromJaxPluginName(p), "jax", p);
    const text = () => textOf(c, view, p) ?? "";
    if (CUDA_VERSION_FILE.test(p)) add(p.endsWith(".json") ? cudaFromVersionJson(text()) : cudaFromVersionTxt(text()), p.endsWith(".json") ? "version.json" : "version.txt", p);
    if (TORCH_VERSION_PY.test(p)) add(cudaFromTorchVersionPy(text()), "torch", p);
  }
  add(cudaFromEnv(env), "env", "ENV CUDA_VERSION");

  let nccl: EfaMarkers["nccl"];
  for (const e of elves) {
    const v = e.probes.nccl === undefined ? undefined : parseNcclVersionString(`NCCL version ${e.probes.nccl}`);
    if (!v) continue;
    nccl = { path: e.path, version: v.nccl, ...(v.cuda ? { cuda: formatCuda(v.cuda) } : {}) };
    add(v.cuda, "nccl", e.path);
  }

  // cuda-compat: the link compat/libcuda.so.1 -> libcuda.so.580.95.05 (§2.2); /usr/local/cuda's own first.
  let compat: ImageGpuInput["compat"];
  for (const p of all.filter((x) => COMPAT_LIBCUDA.test(x)).sort().reverse()) {
    const st = view.lstat(p);
    if (st?.kind === "symlink" && st.linkTarget && (!compat || p.startsWith("/usr/local/cuda/"))) compat = { dir: posix.dirname(p), libcudaTarget: posix.basename(st.linkTarget) };
  }

  const scripts = [...c.texts.keys()].flatMap((p) => {
    const text = textOf(c, view, p);
    return text === undefined ? [] : [{ path: p, text }];
  });
  // A path is taken from the working directory, a bare name from there and then PATH (as bash does with a script).
  const pathDirs = (env["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":").filter((d) => d !== "");
  const resolve = (a: string, from: string): string | undefined => {
    const candidates = a.includes("/") ? [posix.resolve(from === "/" ? workingDir : from, a)] : [posix.resolve(workingDir, a), ...pathDirs.map((d) => posix.join(d, a))];
    for (const p of candidates) {
      const r = realPath(view, p);
      if (r?.kind === "file") return r.path;
    }
    return undefined;
  };
  const compatApplied = compat ? compatApplication(scripts, argv, resolve) : "none";

  const libfabric: LibfabricFile[] = [];
  for (const p of all.filter((x) => LIBFABRIC.test(x))) {
    const rec = elves.find((e) => e.path === p);
    const f: LibfabricFile = { path: p };
    if (rec) f.efaProvider = rec.probes.efaProvider !== undefined;
    libfabric.push(f);
  }
  const ofiNcclPlugins = all.filter((x) => OFI_NCCL_PLUGIN.test(x));
  const ofiVersion = elves.map((e) => e.probes.ofiNccl && parseOfiNcclVersion(`aws-ofi-nccl ${e.probes.ofiNccl}`)).find(Boolean);
  const installer = parseEfaInstallerVersion(textOf(c, view, EFA_INSTALLED_PACKAGES) ?? "");
  const ldSoConf = new Map<string, string>();
  for (const p of [...c.texts.keys()].filter((x) => x === "/etc/ld.so.conf" || x.startsWith("/etc/ld.so.conf.d/"))) {
    const text = textOf(c, view, p);
    if (text !== undefined) ldSoConf.set(p, text);
  }
  // The rules compare directories with LD_LIBRARY_PATH and ld.so.conf as written; the merged view lists each file
  // once, under its real path. A search directory that is a link to a file's directory names the file too.
  const loaderDirs = ldSoConfDirs({ lstat: (p) => view.lstat(p), list: (d) => view.list(d), readText: (p) => ldSoConf.get(p) });
  const searchDirs = [...new Set([...(env["LD_LIBRARY_PATH"] ?? "").split(":").filter((d) => d.startsWith("/")), ...loaderDirs])];
  const withAliases = (paths: string[]) => {
    const out = new Set(paths);
    for (const d of searchDirs) {
      const real = realPath(view, d);
      if (real?.kind !== "dir") continue;
      for (const p of paths) if (posix.dirname(p) === real.path && real.path !== posix.normalize(d)) out.add(posix.join(d, posix.basename(p)));
    }
    return [...out];
  };
  const efa: EfaMarkers = {
    loaderDirs,
    libfabric,
    ofiNcclPlugins: withAliases(ofiNcclPlugins),
    libcudartUnversioned: withAliases(all.filter((x) => LIBCUDART_UNVERSIONED.test(x))),
    ...(installer ? { efaInstallerVersion: installer } : {}),
    ...(ofiVersion ? { ofiNcclVersion: ofiVersion } : {}),
    ...(nccl ? { nccl } : {}),
  };
  const neuron: NeuronMarkers = { paths: neuronMarkers(all) };
  const libraries = elves
    .filter((e) => e.scan.fatbins.length > 0)
    .map((e) => ({ path: e.path, containers: kernelContainers(e.scan.fatbins) }))
    .filter((l) => l.containers.length > 0);
  const stack: StackComponent[] = [];
  const seenStack = new Set<string>();
  const addStack = (name: StackComponent["name"], version: string, where: string) => {
    // NCCL's build string (2.27.7+cuda13.0) says more than its file name (2.27.7): it comes first and wins.
    const key = `${name} ${version.split("+")[0]}`;
    if (seenStack.has(key)) return;
    seenStack.add(key);
    stack.push({ name, version, where });
  };
  if (nccl) addStack("NCCL", `${nccl.version}${nccl.cuda ? `+cuda${nccl.cuda}` : ""}`, nccl.path);
  for (const p of all) {
    const base = posix.basename(p);
    for (const [name, re] of STACK_NAMES) {
      const m = re.exec(base);
      if (m) addStack(name, m[1]!, p);
    }
    if (CUDNN_HEADER.test(p)) {
      const v = cudnnFromHeader(textOf(c, view, p) ?? "");
      if (v) addStack("cuDNN", v, p);
    }
  }
  return { cuda, ...(compat ? { compat } : {}), compatApplied, env, libraries, neuron, efa, elves, ldSoConf, stack };
}
