import type { SerializedError } from "../errors.js";
import type { ImageConfig } from "../image/config.js";
import type { ImageFs } from "../image/fs.js";
import type { Jobs } from "./jobs/jobs.js";
import type { GpuTargets, LayerFacts } from "./layer-facts.js";
import type { Endpoints } from "./serve/endpoints.js";
import type { InstanceInfo } from "../spec/instances.js";
import type { ClauseId, Contract, SpecView } from "../spec/types.js";

export type Severity = "error" | "warning" | "info";
export type Status = "pass" | "fail" | "skip" | "error";

/** Where a finding points: a field of the image configuration, a path inside the image, or a command-line option. */
export type Location =
  | { kind: "config"; field: string }
  | { kind: "file"; path: string; layer?: string }
  | { kind: "option"; option: string; value: string };

export interface Evidence {
  location?: Location;
  /** What was seen, verbatim where it is short and safe to print (secrets are masked before they get here). */
  actual?: unknown;
  expected?: unknown;
  /** Commands that reproduce what was seen. */
  reproduce?: string[];
  log?: string;
  notes?: string[];
}

export interface Finding {
  message: string;
  fix: string;
  evidence: Evidence;
}

export type Outcome =
  | { status: "pass"; detail?: string }
  /** `severity` raises the check's own for this run (--strict); absent, the check's severity applies. */
  | { status: "fail"; findings: [Finding, ...Finding[]]; severity?: Severity }
  | { status: "skip"; reason: string }
  | { status: "error"; error: SerializedError };

export interface FindingInput {
  message: string;
  fix: string;
  where?: Location;
  evidence?: Omit<Evidence, "location">;
}

export function pass(detail?: string): Outcome {
  return detail === undefined ? { status: "pass" } : { status: "pass", detail };
}

export function skip(reason: string): Outcome {
  return { status: "skip", reason };
}

export function fail(first: FindingInput, ...more: FindingInput[]): Outcome {
  const toFinding = (f: FindingInput): Finding => ({
    message: f.message,
    fix: f.fix,
    evidence: { ...(f.where ? { location: f.where } : {}), ...f.evidence },
  });
  return { status: "fail", findings: [toFinding(first), ...more.map(toFinding)] };
}

/** Facts about the image under test that every check may read. */
export interface ImageFacts {
  ref: string;
  id: string;
  digest?: string;
  os: string;
  architecture: string;
  variant?: string;
}

/** The inputs a check may declare. The engine provides exactly these, and only these, in the context. */
export interface Needs {
  config?: true;
  fs?: true;
  instances?: true;
  /** The single pass over the image's layers: the GPU stack, secrets in any layer, unresolved libraries. */
  layers?: true;
  /** The instance types, their count and the host driver options the GPU rules judge against. */
  gpu?: true;
  /** The job sandbox: the check runs the image as a training or processing job. */
  jobs?: true;
  /** The endpoint sandbox: the check hosts the image as an inference endpoint. */
  endpoints?: true;
}

interface BaseContext {
  image: ImageFacts;
  /** The contracts this run checks against. */
  contracts: readonly Contract[];
  spec: SpecView;
  signal: AbortSignal;
}

export type CheckContext<N extends Needs> = BaseContext &
  (N["config"] extends true ? { config: ImageConfig } : unknown) &
  (N["fs"] extends true ? { fs: ImageFs } : unknown) &
  (N["instances"] extends true ? { instances: readonly InstanceInfo[] } : unknown) &
  (N["layers"] extends true ? { layers: LayerFacts } : unknown) &
  (N["gpu"] extends true ? { gpu: GpuTargets } : unknown) &
  (N["jobs"] extends true ? { jobs: Jobs } : unknown) &
  (N["endpoints"] extends true ? { endpoints: Endpoints } : unknown);

/** image: reads the image without running it; training, processing: runs it as such a job; inference: hosts it. */
export type CheckGroup = "image" | "training" | "processing" | "inference";

export interface CheckMeta {
  id: string;
  group: CheckGroup;
  /** Clauses this check asserts, first is primary. The check runs when any of their contracts is selected. */
  clauses: readonly [ClauseId, ...ClauseId[]];
  severity: Severity;
  title: string;
  rationale: string;
  /** The general remedy; findings carry the specific one. */
  fix: string;
  deprecated?: true;
}

export interface CheckDefinition<N extends Needs = Needs> extends CheckMeta {
  needs: N;
  /** Upper bound for one run of this check, in ms. */
  timeoutMs?: number;
  run(ctx: CheckContext<N>): Outcome | Promise<Outcome>;
}

/** A check as the engine holds it, its context type erased. */
export type AnyCheck = CheckMeta & {
  needs: Needs;
  timeoutMs?: number;
  run(ctx: CheckContext<Needs> & Partial<{ config: ImageConfig; fs: ImageFs; instances: readonly InstanceInfo[]; layers: LayerFacts; gpu: GpuTargets; jobs: Jobs; endpoints: Endpoints }>): Outcome | Promise<Outcome>;
};

export function defineImageCheck<N extends Needs>(check: Omit<CheckDefinition<N>, "group">): AnyCheck {
  return { ...check, group: "image" } as unknown as AnyCheck;
}

/** A check that runs the image as a job; its time is bounded by the sandbox's budget unless it sets its own. */
export function defineJobCheck<N extends Needs & { jobs: true }>(group: "training" | "processing", check: Omit<CheckDefinition<N>, "group">): AnyCheck {
  return { ...check, group } as unknown as AnyCheck;
}

/** A check that hosts the image as an endpoint; its time is bounded by the endpoint sandbox's budget. */
export function defineServeCheck<N extends Needs & { endpoints: true }>(check: Omit<CheckDefinition<N>, "group">): AnyCheck {
  return { ...check, group: "inference" } as unknown as AnyCheck;
}
