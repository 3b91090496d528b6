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
  | { kind: "completed"; results: ReadonlyArray<{ status: Status; severity: Severity }>; failOn: FailOn }
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

/** A failing check at or above --fail-on: what makes a run non-conformant. */
export function isBlocking(result: { status: Status; severity: Severity }, failOn: FailOn): boolean {
  return result.status === "fail" && SEVERITY_RANK[result.severity] >= SEVERITY_RANK[failOn];
}

/** The one place that decides byoc-check's exit code. Pure; see test/unit/cli/exit-codes.test.ts. */
export function exitCodeFor(ending: RunEnding): number {
  if (ending.kind === "crashed") return EXIT.internal;
  if (ending.kind === "stopped") return STOPPED[ending.error];
  if (ending.results.length === 0) return EXIT.usage;
  if (ending.results.some((r) => isBlocking(r, ending.failOn))) return EXIT.failed;
  if (ending.results.some((r) => r.status === "error")) return EXIT.environment;
  return EXIT.conformant;
}
