import type { FailOn } from "../cli/exit-codes.js";
import type { Finding, ImageFacts, Severity, Status } from "../engine/check.js";
import type { SerializedError } from "../errors.js";
import type { ClauseId, Contract } from "../spec/types.js";

/** One check's result. The JSON report carries these as they are; schemas/report.schema.json describes them. */
export interface CheckResult {
  id: string;
  contract: Contract;
  clause: ClauseId;
  clauses: ClauseId[];
  status: Status;
  severity: Severity;
  title: string;
  durationMs: number;
  findings: Finding[];
  /** skip: why the check did not apply. */
  reason?: string;
  /** pass: what was established, e.g. the resolved program. */
  detail?: string;
  /** error: what broke inside the check. */
  error?: SerializedError;
  /** fail only: the config's waiver that excuses this failure, so that it does not count against the run. */
  waiver?: AppliedWaiver;
}

export interface AppliedWaiver {
  reason: string;
  /** The last day the waiver holds, YYYY-MM-DD; absent, it holds until removed. */
  expires?: string;
}

/**
 * A waiver from the config and what became of it. applied: it excused a failure; unused: its check ran and did not
 * fail (the waiver may be stale); expired: its date has passed, so it excuses nothing and fails the run; not-run: its
 * check was not part of this run (-c, --only), so this run says nothing about it, its date included.
 */
export interface WaiverState extends AppliedWaiver {
  check: string;
  state: "applied" | "unused" | "expired" | "not-run";
}

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  skip: number;
  error: number;
  /** Failing checks a waiver excuses (counted in fail too, never in blocking). */
  waived: number;
  /** Waivers whose date has passed: each fails the run. */
  expiredWaivers: number;
  /** Failing checks at or above --fail-on: the ones that make the run non-conformant. */
  blocking: number;
}

export const REPORT_VERSION = "1";

export interface Report {
  reportVersion: typeof REPORT_VERSION;
  tool: { name: string; version: string };
  image: ImageFacts & { platform: string };
  spec: { family: "sagemaker"; version: string };
  contracts: Contract[];
  instances: string[];
  seed: number;
  failOn: FailOn;
  startedAt: string;
  durationMs: number;
  results: CheckResult[];
  /** Every waiver the config held, in its order. */
  waivers: WaiverState[];
  summary: Summary;
  conformant: boolean;
  exitCode: number;
}
