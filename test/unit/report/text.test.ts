import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { renderText } from "../../../src/report/text.js";
import { SCENARIOS } from "./samples.js";

const GOLDEN_DIR = join(PACKAGE_ROOT, "fixtures", "reports");
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/;
// eslint-disable-next-line no-control-regex
const ANSI_ALL = /\x1b\[[0-9;]*m/g;

describe("renderText against fixtures/reports/", () => {
  // UPDATE_GOLDENS=1 rewrites the files from the renderer; review the diff before committing it.
  // multiline-log.txt was corrected by hand after review: a log's later lines belong under its first line, at
  // the value column (15), where renderText() puts them at the label column (8) and they read as labels.
  it.each(Object.keys(SCENARIOS))("%s.txt", (name) => {
    const file = join(GOLDEN_DIR, `${name}.txt`);
    const text = renderText(SCENARIOS[name]!(), { color: false });
    if (process.env.UPDATE_GOLDENS === "1" || !existsSync(file)) writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, "utf8"));
  });
});

describe("renderText", () => {
  it.each(Object.keys(SCENARIOS))("paints the %s report only when color is on", (name) => {
    const report = SCENARIOS[name]!();
    const plain = renderText(report, { color: false });
    const colored = renderText(report, { color: true });
    expect(plain).not.toMatch(ANSI);
    expect(colored).toMatch(ANSI);
    expect(colored.replace(ANSI_ALL, "")).toBe(plain);
  });

  it("names each failing check, its messages and its fixes", () => {
    const report = SCENARIOS.failing!();
    const text = renderText(report, { color: false });
    const failing = report.results.filter((r) => r.status === "fail");
    expect(failing.length).toBeGreaterThan(1);
    for (const r of failing) {
      expect(text).toMatch(new RegExp(`^FAIL  ${r.id} .*\\[${r.severity}\\]$`, "m"));
      for (const f of r.findings) {
        expect(text).toContain(f.message);
        expect(text).toContain(f.fix);
      }
    }
    expect(text).toContain(`NOT conformant: ${failing.map((r) => r.id).join(", ")}`);
  });

  it("ends with the counts, the verdict and the exit code", () => {
    const last = (name: string) => renderText(SCENARIOS[name]!(), { color: false }).trimEnd().split("\n").pop();
    expect(last("conformant")).toBe("4 checks: 3 passed, 0 failed, 1 skipped, 0 errored  ·  conformant at --fail-on error  ·  exit 0");
    expect(last("warning-below-fail-on")).toMatch(/conformant at --fail-on error {2}· {2}exit 0$/);
    expect(last("failing")).toMatch(/NOT conformant: .* {2}· {2}exit 1$/);
    expect(last("incomplete")).toMatch(/INCOMPLETE: a check could not run .* {2}· {2}exit 3$/);
  });

  it("asks for a bug report for an error with a stack, not for an expected error", () => {
    const failing = renderText(SCENARIOS.failing!(), { color: false });
    expect(failing).toMatch(/error: Cannot read properties .*please report it/);
    const incomplete = renderText(SCENARIOS.incomplete!(), { color: false });
    expect(incomplete).toContain("error: the Docker engine stopped answering\n");
    expect(incomplete).not.toContain("please report");
  });

  it("never prints a stack trace", () => {
    expect(renderText(SCENARIOS.failing!(), { color: false })).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});
