import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { CHECKS } from "../../../conformance/index.js";
import type { CheckMeta } from "../../../src/engine/check.js";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { listSpecVersions, loadSpec } from "../../../src/spec/load.js";
import type { SpecView } from "../../../src/spec/types.js";
import { type FixtureRun, readFixtures } from "../../support/fixtures.js";

const CONFORMANCE_DIR = join(PACKAGE_ROOT, "conformance");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** `<check id> cites <clause>` for every clause the spec does not have. */
function missingClauses(checks: readonly Pick<CheckMeta, "id" | "clauses">[], spec: Pick<SpecView, "hasClause">): string[] {
  return checks.flatMap((c) => c.clauses.filter((clause) => !spec.hasClause(clause)).map((clause) => `${c.id} cites ${clause}`));
}

/** Checks no fixture run proves can fail, and checks none proves can pass. */
function coverageGaps(ids: readonly string[], runs: readonly FixtureRun[]): { neverFails: string[]; neverPasses: string[] } {
  return {
    neverFails: ids.filter((id) => !runs.some((r) => r.fail?.includes(id))),
    neverPasses: ids.filter((id) => !runs.some((r) => r.pass?.includes(id))),
  };
}

const FORBIDDEN_PACKAGES = new Set(["dockerode", "undici", "tar"]);

/** Module specifiers of forbidden packages that a source file imports, statically, dynamically, or through require. */
function forbiddenImports(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
  return specifiers.filter((s) => FORBIDDEN_PACKAGES.has(s.split("/")[0]!));
}

describe("the check registry", () => {
  it("holds eleven image checks, eleven training checks, five processing checks and twenty-two inference checks (six of them fuzzing)", () => {
    const count = (g: string) => CHECKS.filter((c) => c.group === g).length;
    expect([count("image"), count("training"), count("processing"), count("inference")]).toEqual([18, 11, 5, 22]);
    expect(CHECKS.filter((c) => c.id.startsWith("INF-FUZZ-"))).toHaveLength(6);
    expect(CHECKS).toHaveLength(56);
  });

  it("ids are unique and carry their group's prefix: IMG- or GPU-, TRN-, PRC-, INF-", () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    // GPU checks read the image like the IMG- ones, from conformance/gpu/.
    const prefix = { image: "(IMG|GPU)", training: "TRN", processing: "PRC", inference: "INF" } as const;
    for (const c of CHECKS) expect(c.id).toMatch(new RegExp(`^${prefix[c.group]}-[A-Z0-9-]+$`));
  });

  it.each(CHECKS.map((c) => [c.id, c] as const))("%s documents itself", (_, c) => {
    expect(c.title.trim()).not.toBe("");
    expect(c.rationale.trim()).not.toBe("");
    expect(c.fix.trim()).not.toBe("");
    expect(c.clauses.length).toBeGreaterThanOrEqual(1);
    expect(["error", "warning", "info"]).toContain(c.severity);
    expect(["image", "training", "processing", "inference"]).toContain(c.group);
    // A job check belongs to its own contract's clauses.
    if (c.group !== "image") expect(c.clauses.every((cl) => cl.startsWith(`${c.group}#`))).toBe(true);
    expect(typeof c.run).toBe("function");
  });

  it("every clause a check cites exists in the newest spec", () => {
    const spec = loadSpec();
    expect(spec.version).toBe(listSpecVersions().at(-1));
    expect(missingClauses(CHECKS, spec)).toEqual([]);
  });

  it("the clause test catches a check citing a clause the spec lacks", () => {
    const spec = loadSpec();
    const bogus = { id: "IMG-BOGUS", clauses: ["training#start.exec-form", "training#no.such-clause"] as const };
    expect(missingClauses([...CHECKS, bogus], spec)).toEqual(["IMG-BOGUS cites training#no.such-clause"]);
  });

  it("every check file under conformance/ is registered in conformance/index.ts", async () => {
    const registered = new Set(CHECKS);
    for (const file of filesUnder(CONFORMANCE_DIR).filter((f) => f.endsWith(".ts"))) {
      const mod = (await import(pathToFileURL(file).href)) as { default?: { id?: unknown } };
      if (mod.default && typeof mod.default.id === "string") expect(registered.has(mod.default as never), relative(PACKAGE_ROOT, file)).toBe(true);
    }
  });
});

describe("fixture expectations", () => {
  const fixtures = readFixtures();
  const ids = new Set(CHECKS.map((c) => c.id));

  it("there are fixtures to read", () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))("%s/expected.json validates against fixtures/expected.schema.json", (_, fixture) => {
    const schema = JSON.parse(readFileSync(join(PACKAGE_ROOT, "fixtures", "expected.schema.json"), "utf8")) as object;
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    const ok = validate(fixture.data);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))("%s names only checks that exist, and never one check two ways in a run", (_, fixture) => {
    for (const run of fixture.data.runs) {
      const named = [...(run.pass ?? []), ...(run.fail ?? []), ...(run.skip ?? []), ...(run.error ?? [])];
      for (const id of [...named, ...Object.keys(run.messages ?? {})]) expect(ids.has(id), `${fixture.name} ${run.name ?? JSON.stringify(run.args)}: ${id}`).toBe(true);
      expect(new Set(named).size, `${fixture.name} ${run.name ?? JSON.stringify(run.args)}`).toBe(named.length);
      // Messages are substrings of findings, so only a failing check can have them.
      for (const id of Object.keys(run.messages ?? {})) expect(run.fail ?? [], `${fixture.name}: messages for ${id}`).toContain(id);
    }
  });

  it.each(fixtures.filter((f) => f.data.test !== undefined).map((f) => [f.name, f] as const))("%s is run by the integration test it names", (name, fixture) => {
    const source = readFileSync(join(PACKAGE_ROOT, fixture.data.test!), "utf8");
    expect(source).toContain(`"${name}"`);
    expect(source).toContain("runFixture(");
  });

  it("every check has a fixture run proving it can fail and one proving it can pass", () => {
    const runs = fixtures.flatMap((f) => f.data.runs);
    expect(coverageGaps([...ids], runs)).toEqual({ neverFails: [], neverPasses: [] });
  });

  it("the coverage test catches a check that no fixture fails or passes", () => {
    const runs: FixtureRun[] = [
      { args: [], exitCode: 1, fail: ["IMG-A"], pass: ["IMG-B"] },
      { args: [], exitCode: 0, pass: ["IMG-A"], skip: ["IMG-C"] },
    ];
    expect(coverageGaps(["IMG-A", "IMG-B", "IMG-C"], runs)).toEqual({ neverFails: ["IMG-B", "IMG-C"], neverPasses: ["IMG-C"] });
  });
});

describe("checks stay away from I/O libraries", () => {
  const sources = filesUnder(CONFORMANCE_DIR).filter((f) => /\.[cm]?[jt]sx?$/.test(f));

  it("finds the conformance sources", () => {
    expect(sources.length).toBeGreaterThanOrEqual(CHECKS.length);
  });

  it.each(sources.map((f) => [relative(PACKAGE_ROOT, f), f] as const))("%s imports neither dockerode, undici nor tar", (_, file) => {
    expect(forbiddenImports(readFileSync(file, "utf8"))).toEqual([]);
  });

  it("the import scan recognises every form of import, and only those packages", () => {
    const source = [
      'import type Docker from "dockerode";',
      "import { request } from 'undici';",
      'import { Parser } from "tar";',
      'export * from "tar/lib/parse.js";',
      'import "undici";',
      'const t = await import("tar");',
      'const d = require("dockerode");',
      'import { distance } from "fastest-levenshtein";',
      'import { x } from "./tar.js";',
      'import { y } from "tarball";',
      'import { posix } from "node:path";',
    ].join("\n");
    expect(forbiddenImports(source)).toEqual(["dockerode", "undici", "tar", "tar/lib/parse.js", "undici", "tar", "dockerode"]);
  });
});
