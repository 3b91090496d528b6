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
}

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  skip: number;
  error: number;
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
  summary: Summary;
  conformant: boolean;
  exitCode: number;
}
