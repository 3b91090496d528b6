import { describe, expect, it } from "vitest";
import { EXIT, type FailOn, type RunEnding, exitCodeFor } from "../../../src/cli/exit-codes.js";
import type { Severity, Status } from "../../../src/engine/check.js";

type Row = readonly [name: string, ending: RunEnding, code: number];

const r = (status: Status, severity: Severity) => ({ status, severity });
const completed = (failOn: FailOn, ...results: Array<{ status: Status; severity: Severity }>): RunEnding => ({
  kind: "completed",
  results,
  failOn,
});

// One row per line of the exit-code contract (README, --help): 0 conformant, 1 failing check at or above
// --fail-on, 2 usage/config/spec or nothing ran, 3 environment or an errored check with none failing,
// 70 internal error, 130 interrupted.
const TABLE: Row[] = [
  ["all pass", completed("error", r("pass", "error"), r("pass", "warning")), 0],
  ["passes and skips", completed("error", r("pass", "error"), r("skip", "error")), 0],
  ["only skips", completed("error", r("skip", "error"), r("skip", "warning")), 0],
  ["error-severity fail, --fail-on error", completed("error", r("pass", "error"), r("fail", "error")), 1],
  ["error-severity fail, --fail-on warning", completed("warning", r("fail", "error")), 1],
  ["warning fail, --fail-on warning", completed("warning", r("pass", "error"), r("fail", "warning")), 1],
  ["warning fail, --fail-on error", completed("error", r("pass", "error"), r("fail", "warning")), 0],
  ["info fail, --fail-on error", completed("error", r("fail", "info")), 0],
  ["info fail, --fail-on warning", completed("warning", r("fail", "info")), 0],
  ["usage error", { kind: "stopped", error: "usage" }, 2],
  ["config error", { kind: "stopped", error: "config" }, 2],
  ["spec error", { kind: "stopped", error: "spec" }, 2],
  ["completed with zero results", completed("error"), 2],
  ["completed with zero results, --fail-on warning", completed("warning"), 2],
  ["environment error", { kind: "stopped", error: "environment" }, 3],
  ["a check errored, none failed", completed("error", r("pass", "error"), r("error", "error")), 3],
  ["a warning check errored, none failed", completed("error", r("error", "warning")), 3],
  ["an error next to a non-blocking warning fail", completed("error", r("fail", "warning"), r("error", "error")), 3],
  ["an error next to an info fail", completed("warning", r("fail", "info"), r("error", "info")), 3],
  ["fail beats error", completed("error", r("error", "error"), r("fail", "error")), 1],
  ["fail beats error, --fail-on warning", completed("warning", r("error", "error"), r("fail", "warning")), 1],
  ["interrupted", { kind: "stopped", error: "interrupted" }, 130],
  ["crashed", { kind: "crashed" }, 70],
];

describe("exitCodeFor", () => {
  it.each(TABLE)("%s -> %i", (_name, ending, code) => {
    expect(exitCodeFor(ending)).toBe(code);
  });

  it("uses the codes EXIT names", () => {
    expect(EXIT).toEqual({ conformant: 0, failed: 1, usage: 2, environment: 3, internal: 70, interrupted: 130 });
  });
});
