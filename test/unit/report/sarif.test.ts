import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { CHECKS } from "../../../conformance/index.js";
import type { Finding } from "../../../src/engine/check.js";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import type { Report } from "../../../src/report/model.js";
import { FINGERPRINT_KEY, IMAGE_ROOT, renderSarif, type SarifCatalog } from "../../../src/report/sarif.js";
import { loadSpec } from "../../../src/spec/load.js";
import { ARCH, BAKED_MODEL, ROOT, SCENARIOS, SHELL_FORM, errored, failed, passed, sampleReport, skipped } from "./samples.js";

const GOLDEN_DIR = join(PACKAGE_ROOT, "fixtures", "reports");
const SPEC = loadSpec({ version: "1.0" });
const CATALOG: SarifCatalog = { checks: CHECKS, spec: SPEC };

// The schema is draft-04; its formats (uri, uri-reference, date-time) are checked too. strict: false because the
// schema uses keywords ajv's strict mode objects to (e.g. "default" beside "$ref"); unicodeRegExp: false because
// run.language's pattern `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$` has a stray "]", legal only without the u flag.
const schema = JSON.parse(readFileSync(join(PACKAGE_ROOT, "schemas", "vendor", "sarif-2.1.0-rtm.5.json"), "utf8")) as object;
const ajv = new Ajv04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validateSarif = ajv.compile(schema);

function schemaProblems(log: unknown): string[] {
  if (validateSarif(log)) return [];
  return (validateSarif.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}

// A SARIF log read back and checked field by field, including logs broken on purpose.
type Json = any;

/**
 * What GitHub code scanning would reject, drop or silently ignore in an uploaded SARIF file, as its documentation
 * states it ("SARIF support for code scanning", docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):
 *
 * - $schema required; version required and "2.1.0"; runs required ("Supported SARIF output file properties").
 * - runs[].tool.driver.name required.
 * - reportingDescriptor (rule): id, shortDescription.text, fullDescription.text and help.text marked required;
 *   properties.tags[]: at most 20 per rule (only 10 are kept); properties.precision one of very-high, high, medium,
 *   low; properties.security-severity "a string representing a score ... between 0.0 and 10.0", read only for rules
 *   tagged "security".
 * - result: message.text required; locations[] required ("at least one location is required for code scanning to
 *   display a result"); ruleId resolvable to a rule of the driver (or an extension); physicalLocation.artifactLocation.uri
 *   required, "a relative path from the root of the GitHub repository" for best results; region.startLine required.
 * - Upload limits table: 20 runs per file, 25,000 results per run (only the top 5,000 are kept), 25,000 rules per run,
 *   100 tool extensions per run, 10,000 thread flow locations per result (1,000 kept), 1,000 locations per result
 *   (100 kept), 20 tags per rule, 10 MB per file gzip-compressed.
 * - Runs of one tool uploaded with the same category (runs[].automationDetails.id up to its last "/") are rejected.
 *
 * Not from GitHub: its documentation gives no limit on help text length that I know of; MAX_HELP_CHARS is our own cap,
 * so that one rule's help never weighs on the 10 MB upload or a reader.
 */
const GITHUB = {
  runsPerFile: 20,
  resultsPerRun: 25_000,
  rulesPerRun: 25_000,
  extensionsPerRun: 100,
  threadFlowLocationsPerResult: 10_000,
  locationsPerResult: 1_000,
  tagsPerRule: 20,
  gzipBytes: 10 * 1024 * 1024,
};
const MAX_HELP_CHARS = 64 * 1024;
const PRECISIONS = ["very-high", "high", "medium", "low"];
// RFC 3986 relative-ref with a path only: pchar and "/", no scheme (":" not in the first segment), not rooted.
const RELATIVE_URI = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{2})+(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*$/;

function githubIngestionProblems(sarif: string | object): string[] {
  const problems: string[] = [];
  const text = typeof sarif === "string" ? sarif : JSON.stringify(sarif);
  const log: Json = typeof sarif === "string" ? JSON.parse(sarif) : sarif;
  const bad = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (gzipSync(text).length > GITHUB.gzipBytes) bad("/", `over ${GITHUB.gzipBytes} bytes gzip-compressed`);
  if (typeof log?.$schema !== "string" || log.$schema === "") bad("/$schema", "missing");
  if (log?.version !== "2.1.0") bad("/version", `is ${JSON.stringify(log?.version)}, not "2.1.0"`);
  if (!Array.isArray(log?.runs)) {
    bad("/runs", "missing");
    return problems;
  }
  if (log.runs.length > GITHUB.runsPerFile) bad("/runs", `${log.runs.length} runs, over ${GITHUB.runsPerFile}`);
  const categories = new Set<string>();
  log.runs.forEach((run: Json, r: number) => {
    const at = `/runs/${r}`;
    const driver = run?.tool?.driver;
    if (typeof driver?.name !== "string" || driver.name === "") bad(`${at}/tool/driver/name`, "missing");
    const id: string = run?.automationDetails?.id ?? "";
    const category = `${driver?.name}\u0000${id.includes("/") ? id.slice(0, id.lastIndexOf("/")) : id}`;
    if (categories.has(category)) bad(`${at}/automationDetails/id`, "a second run of the same tool and category");
    categories.add(category);
    if ((run?.tool?.extensions ?? []).length > GITHUB.extensionsPerRun) bad(`${at}/tool/extensions`, `over ${GITHUB.extensionsPerRun}`);

    const rules: Json[] = [...(driver?.rules ?? []), ...(run?.tool?.extensions ?? []).flatMap((e: Json) => e?.rules ?? [])];
    if (rules.length > GITHUB.rulesPerRun) bad(`${at}/tool/driver/rules`, `${rules.length} rules, over ${GITHUB.rulesPerRun}`);
    const ruleIds = new Set<string>();
    (driver?.rules ?? []).forEach((rule: Json, i: number) => {
      const rat = `${at}/tool/driver/rules/${i}`;
      if (typeof rule?.id !== "string" || rule.id === "") bad(`${rat}/id`, "missing");
      else if (ruleIds.has(rule.id)) bad(`${rat}/id`, `duplicate rule id ${rule.id}`);
      ruleIds.add(rule?.id);
      for (const key of ["shortDescription", "fullDescription", "help"]) {
        if (typeof rule?.[key]?.text !== "string" || rule[key].text === "") bad(`${rat}/${key}/text`, "missing");
      }
      for (const key of ["text", "markdown"]) {
        if ((rule?.help?.[key] ?? "").length > MAX_HELP_CHARS) bad(`${rat}/help/${key}`, `over ${MAX_HELP_CHARS} characters`);
      }
      const props = rule?.properties ?? {};
      const tags: unknown[] = props.tags ?? [];
      if (tags.length > GITHUB.tagsPerRule) bad(`${rat}/properties/tags`, `${tags.length} tags, over ${GITHUB.tagsPerRule}`);
      if (props.precision !== undefined && !PRECISIONS.includes(props.precision)) bad(`${rat}/properties/precision`, `is ${JSON.stringify(props.precision)}`);
      const sev = props["security-severity"];
      if (sev !== undefined) {
        if (typeof sev !== "string" || !/^\d+(?:\.\d+)?$/.test(sev) || Number(sev) > 10) bad(`${rat}/properties/security-severity`, `${JSON.stringify(sev)} is not a string number from 0.0 to 10.0`);
        if (!tags.includes("security")) bad(`${rat}/properties/tags`, "security-severity without the security tag is ignored");
      }
    });
    const allRuleIds = new Set(rules.map((x: Json) => x?.id));

    const results: Json[] = run?.results ?? [];
    if (results.length > GITHUB.resultsPerRun) bad(`${at}/results`, `${results.length} results, over ${GITHUB.resultsPerRun}`);
    results.forEach((res: Json, i: number) => {
      const rat = `${at}/results/${i}`;
      if (typeof res?.message?.text !== "string" || res.message.text === "") bad(`${rat}/message/text`, "missing");
      const ruleId = res?.ruleId ?? res?.rule?.id;
      if (typeof ruleId !== "string") bad(`${rat}/ruleId`, "missing");
      else if (!allRuleIds.has(ruleId)) bad(`${rat}/ruleId`, `${ruleId} is not a rule of the tool`);
      if (res?.ruleIndex !== undefined && driver?.rules?.[res.ruleIndex]?.id !== ruleId) bad(`${rat}/ruleIndex`, `does not point at ${ruleId}`);
      const locations: Json[] = res?.locations ?? [];
      if (locations.length === 0) bad(`${rat}/locations`, "none: code scanning does not show a result without a location");
      if (locations.length > GITHUB.locationsPerResult) bad(`${rat}/locations`, `over ${GITHUB.locationsPerResult}`);
      locations.forEach((loc: Json, l: number) => {
        const lat = `${rat}/locations/${l}/physicalLocation`;
        const uri = loc?.physicalLocation?.artifactLocation?.uri;
        if (typeof uri !== "string" || uri === "") bad(`${lat}/artifactLocation/uri`, "missing");
        else if (!RELATIVE_URI.test(uri)) bad(`${lat}/artifactLocation/uri`, `${JSON.stringify(uri)} is not a relative URI`);
        const region = loc?.physicalLocation?.region;
        if (!Number.isInteger(region?.startLine) || region.startLine < 1) bad(`${lat}/region/startLine`, "missing or below 1");
        if (region?.endLine !== undefined && !(region.endLine >= region.startLine)) bad(`${lat}/region/endLine`, "before startLine");
      });
      const flows = (res?.codeFlows ?? []).flatMap((c: Json) => c?.threadFlows ?? []).flatMap((t: Json) => t?.locations ?? []);
      if (flows.length > GITHUB.threadFlowLocationsPerResult) bad(`${rat}/codeFlows`, `over ${GITHUB.threadFlowLocationsPerResult} thread flow locations`);
      for (const [k, v] of Object.entries(res?.partialFingerprints ?? {})) if (typeof v !== "string") bad(`${rat}/partialFingerprints/${k}`, "not a string");
    });
  });
  return problems;
}

const DOCKERFILE = [
  "# syntax=docker/dockerfile:1", // 1
  "FROM python:3.12 AS build", // 2
  "RUN pip wheel -w /wheels torch", // 3
  "USER builder", // 4
  "", // 5
  "FROM python:3.12-slim", // 6
  "COPY --from=build /wheels /wheels", // 7
  "ENV PATH=/opt/program:$PATH \\", // 8
  "    AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI", // 9
  "ENTRYPOINT python3 /opt/program/entry.py", // 10
  "USER 1000", // 11
].join("\n");

function render(report: Report, catalog: SarifCatalog = CATALOG): Json {
  return JSON.parse(renderSarif(report, catalog));
}

const run0 = (log: Json) => log.runs[0];
const resultsOf = (log: Json, ruleId: string): Json[] => run0(log).results.filter((r: Json) => r.ruleId === ruleId);
const oneResult = (log: Json, ruleId: string): Json => {
  const found = resultsOf(log, ruleId);
  expect(found).toHaveLength(1);
  return found[0];
};

describe("renderSarif against fixtures/reports/", () => {
  // UPDATE_GOLDENS=1 rewrites the files from the renderer; review the diff before committing it.
  it.each(Object.keys(SCENARIOS))("%s.sarif", (name) => {
    const file = join(GOLDEN_DIR, `${name}.sarif`);
    const text = renderSarif(SCENARIOS[name]!(), CATALOG);
    if (process.env.UPDATE_GOLDENS === "1" || !existsSync(file)) writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, "utf8"));
  });

  it.each(Object.keys(SCENARIOS))("renders %s valid against the SARIF 2.1.0 schema", (name) => {
    expect(schemaProblems(render(SCENARIOS[name]!()))).toEqual([]);
    expect(schemaProblems(render(SCENARIOS[name]!(), { ...CATALOG, dockerfile: { uri: "Dockerfile", text: DOCKERFILE } }))).toEqual([]);
  });

  it.each(Object.keys(SCENARIOS))("renders %s as GitHub code scanning takes it", (name) => {
    expect(githubIngestionProblems(renderSarif(SCENARIOS[name]!(), CATALOG))).toEqual([]);
    expect(githubIngestionProblems(renderSarif(SCENARIOS[name]!(), { ...CATALOG, dockerfile: { uri: "docker/serve/Dockerfile", text: DOCKERFILE } }))).toEqual([]);
  });
});

describe("the schema check", () => {
  it("rejects what SARIF 2.1.0 does not allow", () => {
    const log = render(SCENARIOS.failing!());
    log.version = "2.0.0";
    run0(log).results[0].level = "fatal";
    run0(log).invocations[0].startTimeUtc = "yesterday";
    expect(schemaProblems(log)).toEqual(
      expect.arrayContaining(["/version must be equal to one of the allowed values", "/runs/0/results/0/level must be equal to one of the allowed values", '/runs/0/invocations/0/startTimeUtc must match format "date-time"']),
    );
  });
});

describe("githubIngestionProblems", () => {
  it("catches a result without a location, an unknown rule, a rooted URI and a bad security-severity", () => {
    const log = render(SCENARIOS.failing!());
    const run = run0(log);
    delete run.results[0].locations;
    run.results[1].ruleId = "NO-SUCH-RULE";
    delete run.results[1].ruleIndex;
    run.results[2].locations[0].physicalLocation.artifactLocation.uri = "/opt/ml/model/weights.bin";
    run.results[3].locations[0].physicalLocation.region.startLine = 0;
    run.tool.driver.rules[0].properties["security-severity"] = 8.8;
    run.tool.driver.rules[1].properties.tags = Array.from({ length: 21 }, (_, i) => `t${i}`);
    delete log.$schema;
    const problems = githubIngestionProblems(log);
    expect(problems).toEqual(
      expect.arrayContaining([
        "/$schema: missing",
        "/runs/0/results/0/locations: none: code scanning does not show a result without a location",
        "/runs/0/results/1/ruleId: NO-SUCH-RULE is not a rule of the tool",
        '/runs/0/results/2/locations/0/physicalLocation/artifactLocation/uri: "/opt/ml/model/weights.bin" is not a relative URI',
        "/runs/0/results/3/locations/0/physicalLocation/region/startLine: missing or below 1",
        "/runs/0/tool/driver/rules/0/properties/security-severity: 8.8 is not a string number from 0.0 to 10.0",
        "/runs/0/tool/driver/rules/1/properties/tags: 21 tags, over 20",
      ]),
    );
    expect(problems).toHaveLength(8); // and security-severity on a rule without the security tag
  });

  it("catches a URI with a scheme, and a ruleIndex that points elsewhere", () => {
    const log = render(SCENARIOS.failing!());
    run0(log).results[0].locations[0].physicalLocation.artifactLocation.uri = "localhost:5000/team/model";
    run0(log).results[1].ruleIndex = 0;
    expect(githubIngestionProblems(log)).toEqual([
      '/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri: "localhost:5000/team/model" is not a relative URI',
      `/runs/0/results/1/ruleIndex: does not point at ${run0(log).results[1].ruleId}`,
    ]);
  });
});

describe("renderSarif", () => {
  it("is one run of byoc-check with its version, and a rule for each check in the report, no more", () => {
    const report = SCENARIOS.conformant!();
    const log = render(report);
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    const { driver } = run0(log).tool;
    expect(driver).toMatchObject({ name: "byoc-check", version: "9.9.9", semanticVersion: "9.9.9" });
    expect(driver.informationUri).toMatch(/^https:\/\//);
    expect(driver.rules.map((r: Json) => r.id)).toEqual(report.results.map((r) => r.id));
    expect(CHECKS.length).toBeGreaterThan(driver.rules.length);
  });

  it("describes a rule from the check's metadata and the clauses it asserted, linking AWS's pages", () => {
    const log = render(SCENARIOS.failing!());
    const rule = run0(log).tool.driver.rules.find((r: Json) => r.id === "IMG-ENTRYPOINT-EXEC");
    const meta = CHECKS.find((c) => c.id === "IMG-ENTRYPOINT-EXEC")!;
    const clause = SPEC.clause("training#start.exec-form");
    const url = "https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-dockerfile.html";
    expect(rule).toMatchObject({
      name: "ImgEntrypointExec",
      shortDescription: { text: meta.title },
      fullDescription: { text: meta.rationale },
      helpUri: url,
      defaultConfiguration: { level: "error" },
      properties: { precision: "very-high", clauses: ["training#start.exec-form"] },
    });
    expect(rule.properties.tags).toEqual(["sagemaker", "training", "image"]);
    expect(rule.properties["security-severity"]).toBeUndefined();
    for (const help of [rule.help.text, rule.help.markdown]) {
      expect(help).toContain(meta.fix.slice(0, 40));
      expect(help).toContain(url);
      expect(help).toContain("training#start.exec-form");
    }
    expect(rule.help.text).toContain(clause.statement);
    expect(rule.help.text).toContain(meta.rationale);
    expect(rule.help.markdown).toContain(`[your-algorithms-training-algo-dockerfile](${url})`);
  });

  it("keeps markup in the check's text from being read as markdown, code spans as written", () => {
    const log = render(sampleReport([passed("IMG-CAPABILITY-LABELS", "inference#capabilities.labels")]));
    const rule = run0(log).tool.driver.rules[0];
    expect(rule.help.text).toContain("com.amazonaws.sagemaker.capabilities.<capability>=true");
    expect(rule.help.markdown).toContain("com.amazonaws.sagemaker.capabilities.\\<capability\\>=true");
    expect(render(SCENARIOS.failing!()).runs[0].tool.driver.rules[1].help.markdown).toContain("`docker run IMAGE train`");
  });

  it("marks the credential and secret checks as security rules with a security-severity", () => {
    const log = render(
      sampleReport([
        passed("IMG-ENV-CREDENTIALS", "training#env.no-baked-credentials"),
        passed("IMG-SECRETS-LAYERS", "training#image.no-secrets"),
        passed("IMG-USER-ROOT", "inference#user.root", "warning"),
      ]),
    );
    const [env, layers, user] = run0(log).tool.driver.rules;
    for (const rule of [env, layers]) {
      expect(rule.properties["security-severity"]).toBe("8.8");
      expect(rule.properties.tags).toEqual(expect.arrayContaining(["security", "external/cwe/cwe-798"]));
      expect(rule.properties.precision).toBe("high");
    }
    expect(user.properties["security-severity"]).toBeUndefined();
    expect(user.properties.tags).not.toContain("security");
  });

  it("gives a rule for a check the catalog does not know what the report says of it", () => {
    const log = render(SCENARIOS["multiline-log"]!());
    const rule = run0(log).tool.driver.rules[0];
    expect(rule).toMatchObject({ id: "IMG-TRAIN-STARTS", shortDescription: { text: "IMG-TRAIN-STARTS holds" }, defaultConfiguration: { level: "error" } });
    expect(githubIngestionProblems(log)).toEqual([]);
  });

  describe("levels", () => {
    it("maps error, warning and info to error, warning and note, on the rule and on each result", () => {
      const log = render(
        sampleReport([
          failed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form", "error", SHELL_FORM),
          failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT),
          failed("X-INFO", "inference#user.root", "info", ROOT),
        ]),
      );
      expect(run0(log).results.map((r: Json) => [r.ruleId, r.level])).toEqual([
        ["IMG-ENTRYPOINT-EXEC", "error"],
        ["IMG-USER-ROOT", "warning"],
        ["X-INFO", "note"],
      ]);
      expect(run0(log).tool.driver.rules.map((r: Json) => r.defaultConfiguration.level)).toEqual(["error", "warning", "note"]);
    });

    it("raises a result's level where --strict raised its severity, the rule keeping the check's own", () => {
      const log = render(sampleReport([failed("IMG-USER-ROOT", "inference#user.root", "error", ROOT)]));
      expect(oneResult(log, "IMG-USER-ROOT").level).toBe("error");
      expect(run0(log).tool.driver.rules[0].defaultConfiguration.level).toBe("warning");
    });
  });

  it("gives a result per finding of a failing check, with the fix in the message, and none for passing or skipped checks", () => {
    const second: Finding = { ...BAKED_MODEL, message: "/opt/ml/input holds 1 file", evidence: { location: { kind: "file", path: "/opt/ml/input/x" } } };
    const log = render(
      sampleReport([
        passed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form"),
        skipped("IMG-CAPABILITY-LABELS", "inference#capabilities.labels", "no labels"),
        failed("IMG-OPTML-SHADOWED", "training#layout.reserved", "error", BAKED_MODEL, second),
      ]),
    );
    expect(run0(log).results.map((r: Json) => r.ruleId)).toEqual(["IMG-OPTML-SHADOWED", "IMG-OPTML-SHADOWED"]);
    expect(run0(log).results[0].ruleIndex).toBe(2);
    expect(run0(log).results[0].message.text).toBe(`${BAKED_MODEL.message}\nFix: ${BAKED_MODEL.fix}`);
    expect(run0(log).results[0].properties).toEqual({ clause: "training#layout.reserved", evidence: { expected: "nothing under /opt/ml/model", log: "2 files, 1.2 GiB" } });
  });

  describe("waivers", () => {
    const log = render(SCENARIOS.waivers!());

    it("suppresses a waived failure with the waiver's reason", () => {
      expect(oneResult(log, "IMG-USER-ROOT").suppressions).toEqual([
        { kind: "external", status: "accepted", justification: "the server drops privileges itself (TICKET-12)", properties: { expires: "2026-03-31" } },
      ]);
      expect(oneResult(log, "IMG-OPTML-SHADOWED").suppressions).toEqual([{ kind: "external", status: "accepted", justification: "weights are baked on purpose until the model registry lands" }]);
    });

    it("does not suppress a failure whose waiver has expired, and says the waiver fails the run", () => {
      expect(oneResult(log, "IMG-ARCH-INSTANCE").suppressions).toBeUndefined();
      const notes = run0(log).invocations[0].toolConfigurationNotifications;
      expect(notes).toEqual([
        expect.objectContaining({ level: "error", associatedRule: { id: "IMG-ARCH-INSTANCE", index: 3 }, descriptor: { id: "waiver-expired", index: 1 } }),
        expect.objectContaining({ level: "note", associatedRule: { id: "IMG-ENTRYPOINT-EXEC", index: 0 }, descriptor: { id: "waiver-unused", index: 2 } }),
      ]);
      expect(notes[0].message.text).toContain("expired on 2025-12-31");
      expect(run0(log).tool.driver.notifications[1].id).toBe("waiver-expired");
    });

    it("suppresses nothing without a waiver", () => {
      expect(run0(render(SCENARIOS.failing!())).results.every((r: Json) => r.suppressions === undefined)).toBe(true);
    });
  });

  describe("errored checks", () => {
    it("become tool execution notifications, and the execution is not successful", () => {
      const inv = run0(render(SCENARIOS.failing!())).invocations[0];
      expect(inv.executionSuccessful).toBe(false);
      expect(inv.toolExecutionNotifications).toEqual([
        {
          level: "error",
          message: { text: "IMG-ENV-CREDENTIALS could not run: Cannot read properties of undefined (reading 'env') (this looks like a bug in byoc-check: please report it with the JSON report)" },
          descriptor: { id: "check-error", index: 0 },
          associatedRule: { id: "IMG-ENV-CREDENTIALS", index: 6 },
          exception: { kind: "TypeError", message: "Cannot read properties of undefined (reading 'env')" },
        },
      ]);
      expect(resultsOf(render(SCENARIOS.failing!()), "IMG-ENV-CREDENTIALS")).toEqual([]);
    });

    it("asks for no bug report for an expected error", () => {
      const inv = run0(render(SCENARIOS.incomplete!())).invocations[0];
      expect(inv.executionSuccessful).toBe(false);
      expect(inv.toolExecutionNotifications[0].message.text).toBe("IMG-OPTML-SHADOWED could not run: the Docker engine stopped answering");
    });

    it("leave the execution successful when every check ran", () => {
      const inv = run0(render(SCENARIOS.conformant!())).invocations[0];
      expect(inv.executionSuccessful).toBe(true);
      expect(inv.toolExecutionNotifications).toBeUndefined();
    });
  });

  describe("locations", () => {
    it("puts a file inside the image under IMAGEROOT, with its layer", () => {
      const log = render(SCENARIOS.failing!());
      expect(oneResult(log, "IMG-OPTML-SHADOWED").locations).toEqual([
        {
          physicalLocation: { artifactLocation: { uri: "opt/ml/model/weights.bin", uriBaseId: IMAGE_ROOT }, region: { startLine: 1 } },
          properties: { layer: `sha256:${"ab".repeat(32)}` },
        },
      ]);
      const base = run0(log).originalUriBaseIds[IMAGE_ROOT];
      expect(base.uri).toBeUndefined();
      expect(base.description.text).toContain("registry.example.com/team/model:v1");
    });

    it("percent-encodes what a path inside the image cannot hold in a URI", () => {
      const odd: Finding = { message: "m", fix: "f", evidence: { location: { kind: "file", path: "/opt/ml/model/a b#1:%.bin" } } };
      const log = render(sampleReport([failed("IMG-OPTML-SHADOWED", "training#layout.reserved", "error", odd)]));
      const [location] = oneResult(log, "IMG-OPTML-SHADOWED").locations;
      expect(location.physicalLocation.artifactLocation.uri).toBe("opt/ml/model/a%20b%231%3A%25.bin");
      expect(location.properties).toBeUndefined(); // no layer given
      expect(githubIngestionProblems(log)).toEqual([]);
    });

    it("without a Dockerfile, points a config field at the image's repository, naming the field", () => {
      const log = render(SCENARIOS.failing!());
      expect(oneResult(log, "IMG-ENTRYPOINT-EXEC").locations).toEqual([
        {
          physicalLocation: { artifactLocation: { uri: "registry.example.com/team/model" }, region: { startLine: 1 } },
          logicalLocations: [{ fullyQualifiedName: "Config.Entrypoint", kind: "member" }],
        },
      ]);
    });

    it("with a Dockerfile, points a config field at the instruction of the final stage that set it", () => {
      const dockerfile = { uri: "docker/serve/Dockerfile", text: DOCKERFILE };
      const credential: Finding = { message: "ENV AWS_SECRET_ACCESS_KEY holds an AWS secret key (wJal****)", fix: "Remove it.", evidence: { location: { kind: "config", field: 'Config.Env["AWS_SECRET_ACCESS_KEY"]' } } };
      const workdir: Finding = { message: "WorkingDir is /", fix: "Set WORKDIR.", evidence: { location: { kind: "config", field: "Config.WorkingDir" } } };
      const log = render(
        sampleReport([
          failed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form", "error", SHELL_FORM),
          failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT),
          failed("IMG-ENV-CREDENTIALS", "training#env.no-baked-credentials", "error", credential),
          failed("IMG-OPTML-VOLUME", "training#layout.reserved", "error", workdir),
        ]),
        { ...CATALOG, dockerfile },
      );
      const where = (id: string) => oneResult(log, id).locations[0];
      expect(where("IMG-ENTRYPOINT-EXEC")).toEqual({
        physicalLocation: { artifactLocation: { uri: "docker/serve/Dockerfile" }, region: { startLine: 10 } },
        logicalLocations: [{ fullyQualifiedName: "Config.Entrypoint", kind: "member" }],
        properties: { instruction: "ENTRYPOINT" },
      });
      expect(where("IMG-USER-ROOT").physicalLocation.region).toEqual({ startLine: 11 }); // not line 4, in the build stage
      expect(where("IMG-ENV-CREDENTIALS").physicalLocation.region).toEqual({ startLine: 8, endLine: 9 });
      // Set by no instruction: the base image supplies it, so the FROM of the final stage is the line to change.
      expect(where("IMG-OPTML-VOLUME").physicalLocation.region).toEqual({ startLine: 6 });
      expect(where("IMG-OPTML-VOLUME").properties).toEqual({ instruction: "FROM", fromBaseImage: true });
      expect(githubIngestionProblems(log)).toEqual([]);
    });

    it("encodes the Dockerfile's path as a URI", () => {
      const log = render(SCENARIOS.failing!(), { ...CATALOG, dockerfile: { uri: "./images/my model/Dockerfile", text: DOCKERFILE } });
      expect(oneResult(log, "IMG-ENTRYPOINT-EXEC").locations[0].physicalLocation.artifactLocation.uri).toBe("images/my%20model/Dockerfile");
    });

    it("points a command-line option at the image, naming the option and its value", () => {
      expect(oneResult(render(SCENARIOS.failing!()), "IMG-ARCH-INSTANCE").locations).toEqual([
        {
          physicalLocation: { artifactLocation: { uri: "registry.example.com/team/model" }, region: { startLine: 1 } },
          logicalLocations: [{ name: "--instance", fullyQualifiedName: "--instance ml.c7g.xlarge", kind: "parameter" }],
        },
      ]);
    });

    it("points a finding with no location at the image", () => {
      expect(oneResult(render(SCENARIOS["multiline-log"]!()), "IMG-TRAIN-STARTS").locations).toEqual([
        { physicalLocation: { artifactLocation: { uri: "registry.example.com/team/model" }, region: { startLine: 1 } } },
      ]);
    });

    it.each([
      ["localhost:5000/team/model:v1", "localhost%3A5000/team/model"],
      ["model@sha256:" + "9c".repeat(32), "model"],
      ["docker-archive:out/image.tar", "docker-archive%3Aout/image.tar"],
      [`sha256:${"3f".repeat(32)}`, `sha256%3A${"3f".repeat(32)}`],
    ])("makes the image reference %s the relative URI %s", (ref, uri) => {
      const log = render(sampleReport([failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT)], { image: { ref } }));
      expect(oneResult(log, "IMG-USER-ROOT").locations[0].physicalLocation.artifactLocation.uri).toBe(uri);
      expect(githubIngestionProblems(log)).toEqual([]);
    });
  });

  describe("partialFingerprints", () => {
    const fingerprints = (log: Json): string[] => run0(log).results.map((r: Json) => r.partialFingerprints[FINGERPRINT_KEY]);

    it("are on every result and the same across two renders", () => {
      const a = fingerprints(render(SCENARIOS.failing!()));
      expect(a).toHaveLength(4);
      expect(a.every((f) => /^[0-9a-f]{64}:\d+$/.test(f))).toBe(true);
      expect(fingerprints(render(SCENARIOS.failing!()))).toEqual(a);
      expect(new Set(a).size).toBe(a.length);
    });

    it("do not change with the image's tag, id or layer digests, or with counts and durations in the message", () => {
      const a = fingerprints(render(SCENARIOS.failing!()));
      const rebuilt = sampleReport(
        [
          failed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form", "error", SHELL_FORM),
          failed("IMG-OPTML-SHADOWED", "training#layout.reserved", "error", { ...BAKED_MODEL, message: "/opt/ml/model holds 7 files that SageMaker's mount hides", evidence: { location: { kind: "file", path: "/opt/ml/model/weights.bin", layer: `sha256:${"cd".repeat(32)}` } } }),
          failed("IMG-ARCH-INSTANCE", "inference#platform.architecture", "error", ARCH),
          failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT),
        ],
        { image: { ref: "registry.example.com/team/model:v2", id: `sha256:${"11".repeat(32)}` } },
      );
      expect(fingerprints(render(rebuilt))).toEqual(a);
    });

    it("differ for different findings, and number findings that would hash alike", () => {
      const other: Finding = { ...ROOT, message: 'The image runs as "app", not root' };
      const [root, app, again] = fingerprints(render(sampleReport([failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT, other, ROOT)])));
      expect(app).not.toBe(root);
      expect(again!.split(":")[0]).toBe(root!.split(":")[0]);
      expect([root!.split(":")[1], again!.split(":")[1]]).toEqual(["1", "2"]);
      const elsewhere: Finding = { ...BAKED_MODEL, evidence: { location: { kind: "file", path: "/opt/ml/model/other.bin" } } };
      const [x, y] = fingerprints(render(sampleReport([failed("IMG-OPTML-SHADOWED", "training#layout.reserved", "error", BAKED_MODEL, elsewhere)])));
      expect(x).not.toBe(y);
    });
  });

  describe("run", () => {
    it("sets a category per image repository and contract set, the same for every tag", () => {
      const id = (report: Report) => run0(render(report)).automationDetails.id;
      const v1 = id(SCENARIOS.failing!());
      expect(v1).toBe("byoc-check/registry.example.com/team/model/training+inference+processing/");
      expect(id(sampleReport([passed("A", "training#start.command")], { image: { ref: "registry.example.com/team/model:v2" } }))).toBe(v1);
      expect(id(sampleReport([passed("A", "training#start.command")], { image: { ref: "registry.example.com/team/other:v1" } }))).not.toBe(v1);
      const training = sampleReport([passed("A", "training#start.command")]);
      expect(id({ ...training, contracts: ["training"] })).toBe("byoc-check/registry.example.com/team/model/training/");
    });

    it("times the invocation by the report's own clock only", () => {
      const report = SCENARIOS.failing!();
      const inv = run0(render(report)).invocations[0];
      expect(inv.startTimeUtc).toBe("2026-01-02T03:04:05.678Z");
      expect(inv.endTimeUtc).toBe("2026-01-02T03:04:06.912Z");
      expect(inv.exitCode).toBe(report.exitCode);
      expect(inv.exitCodeDescription).toMatch(/^not conformant: 3 failing checks/);
      expect(run0(render(report)).columnKind).toBe("utf16CodeUnits");
    });

    it("loses nothing of the JSON report's header", () => {
      const report = SCENARIOS.waivers!();
      const run = run0(render(report));
      const inv = run.invocations[0];
      const { results: _results, ...header } = report;
      expect({
        ...run.properties,
        tool: { name: run.tool.driver.name, version: run.tool.driver.version },
        seed: inv.properties.seed,
        failOn: inv.properties.failOn,
        conformant: inv.properties.conformant,
        durationMs: inv.properties.durationMs,
        startedAt: inv.startTimeUtc,
        exitCode: inv.exitCode,
      }).toEqual(header);
    });

    it("renders the same text twice", () => {
      expect(renderSarif(SCENARIOS.waivers!(), CATALOG)).toBe(renderSarif(SCENARIOS.waivers!(), CATALOG));
    });

    it("omits semanticVersion for a version that is not semver", () => {
      const report = { ...SCENARIOS.conformant!(), tool: { name: "byoc-check", version: "dev" } };
      expect(run0(render(report)).tool.driver.semanticVersion).toBeUndefined();
    });

    it("names an error result's check in an errored report's rules", () => {
      const log = render(sampleReport([errored("IMG-USER-ROOT", "inference#user.root", "boom")]));
      expect(run0(log).tool.driver.rules.map((r: Json) => r.id)).toEqual(["IMG-USER-ROOT"]);
      expect(run0(log).results).toEqual([]);
    });
  });
});
