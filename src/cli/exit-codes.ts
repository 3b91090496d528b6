import type { ErrorKind } from "../errors.js";
import type { Severity, Status } from "../engine/check.js";

export const EXIT = {
  conformant: 0,
  failed: 1,
  usage: 2,
  environment: 3,
  internal: 70,
  interrupted: 130,
} as const;

export type FailOn = "error" | "warning";

/** What happened to a run, reduced to what decides the exit code. */
export type RunEnding =
  | { kind: "completed"; results: ReadonlyArray<{ status: Status; severity: Severity; waiver?: unknown }>; failOn: FailOn; expiredWaivers?: number }
  | { kind: "stopped"; error: ErrorKind }
  | { kind: "crashed" };

const STOPPED: Record<ErrorKind, number> = {
  usage: EXIT.usage,
  config: EXIT.usage,
  spec: EXIT.usage,
  environment: EXIT.environment,
  interrupted: EXIT.interrupted,
};

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** A failing check at or above --fail-on that no waiver excuses: what makes a run non-conformant. */
export function isBlocking(result: { status: Status; severity: Severity; waiver?: unknown }, failOn: FailOn): boolean {
  return result.status === "fail" && result.waiver === undefined && SEVERITY_RANK[result.severity] >= SEVERITY_RANK[failOn];
}

/** The one place that decides byoc-check's exit code. Pure; see test/unit/cli/exit-codes.test.ts. */
export function exitCodeFor(ending: RunEnding): number {
  if (ending.kind === "crashed") return EXIT.internal;
  if (ending.kind === "stopped") return STOPPED[ending.error];
  if (ending.results.length === 0) return EXIT.usage;
  if (ending.results.some((r) => isBlocking(r, ending.failOn))) return EXIT.failed;
  // A waiver past its date is a decision someone has to make again: it fails the run even where its check passes.
  if ((ending.expiredWaivers ?? 0) > 0) return EXIT.failed;
  if (ending.results.some((r) => r.status === "error")) return EXIT.environment;
  return EXIT.conformant;
}
