import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, exitCodeFor } from "../../../src/cli/exit-codes.js";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { buildReport, summarize } from "../../../src/report/build.js";
import type { Report } from "../../../src/report/model.js";
import { IMAGE, ROOT, SCENARIOS, SHELL_FORM, errored, failed, passed, sampleReport, schemaErrors, skipped } from "./samples.js";

const MIXED = [
  passed("IMG-A", "training#start.command"),
  passed("IMG-B", "training#start.exec-form"),
  failed("IMG-C", "training#start.no-tini", "error", SHELL_FORM),
  failed("IMG-D", "inference#user.root", "warning", ROOT),
  failed("IMG-E", "inference#user.root", "info", ROOT),
  skipped("IMG-F", "inference#capabilities.labels", "no labels"),
  errored("IMG-G", "training#layout.reserved", "boom"),
];

describe("summarize", () => {
  it("counts each status", () => {
    expect(summarize(MIXED, "error")).toEqual({ total: 7, pass: 2, fail: 3, skip: 1, error: 1, waived: 0, expiredWaivers: 0, blocking: 1 });
  });

  it.each([
    ["error", 1],
    ["warning", 2],
  ] as const)("counts fails at or above --fail-on %s as blocking (%i)", (failOn, blocking) => {
    expect(summarize(MIXED, failOn).blocking).toBe(blocking);
  });

  it("never counts an info fail, nor an errored error-severity check, as blocking", () => {
    const results = [failed("IMG-E", "inference#user.root", "info", ROOT), errored("IMG-G", "training#layout.reserved", "boom")];
    expect(summarize(results, "warning").blocking).toBe(0);
  });

  it("is all zeros for no results", () => {
    expect(summarize([], "error")).toEqual({ total: 0, pass: 0, fail: 0, skip: 0, error: 0, waived: 0, expiredWaivers: 0, blocking: 0 });
  });
});

describe("buildReport", () => {
  it("carries the run's inputs", () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string };
    const report = buildReport({
      image: IMAGE,
      specVersion: "1.0",
      contracts: ["inference"],
      instances: ["ml.g5.xlarge"],
      seed: 7,
      failOn: "warning",
      startedAt: new Date("2026-01-02T03:04:05.678Z"),
      durationMs: 1234.5,
      results: [passed("IMG-A", "inference#start.command")],
    });
    expect(report).toMatchObject({
      reportVersion: "1",
      tool: { name: "byoc-check", version },
      spec: { family: "sagemaker", version: "1.0" },
      contracts: ["inference"],
      instances: ["ml.g5.xlarge"],
      seed: 7,
      failOn: "warning",
      startedAt: "2026-01-02T03:04:05.678Z",
      durationMs: 1235,
      conformant: true,
      exitCode: 0,
    });
    expect(schemaErrors(report)).toBeNull();
  });

  it.each([
    [{}, "linux/amd64"],
    [{ architecture: "arm64", variant: "v8" }, "linux/arm64/v8"],
    [{ architecture: "arm", variant: "v7" }, "linux/arm/v7"],
  ])("gives the platform as os/arch[/variant] for %j", (image, platform) => {
    const report = sampleReport([passed("IMG-A", "training#start.command")], { image });
    expect(report.image.platform).toBe(platform);
    expect(schemaErrors(report)).toBeNull();
  });

  it.each([
    ["all pass", [passed("IMG-A", "training#start.command")], "error", 0],
    ["an error fail", MIXED, "error", 1],
    ["a warning fail at --fail-on warning", [failed("IMG-D", "inference#user.root", "warning", ROOT)], "warning", 1],
    ["a warning fail at --fail-on error", [failed("IMG-D", "inference#user.root", "warning", ROOT)], "error", 0],
    ["an errored check and a warning fail", [failed("IMG-D", "inference#user.root", "warning", ROOT), errored("IMG-G", "training#layout.reserved", "boom")], "error", 3],
  ] as const)("sets exitCode and conformant through exitCodeFor: %s", (_what, results, failOn, code) => {
    const report = sampleReport([...results], { failOn });
    expect(report.exitCode).toBe(code);
    expect(report.exitCode).toBe(exitCodeFor({ kind: "completed", results: [...results], failOn }));
    expect(report.conformant).toBe(code === EXIT.conformant);
    expect(report.summary).toEqual(summarize(results, failOn));
    expect(schemaErrors(report)).toBeNull();
  });

  it("copies its inputs rather than aliasing them", () => {
    const contracts = ["training" as const];
    const report = buildReport({ image: IMAGE, specVersion: "1.0", contracts, instances: [], seed: 0, failOn: "error", startedAt: new Date(0), durationMs: 0, results: [passed("IMG-A", "training#start.command")] });
    contracts.push("inference" as never);
    expect(report.contracts).toEqual(["training"]);
  });
});

describe("the report schema", () => {
  it.each(Object.keys(SCENARIOS))("accepts the %s report", (name) => {
    expect(schemaErrors(SCENARIOS[name]!())).toBeNull();
  });

  it("accepts the report as JSON text would carry it", () => {
    for (const make of Object.values(SCENARIOS)) expect(schemaErrors(JSON.parse(JSON.stringify(make())))).toBeNull();
  });

  const valid = (): Report => SCENARIOS.failing!();
  const withResult = (patch: (r: Report["results"][number]) => void): Report => {
    const report = valid();
    patch(report.results[0]!);
    return report;
  };

  it.each<[string, () => unknown, string]>([
    ["a fail without findings", () => withResult((r) => (r.findings = [])), "/results/0/findings must NOT have fewer than 1 items"],
    ["a skip without a reason", () => withResult((r) => Object.assign(r, { status: "skip", findings: [], reason: undefined })), "/results/0 must have required property 'reason'"],
    ["an error without its error", () => withResult((r) => Object.assign(r, { status: "error", findings: [] })), "/results/0 must have required property 'error'"],
    ["a pass with findings", () => withResult((r) => (r.status = "pass")), "/results/0/findings must NOT have more than 0 items"],
    ["a clause id without its contract", () => withResult((r) => (r.clause = "start.exec-form" as never)), "/results/0/clause"],
    ["a lowercase check id", () => withResult((r) => (r.id = "img-entrypoint-exec")), "/results/0/id"],
    ["a finding without a fix", () => withResult((r) => delete (r.findings[0] as { fix?: string }).fix), "/results/0/findings/0 must have required property 'fix'"],
    ["a file location with a relative path", () => withResult((r) => (r.findings[0]!.evidence.location = { kind: "file", path: "opt/ml" })), "/results/0/findings/0/evidence/location"],
    ["an unknown status", () => withResult((r) => (r.status = "flaky" as never)), "/results/0/status"],
    ["an unknown top-level property", () => ({ ...valid(), extra: true }), "/ must NOT have additional properties"],
    ["a missing summary", () => ({ ...valid(), summary: undefined }), "/ must have required property 'summary'"],
    ["exit code 2, which no report carries", () => ({ ...valid(), exitCode: 2 }), "/exitCode"],
    ["a startedAt that is not a date-time", () => ({ ...valid(), startedAt: "yesterday" }), '/startedAt must match format "date-time"'],
    ["an image id that is not a sha256 digest", () => ({ ...valid(), image: { ...valid().image, id: "abc" } }), "/image/id"],
    ["a seed above 2^32 - 1", () => ({ ...valid(), seed: 2 ** 32 }), "/seed"],
    ["a bad instance type", () => ({ ...valid(), instances: ["g5.xlarge"] }), "/instances/0"],
    ["no contracts", () => ({ ...valid(), contracts: [] }), "/contracts"],
  ])("rejects %s", (_what, make, error) => {
    const report = JSON.parse(JSON.stringify(make())) as unknown;
    const errors = schemaErrors(report);
    expect(errors).not.toBeNull();
    expect(errors!.some((e) => e.startsWith(error))).toBe(true);
  });
});
