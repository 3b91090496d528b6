// The facts every GPU rule starts from, derived once per (image, instance): the image's CUDA, the host driver and
// the CUDA it runs, whether cuda-compat is really in effect (reference cuda-efa.md section 2.3), and each library's
// kernel-image fit (section 4.5).
import { SURFACE_LABEL } from "../spec/host-driver.js";
import { libraryFit, parseComputeCapability, type ComputeCapability, type LibraryResult } from "./kernel-image.js";
import type { CompatApplication, CudaEvidence, FactValue, GpuInputs, GpuSeverity } from "./types.js";
import {
  compareCuda,
  compatDriverFromLink,
  driverOlderThan,
  formatCuda,
  maxCudaForDriver,
  parseCudaVersion,
  parseDriverVersion,
  type CudaVersion,
  type DriverVersion,
} from "./versions.js";

export interface CompatState {
  present: boolean;
  dir?: string;
  driver?: DriverVersion;
  /** The CUDA the compat driver runs: maxCudaForDriver(compat driver). */
  cuda?: CudaVersion;
  /** Host driver older than the compat driver (when the switch script would use it); undefined when it cannot be told. */
  hostOlder?: boolean;
  applied: CompatApplication;
  /** The image's ENV LD_LIBRARY_PATH names the compat directory (applies it always, whatever the host). */
  staticPath: boolean;
  /** cuda-compat is what the program loads: present, host older, and applied in-process or by ENV (usesCompat). */
  active: boolean;
}

export interface GpuContext extends GpuInputs {
  gpu?: ComputeCapability;
  /** The highest CUDA the image's evidence names, and which evidence. */
  imageCuda?: { version: CudaVersion; evidence: CudaEvidence };
  /** Any CUDA evidence, or any library with SASS or PTX. */
  hasCuda: boolean;
  hostDriver?: DriverVersion;
  /** Newest CUDA the host driver runs natively. */
  driverCuda?: CudaVersion;
  compat: CompatState;
  /** The CUDA the process gets: compat's when active, else the host driver's. */
  effectiveCuda?: CudaVersion;
  libraries: LibraryResult[];
  /** "driver 470 (CUDA 11.4; the SageMaker real-time hosting default for g5)" */
  hostLabel: string;
  baseFacts: Record<string, FactValue>;
  /** An unconfirmed host driver lowers a driver-dependent finding one step: error -> warning -> info. */
  gate(severity: GpuSeverity): GpuSeverity;
  /** Appended to a driver-dependent message when the driver is an assumption. */
  assumed: string;
}

const COMPAT_DIR = /^\/usr\/local\/cuda(-\d+(\.\d+)?)?\/compat$/;

export function ldLibraryPath(env: Readonly<Record<string, string>>): string[] {
  return (env["LD_LIBRARY_PATH"] ?? "")
    .split(":")
    .filter((d) => d !== "")
    .map((d) => (d.length > 1 ? d.replace(/\/+$/, "") : d));
}

function namesCompatDir(entry: string, dir: string): boolean {
  const norm = dir.replace(/\/+$/, "");
  // /usr/local/cuda is a link to /usr/local/cuda-X.Y in toolkit images: either spelling names the same directory.
  return entry === norm || (COMPAT_DIR.test(entry) && COMPAT_DIR.test(norm));
}

export function highestCuda(evidence: readonly CudaEvidence[]): { version: CudaVersion; evidence: CudaEvidence } | undefined {
  let best: { version: CudaVersion; evidence: CudaEvidence } | undefined;
  for (const e of evidence) {
    const v = parseCudaVersion(e.cuda);
    if (!v) continue;
    if (!best || compareCuda(v, best.version) > 0 || (compareCuda(v, best.version) === 0 && best.version.minor === undefined && v.minor !== undefined)) {
      best = { version: v, evidence: e };
    }
  }
  return best;
}

export function buildContext(inputs: GpuInputs): GpuContext {
  const { image, target, knowledge } = inputs;
  const gpu = target.instance.gpu ? parseComputeCapability(target.instance.gpu.computeCapability) : undefined;
  const hostDriver = target.host.driver === undefined ? undefined : parseDriverVersion(target.host.driver);
  const driverCuda = hostDriver ? maxCudaForDriver(hostDriver, knowledge.cuda) : undefined;

  const compatDriver = image.compat ? compatDriverFromLink(image.compat.libcudaTarget) : undefined;
  const compat: CompatState = { present: image.compat !== undefined, applied: image.compatApplied, staticPath: false, active: false };
  if (image.compat) {
    compat.dir = image.compat.dir;
    compat.staticPath = ldLibraryPath(image.env).some((d) => namesCompatDir(d, image.compat!.dir));
    const parsed = compatDriver === undefined ? undefined : parseDriverVersion(compatDriver);
    if (parsed) {
      compat.driver = parsed;
      const cuda = maxCudaForDriver(parsed, knowledge.cuda);
      if (cuda) compat.cuda = cuda;
      if (hostDriver) {
        const older = driverOlderThan(hostDriver, parsed);
        if (older !== undefined) compat.hostOlder = older;
      }
    }
    compat.active = compat.hostOlder === true && (compat.applied === "in-process" || compat.staticPath);
  }
  const effectiveCuda = compat.active ? compat.cuda : driverCuda;

  const jit = effectiveCuda === undefined ? { tables: knowledge.cuda } : { maxCuda: effectiveCuda, tables: knowledge.cuda };
  const libraries = gpu ? image.libraries.map((l) => libraryFit(l, gpu, jit)) : [];
  const imageCuda = highestCuda(image.cuda);
  const hasCuda = image.cuda.length > 0 || image.libraries.some((l) => l.containers.some((c) => c.entries.some((e) => e.kind === "sass" || e.kind === "ptx")));

  const host = target.host;
  const hostLabel = hostDriver
    ? `driver ${hostDriver.text} (${driverCuda ? `CUDA ${formatCuda(driverCuda)}; ` : ""}${host.provenance})`
    : `an unknown driver (${host.provenance})`;
  const baseFacts: Record<string, FactValue> = {
    instanceType: target.instance.type,
    surface: SURFACE_LABEL[host.surface],
    hostDriver: host.driver ?? "unknown",
    hostDriverConfidence: host.confidence,
    hostDriverFrom: host.provenance,
  };
  if (host.source.length > 0) baseFacts["hostDriverSources"] = host.source;
  if (target.instance.gpu) baseFacts["gpu"] = `${target.instance.gpu.model} (compute capability ${target.instance.gpu.computeCapability})`;
  if (driverCuda) baseFacts["hostCuda"] = formatCuda(driverCuda);
  if (imageCuda) {
    baseFacts["imageCuda"] = formatCuda(imageCuda.version);
    baseFacts["imageCudaFrom"] = `${imageCuda.evidence.source}: ${imageCuda.evidence.where}`;
  }
  const unconfirmed = host.confidence === "unconfirmed";
  const ctx: GpuContext = {
    ...inputs,
    hasCuda,
    compat,
    libraries,
    hostLabel,
    baseFacts,
    gate: (s) => (!unconfirmed ? s : s === "error" ? "warning" : "info"),
    assumed: unconfirmed ? "; that driver is an assumption no AWS source confirms, so check it with --driver" : "",
  };
  if (gpu) ctx.gpu = gpu;
  if (imageCuda) ctx.imageCuda = imageCuda;
  if (hostDriver) ctx.hostDriver = hostDriver;
  if (driverCuda) ctx.driverCuda = driverCuda;
  if (effectiveCuda) ctx.effectiveCuda = effectiveCuda;
  return ctx;
}

/** "CUDA 12.4 (libcudart.so.12.4.127)": the image's CUDA and where it was read. */
export function imageCudaLabel(ctx: GpuContext): string {
  if (!ctx.imageCuda) return "CUDA";
  const { version, evidence } = ctx.imageCuda;
  const where = evidence.where.startsWith("ENV ") ? evidence.where : (evidence.where.split("/").pop() ?? evidence.where);
  return `CUDA ${formatCuda(version)} (${where})`;
}

/** "ml.p5.48xlarge (H100, sm_90)" */
export function instanceLabel(ctx: GpuContext): string {
  const i = ctx.target.instance;
  if (i.gpu) return `${i.type} (${i.gpu.model}, ${i.gpu.sm})`;
  if (i.accelerator) return `${i.type} (${i.accelerator.model})`;
  return i.type;
}
