// Whether a library's CUDA kernels can load on a GPU (reference cuda-efa.md section 4.5), from the fatbin listing of
// src/image/fatbin.ts. A module (one fatbin container) loads when at least one of its entries does; a module with none
// fails at launch with cudaErrorNoKernelImageForDevice.
import type { FatbinContainer, FatbinEntry } from "../image/fatbin.js";
import { entryName } from "../image/fatbin.js";
import type { CudaTables } from "../spec/cuda.js";
import { canJitPtx, minCudaForPtxIsa, type CudaVersion } from "./versions.js";

export interface ComputeCapability {
  major: number;
  minor: number;
}

export function parseComputeCapability(text: string): ComputeCapability | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** sm_90 -> 9.0, sm_103 -> 10.3, sm_86 -> 8.6: the fatbin's arch number is major * 10 + minor. */
export function archToCapability(arch: number): ComputeCapability {
  return { major: Math.floor(arch / 10), minor: arch % 10 };
}

export function formatCapability(cc: ComputeCapability): string {
  return `${cc.major}.${cc.minor}`;
}

/** The PTX JIT the process will use: the host driver's, or cuda-compat's when that is active (section 4.5 rule 5). */
export interface PtxJit {
  /** Newest CUDA the JIT understands; absent when the host driver is unknown (PTX is then taken to compile). */
  maxCuda?: CudaVersion;
  tables: Pick<CudaTables, "ptxIsa">;
}

/**
 * sass: a cubin that loads; jit: PTX the driver compiles at load; ptx-too-new: PTX for this GPU whose ISA the driver
 * cannot compile; wrong-arch: neither; not-code: an entry kind that never runs by itself (LTO-IR, ...).
 */
export type EntryFit = "sass" | "jit" | "ptx-too-new" | "wrong-arch" | "not-code";

type EntryShape = Pick<FatbinEntry, "kind" | "arch" | "variant" | "ptxIsa">;

function archFits(e: EntryShape, gpu: ComputeCapability): boolean {
  const { major, minor } = archToCapability(e.arch);
  if (e.variant === "a") return major === gpu.major && minor === gpu.minor; // rule 2: sm_90a only on 9.0
  if (e.kind === "sass" || e.variant === "f") return major === gpu.major && minor <= gpu.minor; // rules 1, 2 (f: family; PTX f UNCONFIRMED)
  return gpu.major > major || (gpu.major === major && gpu.minor >= minor); // rule 3: plain PTX runs forward
}

export function entryFit(e: EntryShape, gpu: ComputeCapability, jit: PtxJit): EntryFit {
  if (e.kind !== "sass" && e.kind !== "ptx") return "not-code";
  if (!archFits(e, gpu)) return "wrong-arch";
  if (e.kind === "sass") return "sass";
  if (jit.maxCuda === undefined || e.ptxIsa === undefined) return "jit";
  return canJitPtx(e.ptxIsa, jit.maxCuda, jit.tables) === false ? "ptx-too-new" : "jit";
}

/** A container's fit is the best of its entries': sass > jit > ptx-too-new > none; "no-code" when it holds no SASS or PTX. */
export type ContainerFit = "sass" | "jit" | "ptx-too-new" | "none" | "no-code";

export interface ContainerResult {
  offset: number;
  section?: string;
  fit: ContainerFit;
  /** Entry names in the container ("sm_80", "compute_90a"), deduplicated, in file order. */
  entries: string[];
  /** For ptx-too-new: the CUDA its newest fitting PTX needs. */
  needsCuda?: CudaVersion;
  /** Every code entry is arch-specific (sm_90a, ...): kernels a library picks for one GPU only. */
  archSpecificOnly: boolean;
}

export function containerFit(c: FatbinContainer, gpu: ComputeCapability, jit: PtxJit): ContainerResult {
  const code = c.entries.filter((e) => e.kind === "sass" || e.kind === "ptx");
  const fits = code.map((e) => entryFit(e, gpu, jit));
  const fit: ContainerFit =
    code.length === 0 ? "no-code" : fits.includes("sass") ? "sass" : fits.includes("jit") ? "jit" : fits.includes("ptx-too-new") ? "ptx-too-new" : "none";
  const out: ContainerResult = {
    offset: c.offset,
    fit,
    entries: [...new Set(code.map((e) => entryName(e)))],
    archSpecificOnly: code.length > 0 && code.every((e) => e.variant === "a"),
  };
  if (c.section !== undefined) out.section = c.section;
  if (fit === "ptx-too-new") {
    const needs = code
      .filter((e, i) => fits[i] === "ptx-too-new" && e.ptxIsa !== undefined)
      .map((e) => minCudaForPtxIsa(e.ptxIsa!, jit.tables)?.cuda)
      .filter((v): v is CudaVersion => v !== undefined)
      .sort((a, b) => a.major - b.major || (a.minor ?? 0) - (b.minor ?? 0))[0];
    if (needs) out.needsCuda = needs;
  }
  return out;
}

/**
 * sass: every module has a cubin for the GPU; jit: every module loads, some only by compiling PTX; partial: some
 * modules load nothing; none: no module loads; no-code: no SASS or PTX at all (nothing to judge).
 */
export type LibraryVerdict = "sass" | "jit" | "partial" | "none" | "no-code";

export interface LibraryResult {
  path: string;
  verdict: LibraryVerdict;
  containers: ContainerResult[];
  /** Containers with SASS or PTX. */
  judged: number;
  /** Judged containers that load nothing: no fitting entry, or only PTX too new for the driver. */
  unusable: ContainerResult[];
  /** Every distinct SASS target in the library ("sm_80", "sm_90a"), sorted by arch. */
  sass: string[];
  /** Every distinct PTX target with its ISA ("compute_90 (ISA 9.0)"), sorted by arch. */
  ptx: string[];
}

export interface LibraryFatbins {
  path: string;
  containers: readonly FatbinContainer[];
}

export function libraryFit(lib: LibraryFatbins, gpu: ComputeCapability, jit: PtxJit): LibraryResult {
  const containers = lib.containers.map((c) => containerFit(c, gpu, jit));
  const judged = containers.filter((c) => c.fit !== "no-code");
  const unusable = judged.filter((c) => c.fit === "none" || c.fit === "ptx-too-new");
  const verdict: LibraryVerdict =
    judged.length === 0
      ? "no-code"
      : unusable.length === judged.length
        ? "none"
        : unusable.length > 0
          ? "partial"
          : judged.some((c) => c.fit === "jit")
            ? "jit"
            : "sass";
  const all = lib.containers.flatMap((c) => c.entries);
  const byArch = (a: FatbinEntry, b: FatbinEntry) => a.arch - b.arch || a.variant.localeCompare(b.variant);
  const sass = [...new Set(all.filter((e) => e.kind === "sass").sort(byArch).map((e) => entryName(e)))];
  const ptx = [...new Set(all.filter((e) => e.kind === "ptx").sort(byArch).map((e) => (e.ptxIsa ? `${entryName(e)} (ISA ${e.ptxIsa})` : entryName(e))))];
  return { path: lib.path, verdict, containers, judged: judged.length, unusable, sass, ptx };
}
