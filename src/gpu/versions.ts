// Version strings of the CUDA stack as an image carries them (reference cuda-efa.md sections 2.2, 3 and 5.1):
// drivers, CUDA toolkits, component versions, NCCL, aws-ofi-nccl and the EFA installer. Pure: text in, numbers out.
import type { CudaTables } from "../spec/cuda.js";
import { compareDotted } from "../spec/units.js";

/** A CUDA toolkit version; `minor` is absent where only the major is known (libcudart.so.12 without dist-info). */
export interface CudaVersion {
  major: number;
  minor?: number;
}

export interface DriverVersion {
  /** 535.104.05 -> [535, 104, 5]; a branch alone -> [535]. */
  parts: number[];
  text: string;
}

export { compareDotted };

/** "12", "12.4", "12.4.1" or a runfile's date-stamped "12.6.20241114": only major.minor are kept. */
export function parseCudaVersion(text: string): CudaVersion | undefined {
  const m = /^\s*(\d+)(?:\.(\d+))?(?:\.\d+)*\s*$/.exec(text);
  if (!m) return undefined;
  return m[2] === undefined ? { major: Number(m[1]) } : { major: Number(m[1]), minor: Number(m[2]) };
}

export function formatCuda(v: CudaVersion): string {
  return v.minor === undefined ? `${v.major}.x` : `${v.major}.${v.minor}`;
}

/** Orders by major, then minor; an unknown minor sorts as 0. */
export function compareCuda(a: CudaVersion, b: CudaVersion): number {
  return a.major - b.major || (a.minor ?? 0) - (b.minor ?? 0);
}

/** A CUDA component's version names its toolkit's major.minor: cudart 12.4.127 -> CUDA 12.4 (section 3.1). */
export function cudaFromComponentVersion(version: string): CudaVersion | undefined {
  const m = /^(\d+)\.(\d+)\.\d+/.exec(version.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * libcudart.so.12.4.127 -> 12.4; libcudart.so.12 (a wheel's SONAME file) -> 12; libcudart.so.11.0 is CUDA 11's SONAME,
 * not version 11.0, so -> 11 (section 3.1).
 */
export function cudaFromLibcudartName(name: string): CudaVersion | undefined {
  const m = /(?:^|\/)libcudart\.so\.(\d+)(?:\.(\d+)(?:\.(\d+))?)?$/.exec(name);
  if (!m) return undefined;
  return m[3] === undefined ? { major: Number(m[1]) } : { major: Number(m[1]), minor: Number(m[2]) };
}

/** /usr/local/cuda/version.json: `{"cuda": {"version": "12.6.3"}}`. */
export function cudaFromVersionJson(text: string): CudaVersion | undefined {
  try {
    const v = (JSON.parse(text) as { cuda?: { version?: unknown } }).cuda?.version;
    return typeof v === "string" ? parseCudaVersion(v) : undefined;
  } catch {
    return undefined;
  }
}

/** /usr/local/cuda/version.txt (CUDA <= 11.0): "CUDA Version 11.0.228". */
export function cudaFromVersionTxt(text: string): CudaVersion | undefined {
  const m = /CUDA Version (\d+\.\d+(?:\.\d+)*)/.exec(text);
  return m ? parseCudaVersion(m[1]!) : undefined;
}

/** torch/version.py: `cuda: Optional[str] = '13.0'` (or `cuda = None` in a CPU build) (section 3.5). */
export function cudaFromTorchVersionPy(text: string): CudaVersion | undefined {
  const m = /^cuda(?:\s*:[^=\n]*)?\s*=\s*['"]([\d.]+)['"]/m.exec(text);
  return m ? parseCudaVersion(m[1]!) : undefined;
}

/** The image's `ENV CUDA_VERSION=12.1.1` (nvidia/cuda base images). */
export function cudaFromEnv(env: Readonly<Record<string, string>>): CudaVersion | undefined {
  const v = env["CUDA_VERSION"];
  return v === undefined ? undefined : parseCudaVersion(v);
}

/** "NCCL version 2.22.3+cuda12.1" inside libnccl.so -> NCCL 2.22.3 built with CUDA 12.1 (section 3.3). */
export function parseNcclVersionString(text: string): { nccl: string; cuda?: CudaVersion } | undefined {
  const m = /NCCL version (\d+\.\d+\.\d+)(?:\+cuda(\d+)\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return m[2] === undefined ? { nccl: m[1]! } : { nccl: m[1]!, cuda: { major: Number(m[2]), minor: Number(m[3]) } };
}

/** "Initializing aws-ofi-nccl 1.7.3-aws" (the plugin's startup string) -> "1.7.3" (section 5.1). */
export function parseOfiNcclVersion(text: string): string | undefined {
  return /aws-ofi-nccl (\d+\.\d+\.\d+)/.exec(text)?.[1];
}

/** /opt/amazon/efa_installed_packages: "# EFA installer version: 1.38.0" (section 5.1). */
export function parseEfaInstallerVersion(text: string): string | undefined {
  return /EFA installer version:\s*(\d+\.\d+\.\d+)/.exec(text)?.[1];
}

export function parseDriverVersion(text: string): DriverVersion | undefined {
  const t = text.trim();
  if (!/^\d{3}(\.\d+){0,2}$/.test(t)) return undefined;
  return { parts: t.split(".").map(Number), text: t };
}

/** Componentwise; missing components count as 0, so a bare branch "535" sorts before 535.54.03. */
export function compareDriverVersions(a: DriverVersion, b: DriverVersion): number {
  return compareDotted(a.parts.join("."), b.parts.join("."));
}

/**
 * Whether host < compat, as AWS's start_cuda_compat.sh decides before it switches (section 2.2). A bare branch
 * against a version on the same branch cannot be ordered: undefined.
 */
export function driverOlderThan(host: DriverVersion, other: DriverVersion): boolean | undefined {
  if (host.parts[0] !== other.parts[0]) return host.parts[0]! < other.parts[0]!;
  if (host.parts.length === 1 || other.parts.length === 1) return host.parts.length === other.parts.length ? false : undefined;
  return compareDriverVersions(host, other) < 0;
}

/** The compat package's driver version from the target of compat/libcuda.so.1: "libcuda.so.580.95.05" -> "580.95.05". */
export function compatDriverFromLink(target: string): string | undefined {
  const m = /(?:^|\/)libcuda\.so\.(\d{3}(?:\.\d+){1,2})$/.exec(target);
  return m?.[1];
}

/** The newest CUDA a driver runs natively: its branch, or the nearest older branch in the table. */
export function maxCudaForDriver(driver: DriverVersion, tables: Pick<CudaTables, "driverBranches">): CudaVersion | undefined {
  const branch = driver.parts[0]!;
  const row = [...tables.driverBranches].filter((r) => r.branch <= branch).sort((a, b) => b.branch - a.branch)[0];
  return row ? parseCudaVersion(row.maxCuda) : undefined;
}

/** The first driver released with a CUDA version (its GA toolkit row), e.g. 12.8 -> 570.26. */
export function firstDriverFor(cuda: CudaVersion, tables: Pick<CudaTables, "toolkitDrivers">): string | undefined {
  const rows = tables.toolkitDrivers.filter((r) => {
    const v = parseCudaVersion(r.toolkit.replace(/(U\d+|RC)$/, ""));
    return v !== undefined && v.major === cuda.major && (cuda.minor === undefined || v.minor === cuda.minor) && !r.toolkit.endsWith("RC");
  });
  return rows.sort((a, b) => compareDotted(a.driver, b.driver))[0]?.driver;
}

/** The oldest driver branch that runs CUDA `major` at all (minor-version compatibility), e.g. 12 -> "525". */
export function minDriverForMajor(major: number, tables: Pick<CudaTables, "minorVersionCompat">): string | undefined {
  return tables.minorVersionCompat.find((r) => r.cudaMajor === major)?.minDriver;
}

/**
 * The CUDA release that first understands a PTX ISA. An ISA newer than the table's newest needs a CUDA newer than
 * the newest listed (`newerThanKnown`).
 */
export function minCudaForPtxIsa(isa: string, tables: Pick<CudaTables, "ptxIsa">): { cuda: CudaVersion; newerThanKnown: boolean } | undefined {
  const exact = tables.ptxIsa.find((r) => r.isa === isa);
  if (exact) return { cuda: parseCudaVersion(exact.minCuda)!, newerThanKnown: false };
  const sorted = [...tables.ptxIsa].sort((a, b) => compareDotted(a.isa, b.isa));
  const newest = sorted[sorted.length - 1];
  if (!newest || !/^\d+\.\d+$/.test(isa)) return undefined;
  if (compareDotted(isa, newest.isa) > 0) return { cuda: parseCudaVersion(newest.minCuda)!, newerThanKnown: true };
  // Between listed rows, the nearest older row; below the oldest, the oldest row: both bound it from above closely
  // enough to compare with any driver that runs CUDA 11 or newer.
  const row = sorted.filter((r) => compareDotted(r.isa, isa) < 0).pop() ?? sorted[0]!;
  return { cuda: parseCudaVersion(row.minCuda)!, newerThanKnown: false };
}

/** Whether a driver that runs `maxCuda` can JIT-compile PTX of this ISA (section 2.2, 4.5 rule 3). */
export function canJitPtx(isa: string, maxCuda: CudaVersion, tables: Pick<CudaTables, "ptxIsa">): boolean | undefined {
  const need = minCudaForPtxIsa(isa, tables);
  if (!need) return undefined;
  const cmp = compareCuda(maxCuda, need.cuda);
  return need.newerThanKnown ? cmp > 0 : cmp >= 0;
}

/** The newest PTX ISA a driver of `maxCuda` can JIT-compile, for messages ("PTX newer than ISA 8.2"). */
export function newestPtxIsaFor(maxCuda: CudaVersion, tables: Pick<CudaTables, "ptxIsa">): string | undefined {
  return [...tables.ptxIsa]
    .filter((r) => compareCuda(parseCudaVersion(r.minCuda)!, maxCuda) <= 0)
    .sort((a, b) => compareDotted(a.isa, b.isa))
    .pop()?.isa;
}

/**
 * A wheel's dist-info directory: nvidia_cuda_runtime_cu12-12.4.127.dist-info (CUDA 12 wheels) or
 * nvidia_cuda_runtime-13.0.96.dist-info (CUDA 13) -> the CUDA of that runtime (section 3.1).
 */
export function cudaFromDistInfoName(name: string): CudaVersion | undefined {
  const m = /(?:^|\/)nvidia_cuda_runtime(?:_cu\d+)?-(\d+\.\d+\.\d+)[^/]*\.dist-info\/?$/.exec(name);
  return m ? cudaFromComponentVersion(m[1]!) : undefined;
}

/** jax_cuda13_plugin / jax_plugins/xla_cuda12 name the CUDA major the JAX plugin is built for (section 3.6). */
export function cudaFromJaxPluginName(path: string): CudaVersion | undefined {
  const m = /(?:^|\/)(?:jax_cuda(\d+)_plugin|xla_cuda(\d+))(?:\/|$)/.exec(path);
  return m ? { major: Number(m[1] ?? m[2]) } : undefined;
}
