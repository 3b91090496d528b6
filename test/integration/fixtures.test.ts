import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as formats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { readFixtures } from "../support/fixtures.js";
import { NOTHING_LEFT, ROOT, allVolumes, leftovers, runCli } from "./helpers.js";

interface ReportResult {
  id: string;
  status: string;
  findings: Array<{ message: string }>;
}

// ajv-formats is CommonJS: its function is the module's default export.
const addFormats = (formats as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validateReport = ajv.compile(JSON.parse(readFileSync(join(ROOT, "schemas", "report.schema.json"), "utf8")));

describe.each(readFixtures().map((f) => [f.name, f.data] as const))("fixture %s", (name, expected) => {
  it.each(expected.runs.map((run, i) => ({ ...run, label: run.name ?? `run ${i + 1}` })))("$label: byoc-check $args", async (run) => {
    const volumesBefore = allVolumes();
    const result = await runCli([...run.args, "--format", "json", `byoc-check-fixture/${name}:latest`]);
    expect(result.stderr).toBe("");
    expect(result.code, result.stdout).toBe(run.exitCode);

    const report = JSON.parse(result.stdout) as { results: ReportResult[]; exitCode: number; image: { ref: string } };
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    expect(report.exitCode).toBe(run.exitCode);
    expect(report.image.ref).toBe(`byoc-check-fixture/${name}:latest`);

    const status = new Map(report.results.map((r) => [r.id, r.status]));
    for (const want of ["pass", "fail", "skip", "error"] as const) {
      for (const id of run[want] ?? []) expect(status.get(id), `${id} should ${want}`).toBe(want);
    }
    // A check the fixture does not name must pass or skip: `fail` lists every failing check.
    const named = new Set([...(run.fail ?? []), ...(run.error ?? [])]);
    for (const r of report.results) {
      if (!named.has(r.id)) expect(["pass", "skip"], `${r.id} was ${r.status}: ${JSON.stringify(r.findings)}`).toContain(r.status);
    }
    for (const [id, needles] of Object.entries(run.messages ?? {})) {
      const messages = report.results.find((r) => r.id === id)?.findings.map((f) => f.message).join("\n") ?? "";
      for (const needle of needles) expect(messages).toContain(needle);
    }

    expect(leftovers()).toEqual(NOTHING_LEFT);
    expect(allVolumes()).toEqual(volumesBefore);
  });
});

describe("the text report", () => {
  it("names each failing check, what was seen and what to change", async () => {
    const r = await runCli(["byoc-check-fixture/shell-entrypoint:latest"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL  IMG-ENTRYPOINT-EXEC /m);
    expect(r.stdout).toContain('seen   ["/bin/sh","-c","/opt/program/entry.sh"]');
    expect(r.stdout).toContain('fix    Write ENTRYPOINT ["/opt/program/entry.sh"] (exec form).');
    expect(r.stdout).toContain("NOT conformant: IMG-ENTRYPOINT-EXEC, IMG-TRAIN-REACHABLE, IMG-SERVE-REACHABLE");
    expect(r.stdout).not.toMatch(/\u001b\[/); // NO_COLOR
  });

  it("says conformant for the reference image and exits 0", async () => {
    const r = await runCli(["byoc-check-fixture/reference:latest"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("conformant at --fail-on error");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("never prints a credential it found, in either format", async () => {
    const secrets = ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"];
    for (const format of ["text", "json"]) {
      const r = await runCli(["--format", format, "byoc-check-fixture/env-credentials:latest"]);
      expect(r.code).toBe(1);
      for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
    }
  });
});
