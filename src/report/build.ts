import { EXIT, type FailOn, exitCodeFor, isBlocking } from "../cli/exit-codes.js";
import type { ImageFacts } from "../engine/check.js";
import { TOOL } from "../paths.js";
import type { Contract } from "../spec/types.js";
import { type CheckResult, REPORT_VERSION, type Report, type Summary, type WaiverState } from "./model.js";

export function summarize(results: readonly CheckResult[], failOn: FailOn, waivers: readonly WaiverState[] = []): Summary {
  const count = (s: CheckResult["status"]) => results.filter((r) => r.status === s).length;
  return {
    total: results.length,
    pass: count("pass"),
    fail: count("fail"),
    skip: count("skip"),
    error: count("error"),
    waived: results.filter((r) => r.status === "fail" && r.waiver !== undefined).length,
    expiredWaivers: waivers.filter((w) => w.state === "expired").length,
    blocking: results.filter((r) => isBlocking(r, failOn)).length,
  };
}

export interface ReportInput {
  image: ImageFacts;
  specVersion: string;
  contracts: readonly Contract[];
  instances: readonly string[];
  seed: number;
  failOn: FailOn;
  startedAt: Date;
  durationMs: number;
  results: CheckResult[];
  /** The config's waivers, already applied to the results (see applyWaivers). */
  waivers?: WaiverState[];
}

export function buildReport(input: ReportInput): Report {
  const waivers = input.waivers ?? [];
  const summary = summarize(input.results, input.failOn, waivers);
  const exitCode = exitCodeFor({ kind: "completed", results: input.results, failOn: input.failOn, expiredWaivers: summary.expiredWaivers });
  const { image } = input;
  return {
    reportVersion: REPORT_VERSION,
    tool: { ...TOOL },
    image: { ...image, platform: [image.os, image.architecture, image.variant].filter(Boolean).join("/") },
    spec: { family: "sagemaker", version: input.specVersion },
    contracts: [...input.contracts],
    instances: [...input.instances],
    seed: input.seed,
    failOn: input.failOn,
    startedAt: input.startedAt.toISOString(),
    durationMs: Math.round(input.durationMs),
    results: input.results,
    waivers: [...waivers],
    summary,
    conformant: exitCode === EXIT.conformant,
    exitCode,
  };
}
