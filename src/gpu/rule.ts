import type { AmiEntry } from "../spec/instances.js";
import type { GpuContext } from "./context.js";
import type { FactValue, GpuSeverity, GpuVerdict } from "./types.js";
import { compareCuda, formatCuda, maxCudaForDriver, parseDriverVersion, type CudaVersion } from "./versions.js";

/** A rule: its id (never changes), the reference section it implements, and its decision on the derived facts. */
export interface GpuRule {
  id: string;
  section: string;
  title: string;
  evaluate(ctx: GpuContext): GpuVerdict[];
}

export function defineGpuRule(rule: GpuRule): GpuRule {
  return rule;
}

export interface VerdictFields {
  severity: GpuSeverity;
  message: string;
  fix: string;
  library?: string;
  facts?: Record<string, FactValue | undefined>;
}

export function verdict(rule: Pick<GpuRule, "id" | "section">, ctx: GpuContext, f: VerdictFields): GpuVerdict {
  const facts: Record<string, FactValue> = { ...ctx.baseFacts };
  for (const [k, v] of Object.entries(f.facts ?? {})) if (v !== undefined) facts[k] = v;
  const out: GpuVerdict = { rule: rule.id, section: rule.section, severity: f.severity, instanceType: ctx.target.instance.type, message: f.message, fix: f.fix.charAt(0).toUpperCase() + f.fix.slice(1), facts };
  if (f.library !== undefined) out.library = f.library;
  return out;
}

export function basename(path: string): string {
  return path.split("/").pop() || path;
}

/** "a", "a and b", "a, b and c"; long lists keep the first `max` and count the rest. */
export function listWords(items: readonly string[], max = 6): string {
  const shown = items.length > max ? [...items.slice(0, max), `${items.length - max} more`] : [...items];
  return shown.length <= 1 ? (shown[0] ?? "") : `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

/** Alternatives of a fix, the empty ones dropped: "a; or b; or c". */
export function either(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("; or ");
}

/**
 * The AMIs of the host's surface that run `need` natively (or, failing that, its major), as one alternative of a fix:
 * "pin InferenceAmiVersion al2-ami-sagemaker-inference-gpu-3-1 (driver 550, CUDA 12.4) and check with --inference-ami".
 * Training, which has no AMI selector, asks for the real driver instead; empty where no AMI fits.
 */
export function amiFix(ctx: GpuContext, need: CudaVersion): string {
  const surface = ctx.target.host.surface;
  if (surface === "training") return "check against the training host's real driver with --driver";
  const parameter = surface === "batch" ? "TransformAmiVersion" : "InferenceAmiVersion";
  const rated = ctx.knowledge.amis
    .filter((a): a is AmiEntry & { driver: string } => a.parameter === parameter && a.accelerator === "nvidia" && a.driver !== undefined && a.name !== ctx.target.host.ami)
    .map((a) => ({ a, cuda: maxCudaForDriver(parseDriverVersion(a.driver)!, ctx.knowledge.cuda) }))
    .filter((r): r is { a: AmiEntry & { driver: string }; cuda: CudaVersion } => r.cuda !== undefined && r.cuda.major >= need.major);
  const full = rated.filter((r) => compareCuda(r.cuda, need) >= 0);
  const pick = (full.length > 0 ? full : rated).sort((x, y) => compareCuda(x.cuda, y.cuda)).slice(0, 2);
  if (pick.length === 0) return "";
  const names = pick.map((r) => `${r.a.name} (driver ${r.a.driver}, CUDA ${formatCuda(r.cuda)})`);
  return `pin ${parameter} ${names.join(" or ")} and check with --inference-ami`;
}

/** "cuda-compat-12-4" for CUDA 12.4 (the package name, section 2.2). */
export function compatPackageFor(v: CudaVersion): string {
  return `cuda-compat-${v.major}-${v.minor ?? "X"}`;
}
