import { InterruptedError, isExpectedError, serializeError } from "../errors.js";
import type { ImageFs } from "../image/fs.js";
import type { Jobs } from "./jobs/jobs.js";
import type { Endpoints } from "./serve/endpoints.js";
import type { CheckResult } from "../report/model.js";
import type { InstanceInfo } from "../spec/instances.js";
import { type Contract, type SpecView, contractOf } from "../spec/types.js";
import type { ImageFacts, Outcome } from "./check.js";
import type { EngineListener, SandboxListener } from "./events.js";
import type { GpuTargets, LayerFacts } from "./layer-facts.js";
import { scanLayers } from "./layer-scan.js";
import type { PlannedCheck } from "./plan.js";
import type { ImageSource } from "./source.js";

export const DEFAULT_CHECK_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 10_000;

export interface RunInput {
  source: ImageSource;
  planned: readonly PlannedCheck[];
  contracts: readonly Contract[];
  instances: readonly InstanceInfo[];
  /** What the GPU rules judge against; absent, the instances alone with the catalogue's drivers. */
  gpu?: Omit<GpuTargets, "instances">;
  spec: SpecView;
  /** Aborts on interrupt (reason: InterruptedError) or when the overall deadline passes (reason: any other Error). */
  signal: AbortSignal;
  listener?: EngineListener;
  /** The job sandbox, made once the image is described (it runs the image by id). Required by checks that need jobs. */
  jobs?: (image: ImageFacts, onEvent: SandboxListener) => Jobs;
  /** The endpoint sandbox, made once the image is described. Required by checks that need endpoints; closed at the end. */
  endpoints?: (image: ImageFacts, onEvent: SandboxListener) => Endpoints;
  /** Why this run cannot run the image (an archive, not an engine): checks that would are skipped with it. */
  cannotRun?: string;
}

export interface RunOutput {
  image: ImageFacts;
  results: CheckResult[];
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}

function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted && signal.reason instanceof InterruptedError) throw signal.reason;
}

/** Runs `fn`, giving up when `ms` pass or `signal` aborts; the loser's result is ignored. */
async function bounded<T>(fn: () => Promise<T>, ms: number, signal: AbortSignal, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
        onAbort = () => reject(abortReason(signal));
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/** Runs the planned checks against one image. Inputs are fetched once, and only if some check declared them. */
export async function runChecks(input: RunInput): Promise<RunOutput> {
  const { planned, signal, listener } = input;
  const emit = listener ?? (() => {});
  throwIfInterrupted(signal);
  const { facts, config } = await input.source.describe();
  throwIfInterrupted(signal);
  emit({ type: "run-started", image: facts, checks: planned.map(({ check }) => ({ id: check.id, title: check.title, severity: check.severity, group: check.group })) });

  let jobs: Jobs | undefined;
  let endpoints: Endpoints | undefined;
  let fs: Promise<ImageFs & { close(): Promise<void> }> | undefined;
  let opened: (ImageFs & { close(): Promise<void> }) | undefined;
  // The layers are read once, for every check that needs them. The read starts now, in the background, so that it
  // overlaps the jobs and servers of the checks before them (the layer checks come last in the report).
  let layers: Promise<LayerFacts> | undefined;
  if (planned.some(({ check }) => check.needs.layers)) {
    layers = scanLayers((o) => input.source.readLayers(o), config, signal);
    // Its failure is each layer check's error; until one awaits it, it is not unhandled.
    layers.catch(() => {});
  }
  const gpu: GpuTargets = { count: 1, ...input.gpu, instances: input.instances };
  const results: CheckResult[] = [];
  let running: string | undefined;
  // A sandbox event belongs to the check that was waiting on it (servers and jobs outlive the check that started them).
  const onSandbox: SandboxListener = (event) => emit({ type: "sandbox", checkId: running, event });
  try {
    for (const { check, clauses } of planned) {
      running = check.id;
      emit({ type: "check-started", id: check.id });
      const started = performance.now();
      let outcome: Outcome;
      if (input.cannotRun !== undefined && (check.needs.jobs || check.needs.endpoints)) {
        outcome = { status: "skip", reason: input.cannotRun };
      } else if (signal.aborted) {
        throwIfInterrupted(signal);
        outcome = { status: "error", error: { name: "NotRun", message: `not run: ${abortReason(signal).message}` } };
      } else {
        try {
          // Exactly what the check declared: an undeclared input is absent, not merely unused.
          const ctx: Parameters<typeof check.run>[0] = { image: facts, contracts: input.contracts, spec: input.spec, signal };
          if (check.needs.config) ctx.config = config;
          if (check.needs.instances) ctx.instances = input.instances;
          if (check.needs.gpu) ctx.gpu = gpu;
          if (check.needs.jobs) {
            if (!input.jobs) throw new Error(`check ${check.id} runs jobs, but this run has no job sandbox`);
            ctx.jobs = jobs ??= input.jobs(facts, onSandbox);
          }
          if (check.needs.endpoints) {
            if (!input.endpoints) throw new Error(`check ${check.id} hosts the image, but this run has no endpoint sandbox`);
            ctx.endpoints = endpoints ??= input.endpoints(facts, onSandbox);
          }
          outcome = await bounded(
            async () => {
              // Opening the filesystem counts against the first check that needs it.
              if (check.needs.fs) ctx.fs = await (fs ??= input.source.openFs().then((f) => (opened = f)));
              if (check.needs.layers) ctx.layers = await layers!;
              return check.run(ctx);
            },
            check.timeoutMs ?? ctx.endpoints?.checkBudgetMs ?? ctx.jobs?.checkBudgetMs ?? DEFAULT_CHECK_TIMEOUT_MS,
            signal,
            `check ${check.id}`,
          );
        } catch (e) {
          throwIfInterrupted(signal);
          const error = serializeError(e);
          // An expected error (Docker went away, the deadline passed) is not a bug: its stack would only mislead.
          if (isExpectedError(e)) delete error.stack;
          outcome = { status: "error", error };
        }
      }
      const result = toResult(check, clauses, outcome, performance.now() - started);
      results.push(result);
      emit({ type: "check-finished", result });
    }
  } finally {
    // Servers stay up across the inference checks; they go now, whatever happened.
    if (endpoints) {
      const e = endpoints;
      await bounded(() => e.close(), CLOSE_TIMEOUT_MS, new AbortController().signal, "stopping the servers").catch(() => {});
    }
    if (opened) {
      const f = opened;
      await bounded(() => f.close(), CLOSE_TIMEOUT_MS, new AbortController().signal, "closing the image filesystem").catch(() => {});
    } else {
      // Still opening (or failed): close it if it ever opens; the session's cleanup removes it in any case.
      fs?.then((f) => f.close()).catch(() => {});
    }
  }
  emit({ type: "run-finished", results });
  return { image: facts, results };
}

function toResult(check: PlannedCheck["check"], clauses: PlannedCheck["clauses"], outcome: Outcome, ms: number): CheckResult {
  const result: CheckResult = {
    id: check.id,
    contract: contractOf(clauses[0]),
    clause: clauses[0],
    clauses,
    status: outcome.status,
    severity: outcome.status === "fail" && outcome.severity ? outcome.severity : check.severity,
    title: check.title,
    durationMs: Math.round(ms * 10) / 10,
    findings: outcome.status === "fail" ? outcome.findings : [],
  };
  if (outcome.status === "pass" && outcome.detail) result.detail = outcome.detail;
  if (outcome.status === "skip") result.reason = outcome.reason;
  if (outcome.status === "error") result.error = outcome.error;
  return result;
}
