import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { renderJunit } from "../../../src/report/junit.js";
import type { Report } from "../../../src/report/model.js";
import { CRASHED, ROOT, SCENARIOS, errored, failed, passed, sampleReport, skipped } from "./samples.js";

const GOLDEN_DIR = join(PACKAGE_ROOT, "fixtures", "reports");

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (name) => ["testsuite", "testcase", "property", "failure", "error", "skipped", "system-out"].includes(name),
});

function parse(xml: string) {
  const valid = XMLValidator.validate(xml);
  expect(valid, JSON.stringify(valid)).toBe(true);
  const doc = parser.parse(xml) as { testsuites: Node & { testsuite?: Node[] } };
  return doc.testsuites;
}

const cases = (suite: Node) => (suite.testcase as Node[] | undefined) ?? [];
const has = (c: Node, child: string) => Array.isArray(c[child]) && (c[child] as unknown[]).length > 0;
const text = (n: unknown) => (typeof n === "string" ? n : ((n as Node)["#text"] as string | undefined) ?? "");

// XML 1.0's Char production: what may appear in a document at all, escaped or not.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

describe("renderJunit against fixtures/reports/", () => {
  // UPDATE_GOLDENS=1 rewrites the files from the renderer; review the diff before committing it.
  it.each(Object.keys(SCENARIOS))("%s.junit.xml", (name) => {
    const file = join(GOLDEN_DIR, `${name}.junit.xml`);
    const xml = renderJunit(SCENARIOS[name]!());
    if (process.env.UPDATE_GOLDENS === "1" || !existsSync(file)) writeFileSync(file, xml);
    expect(xml).toBe(readFileSync(file, "utf8"));
  });
});

describe("renderJunit", () => {
  it.each(Object.keys(SCENARIOS))("%s: well-formed, and every count equals the testcases' children", (name) => {
    const report = SCENARIOS[name]!();
    const xml = renderJunit(report);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="byoc-check" ')).toBe(true);
    expect(xml).not.toMatch(NOT_XML_CHAR);
    const root = parse(xml);
    const suites = root.testsuite ?? [];
    const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const s of suites) {
      const cs = cases(s);
      const n = { tests: cs.length, failures: cs.filter((c) => has(c, "failure")).length, errors: cs.filter((c) => has(c, "error")).length, skipped: cs.filter((c) => has(c, "skipped")).length };
      expect({ tests: Number(s["@tests"]), failures: Number(s["@failures"]), errors: Number(s["@errors"]), skipped: Number(s["@skipped"]) }).toEqual(n);
      for (const c of cs) expect([has(c, "failure"), has(c, "error"), has(c, "skipped")].filter(Boolean).length).toBeLessThanOrEqual(1);
      const sum = cs.reduce((t, c) => t + Number(c["@time"]), 0);
      expect(Number(s["@time"])).toBeCloseTo(sum, 2);
      expect(s["@timestamp"]).toBe(report.startedAt.slice(0, 19));
      expect(s["@timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += n[k];
    }
    expect({ tests: Number(root["@tests"]), failures: Number(root["@failures"]), errors: Number(root["@errors"]), skipped: Number(root["@skipped"]) }).toEqual(total);
    expect(root["@time"]).toBe((report.durationMs / 1000).toFixed(3));
  });

  it.each(Object.keys(SCENARIOS))("%s: red exactly when byoc-check exits non-zero", (name) => {
    const report = SCENARIOS[name]!();
    const root = parse(renderJunit(report));
    const red = Number(root["@failures"]) + Number(root["@errors"]) > 0;
    expect(red).toBe(report.exitCode !== 0);
  });

  it.each(Object.keys(SCENARIOS))("%s: a testsuite per contract in the report's order, a testcase per check", (name) => {
    const report = SCENARIOS[name]!();
    const suites = parse(renderJunit(report)).testsuite ?? [];
    const contracts = report.contracts.filter((c) => report.results.some((r) => r.contract === c));
    expect(suites.slice(0, contracts.length).map((s) => s["@name"])).toEqual(contracts);
    for (const [i, contract] of contracts.entries()) {
      const results = report.results.filter((r) => r.contract === contract);
      expect(cases(suites[i]!).map((c) => [c["@classname"], c["@name"], c["@time"]])).toEqual(
        results.map((r) => [`byoc-check.${contract}`, `${r.id} ${r.title}`, (r.durationMs / 1000).toFixed(3)]),
      );
      const props = Object.fromEntries(((suites[i]!.properties as Node).property as Node[]).map((p) => [p["@name"], p["@value"]]));
      expect(props).toMatchObject({ image: report.image.ref, "image.id": report.image.id, "image.platform": report.image.platform, spec: `sagemaker ${report.spec.version}`, seed: String(report.seed), "fail-on": report.failOn, "byoc-check.version": "9.9.9" });
      expect(props["image.digest"]).toBe(report.image.digest);
      expect(props.instances).toBe(report.instances.length > 0 ? report.instances.join(",") : undefined);
    }
  });

  it("fails a blocking check with its severity, first message and every finding in the body", () => {
    const report = SCENARIOS.failing!();
    const all = (parse(renderJunit(report)).testsuite ?? []).flatMap(cases);
    const byId = (id: string) => all.find((c) => String(c["@name"]).startsWith(`${id} `))!;
    const shell = (byId("IMG-ENTRYPOINT-EXEC").failure as Node[])[0]!;
    expect(shell["@type"]).toBe("error");
    expect(shell["@message"]).toBe(report.results[0]!.findings[0]!.message);
    const body = text(shell);
    for (const want of ["image config Config.Entrypoint", "repro  docker run --rm registry.example.com/team/model:v1 train", "fix    Write ENTRYPOINT", "clause training#start.exec-form", "note   docker run IMAGE train"]) {
      expect(body).toContain(want);
    }
    const arch = text((byId("IMG-ARCH-INSTANCE").failure as Node[])[0]);
    expect(arch).toContain("seen   amd64\n  wanted arm64");
    expect(arch).toContain("where  --instance ml.c7g.xlarge");
  });

  it("passes a failure below --fail-on, saying so in system-out and in the suite's properties", () => {
    const report = SCENARIOS["warning-below-fail-on"]!();
    expect(report.exitCode).toBe(0);
    const suites = parse(renderJunit(report)).testsuite ?? [];
    const root = suites.flatMap(cases).find((c) => String(c["@name"]).startsWith("IMG-USER-ROOT "))!;
    expect(has(root, "failure") || has(root, "error") || has(root, "skipped")).toBe(false);
    expect(text((root["system-out"] as unknown[])[0])).toMatch(/^warning: does not fail the run \(below --fail-on error\)\n\nThe image runs as "1000", not root\n/);
    const inference = suites.find((s) => s["@name"] === "inference")!;
    expect(((inference.properties as Node).property as Node[]).find((p) => p["@name"] === "below-fail-on")?.["@value"]).toBe("IMG-USER-ROOT");
  });

  it("skips a waived failure, fails an expired waiver in a testsuite of its own", () => {
    const report = SCENARIOS.waivers!();
    expect(report.exitCode).toBe(1);
    const suites = parse(renderJunit(report)).testsuite ?? [];
    const all = suites.flatMap(cases);
    const byId = (id: string) => all.find((c) => String(c["@name"]).startsWith(`${id} `))!;
    expect((byId("IMG-USER-ROOT").skipped as Node[])[0]!["@message"]).toBe("waived: the server drops privileges itself (TICKET-12) (until 2026-03-31)");
    expect((byId("IMG-OPTML-SHADOWED").skipped as Node[])[0]!["@message"]).toBe("waived: weights are baked on purpose until the model registry lands");
    expect(text((byId("IMG-OPTML-SHADOWED")["system-out"] as unknown[])[0])).toContain("/opt/ml/model holds 2 files");
    // The arch check's waiver expired, so the check itself fails, and so does its waiver.
    expect(has(byId("IMG-ARCH-INSTANCE"), "failure")).toBe(true);
    const waivers = suites.find((s) => s["@name"] === "waivers")!;
    expect(cases(waivers).map((c) => [c["@classname"], c["@name"], (c.failure as Node[])[0]!["@type"]])).toEqual([["byoc-check.waivers", "IMG-ARCH-INSTANCE waiver", "expired-waiver"]]);
  });

  it("fails an expired waiver even when its check passes, so that JUnit is red as the exit code is", () => {
    const report = sampleReport([passed("IMG-USER-ROOT", "inference#user.root")], { waivers: [{ check: "IMG-USER-ROOT", reason: "old", expires: "2020-01-01" }] });
    expect(report.exitCode).toBe(1);
    const root = parse(renderJunit(report));
    expect(root["@failures"]).toBe("1");
    const failure = ((root.testsuite ?? []).flatMap(cases)[1]!.failure as Node[])[0]!;
    expect(failure["@message"]).toBe("the waiver for IMG-USER-ROOT expired on 2020-01-01: it excuses nothing and fails the run");
  });

  it("skips with the reason; errors with the name, and the stack only for a bug", () => {
    const all = (parse(renderJunit(SCENARIOS.failing!())).testsuite ?? []).flatMap(cases);
    const skip = all.find((c) => String(c["@name"]).startsWith("IMG-CAPABILITY-LABELS "))!;
    expect((skip.skipped as Node[])[0]!["@message"]).toBe("the image sets no SageMaker capability labels");
    const bug = (all.find((c) => String(c["@name"]).startsWith("IMG-ENV-CREDENTIALS "))!.error as Node[])[0]!;
    expect([bug["@type"], bug["@message"]]).toEqual(["TypeError", "Cannot read properties of undefined (reading 'env')"]);
    expect(text(bug)).toMatch(/at run \(\/x\.ts:1:1\)[\s\S]*please report it/);
    const env = (parse(renderJunit(SCENARIOS.incomplete!())).testsuite ?? []).flatMap(cases).find((c) => has(c, "error"))!;
    const e = (env.error as Node[])[0]!;
    expect([e["@type"], e["@message"], text(e)]).toEqual(["EnvironmentError", "the Docker engine stopped answering", "the Docker engine stopped answering"]);
  });

  it("gives a pass its detail in system-out", () => {
    const all = (parse(renderJunit(SCENARIOS.conformant!())).testsuite ?? []).flatMap(cases);
    expect(text((all[0]!["system-out"] as unknown[])[0])).toBe('Config.Entrypoint ["/opt/program/entry"]');
    expect(all[1]!["system-out"]).toBeUndefined();
  });

  it("keeps the log's tail, one line under another", () => {
    const body = text((((parse(renderJunit(SCENARIOS["multiline-log"]!())).testsuite ?? [])[0]!.testcase as Node[])[0]!.failure as Node[])[0]);
    expect(body).toContain(`  log    Traceback (most recent call last):\n           File "/opt/program/train", line 3, in <module>\n`);
    expect(body).toContain("         fifth\n  fix    ");
  });

  it("writes control characters of a log as valid XML, and the XML still parses", () => {
    const log = "\x1b[31mred\x1b[0m \x00nul \x07bell \x08back\x0bvt\x0cff \x1b]0;title\x07 \x7f \ud800lone \uffff\r\nwin\tTab ]]> end";
    const finding = { ...CRASHED, message: "crash \x1b[1mbold\x1b[0m \x01", evidence: { log } };
    const xml = renderJunit(sampleReport([failed("IMG-TRAIN-STARTS", "training#start.command", "error", finding)]));
    expect(xml).not.toMatch(NOT_XML_CHAR);
    expect(xml).not.toContain("]]>");
    const failure = ((parse(xml).testsuite ?? [])[0]!.testcase as Node[])[0]!.failure as Node[];
    expect(failure[0]!["@message"]).toBe("crash bold \\x01");
    const body = text(failure[0]);
    expect(body).toContain("red \\x00nul \\x07bell \\x08back\\x0bvt\\x0cff \\x1b]0;title\\x07 \\x7f \ufffdlone \ufffd\r\n");
    expect(body).toContain("win\tTab ]]> end");
  });

  it("escapes quotes, angle brackets, ampersands and newlines in attributes", () => {
    const tricky = `a "quoted" <tag> & 'single'\nsecond line\r\tend`;
    const r = failed("IMG-X", "training#start.command", "error", { ...ROOT, message: tricky });
    const report: Report = sampleReport([{ ...r, title: tricky }, skipped("IMG-Y", "training#start.command", tricky), errored("IMG-Z", "training#start.command", tricky)], { image: { ref: tricky } });
    const xml = renderJunit(report);
    const all = (parse(xml).testsuite ?? []).flatMap(cases);
    expect(all[0]!["@name"]).toBe(`IMG-X ${tricky}`);
    expect((all[0]!.failure as Node[])[0]!["@message"]).toBe(tricky);
    expect((all[1]!.skipped as Node[])[0]!["@message"]).toBe(tricky);
    expect((all[2]!.error as Node[])[0]!["@message"]).toBe(tricky);
    expect(text((all[2]!.error as Node[])[0])).toBe(tricky);
    // No attribute carries a raw newline, which a parser would normalise to a space.
    for (const line of xml.split("\n")) expect(line).not.toMatch(/="[^"]*$/);
  });

  it("is red with one errored testcase when no check ran", () => {
    const report = sampleReport([]);
    expect(report.exitCode).toBe(2);
    const root = parse(renderJunit(report));
    expect([root["@tests"], root["@errors"]]).toEqual(["1", "1"]);
    expect(((root.testsuite ?? [])[0]!.testcase as Node[])[0]!["@name"]).toBe("byoc-check run");
  });
});
