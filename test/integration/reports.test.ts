import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTHING_LEFT, ROOT, leftovers, runCli } from "./helpers.js";

// One run of the real CLI writes every format; each is read back the way its consumers read it.
const IMAGE = "byoc-check-fixture/shell-entrypoint:latest";
const DOCKERFILE = join(ROOT, "fixtures", "images", "shell-entrypoint", "Dockerfile");
// Image checks only: no job or server runs, so the run takes seconds, and the layer checks still read every layer.
const ONLY = ["--only", "IMG-*", "-c", "training,inference"];

const report = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(report);
const validateReport = report.compile(JSON.parse(readFileSync(join(ROOT, "schemas", "report.schema.json"), "utf8")) as object);
// The schema's run.language pattern has a stray "]" that a unicode RegExp rejects (see schemas/vendor/README.md).
const sarif = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(sarif);
const validateSarif = sarif.compile(JSON.parse(readFileSync(join(ROOT, "schemas", "vendor", "sarif-2.1.0-rtm.5.json"), "utf8")) as object);

interface SarifLog {
  runs: Array<{
    tool: { driver: { rules: Array<{ id: string }> } };
    results: Array<{ ruleId: string; level: string; suppressions?: Array<{ justification: string }>; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }> }>;
  }>;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "reports-it-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, doc: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ version: 1, ...doc }));
  return path;
}

describe("every report format from one run", () => {
  it("writes text, JSON, JUnit, SARIF, the job summary and annotations, and they agree", async () => {
    const out = (f: string) => join(dir, f);
    const summary = out("summary.md");
    writeFileSync(summary, "# earlier step\n");
    const cfg = config("waive-train.json", { waivers: [{ check: "IMG-TRAIN-REACHABLE", reason: "this image is for processing (TICKET-7)", expires: "2999-12-31" }] });
    const r = await runCli(
      [...ONLY, "--config", cfg, "--format", "text", "--json", out("r.json"), "--junit", out("r.xml"), "--sarif", out("r.sarif"), "--dockerfile", DOCKERFILE, "--annotations", IMAGE],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(r.code, r.stderr).toBe(1);

    const json = JSON.parse(readFileSync(out("r.json"), "utf8"));
    expect(validateReport(json), JSON.stringify(validateReport.errors)).toBe(true);
    const byId = Object.fromEntries((json.results as Array<{ id: string; status: string; waiver?: { reason: string } }>).map((x) => [x.id, x]));
    expect(byId["IMG-ENTRYPOINT-EXEC"]).toMatchObject({ status: "fail" });
    expect(byId["IMG-TRAIN-REACHABLE"]).toMatchObject({ status: "fail", waiver: { reason: "this image is for processing (TICKET-7)" } });
    expect(json.waivers).toEqual([{ check: "IMG-TRAIN-REACHABLE", reason: "this image is for processing (TICKET-7)", expires: "2999-12-31", state: "applied" }]);
    expect(json.exitCode).toBe(1);

    // The text report on stdout, then the annotations.
    expect(r.stdout).toMatch(/^FAIL {2}IMG-TRAIN-REACHABLE .*\[error, waived\]$/m);
    expect(r.stdout).toContain("waived until 2999-12-31: this image is for processing (TICKET-7)");
    expect(r.stdout).toMatch(/^::error title=IMG-ENTRYPOINT-EXEC.*,file=fixtures\/images\/shell-entrypoint\/Dockerfile,line=5::/m);
    expect(r.stdout).toMatch(/^::notice title=IMG-TRAIN-REACHABLE.*::waived: /m);

    const xml = readFileSync(out("r.xml"), "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);
    expect(Number(junit.testsuites.tests)).toBe(json.summary.total);
    expect(Number(junit.testsuites.failures)).toBeGreaterThan(0);
    expect(xml).toContain("waived: this image is for processing (TICKET-7)");

    const log = JSON.parse(readFileSync(out("r.sarif"), "utf8")) as SarifLog;
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const results = log.runs[0]!.results;
    const exec = results.find((x) => x.ruleId === "IMG-ENTRYPOINT-EXEC")!;
    expect(exec.level).toBe("error");
    // The config finding points at the Dockerfile's ENTRYPOINT line.
    expect(exec.locations[0]!.physicalLocation.artifactLocation.uri).toMatch(/Dockerfile$/);
    expect(exec.locations[0]!.physicalLocation.region?.startLine).toBe(5);
    expect(results.find((x) => x.ruleId === "IMG-TRAIN-REACHABLE")!.suppressions?.[0]?.justification).toBe("this image is for processing (TICKET-7)");

    const md = readFileSync(summary, "utf8");
    expect(md.startsWith("# earlier step\n")).toBe(true);
    expect(md).toContain("IMG-ENTRYPOINT-EXEC");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("is conformant once every failure is waived, and fails again when a waiver expires", async () => {
    const waive = (expires: string) => ["IMG-ENTRYPOINT-EXEC", "IMG-TRAIN-REACHABLE", "IMG-SERVE-REACHABLE"].map((check) => ({ check, reason: "known, fix in progress", expires }));
    const ok = await runCli([...ONLY, "--config", config("all.json", { waivers: waive("2999-12-31") }), IMAGE]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/3 failed \(3 waived\).*conformant at --fail-on error/);

    const expired = await runCli([...ONLY, "--config", config("expired.json", { waivers: waive("2020-01-01") }), IMAGE]);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toContain("waiver for IMG-ENTRYPOINT-EXEC expired on 2020-01-01");
    expect(expired.stdout).toMatch(/NOT conformant: .*waiver for IMG-ENTRYPOINT-EXEC expired/);
  });

  it("takes its options from byoc.config.json in the working directory, and a flag overrides the file", async () => {
    const project = mkdtempSync(join(dir, "project-"));
    writeFileSync(join(project, "byoc.config.json"), JSON.stringify({ version: 1, contracts: ["processing"], only: ["IMG-*"], reports: { format: "json" } }));
    const fromFile = await runCli([IMAGE], {}, project);
    expect(fromFile.code, fromFile.stderr).toBe(1);
    expect(JSON.parse(fromFile.stdout).contracts).toEqual(["processing"]);
    const overridden = await runCli(["-f", "text", IMAGE], {}, project);
    expect(overridden.stdout).toMatch(/^FAIL {2}IMG-ENTRYPOINT-EXEC/m);
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });
});
