import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SpecError } from "../../../src/errors.js";
import { PACKAGE_ROOT, SPECS_DIR } from "../../../src/paths.js";
import { listSpecVersions, loadSpec } from "../../../src/spec/load.js";
import { CONTRACTS, type ClauseId, type Contract, type ContractSpec } from "../../../src/spec/types.js";
import { toBytes, toMs } from "../../../src/spec/units.js";

const spec = loadSpec();

describe("the bundled specs", () => {
  it("loads the newest version by default", () => {
    const versions = listSpecVersions();
    expect(versions).toContain("1.0");
    expect(spec.version).toBe(versions[versions.length - 1]);
  });

  it("loads version 1.0 by name", () => {
    expect(loadSpec({ version: "1.0" }).version).toBe("1.0");
  });

  it.each(CONTRACTS)("has the %s contract at the loaded version, with clauses", (contract) => {
    const c = spec.contracts[contract];
    expect(c.contract).toBe(contract);
    expect(c.specVersion).toBe(spec.version);
    expect(c.title.length).toBeGreaterThan(0);
    expect(c.clauses.length).toBeGreaterThan(0);
  });

  it("indexes clauses by full id", () => {
    expect(spec.hasClause("inference#ping.timeout")).toBe(true);
    expect(spec.hasClause("training#ping.timeout")).toBe(false);
    expect(spec.hasClause("ping.timeout")).toBe(false);
    expect(spec.hasClause("inference#no.such-clause")).toBe(false);
    expect(spec.clause("training#start.exec-form")).toMatchObject({ id: "start.exec-form", level: "must" });
    expect(() => spec.clause("inference#no.such-clause")).toThrow(/no clause inference#no\.such-clause/);
  });

  it("every clause is reachable through clause() under its contract", () => {
    for (const contract of CONTRACTS) {
      for (const c of spec.contracts[contract].clauses) expect(spec.clause(`${contract}#${c.id}`)).toBe(c);
    }
  });

  it("limit() returns a named limit and throws for an unknown name", () => {
    expect(spec.limit("inference#ping.timeout", "timeout")).toMatchObject({ value: 2, unit: "s" });
    expect(() => spec.limit("inference#ping.timeout", "nope")).toThrow(/no limit "nope"/);
    expect(() => spec.limit("inference#start.command", "timeout")).toThrow(/no limit "timeout"/);
  });

  it.each<[ClauseId, string, number]>([
    ["inference#ping.timeout", "timeout", 2_000],
    ["inference#ping.startup-window", "platformDefault", 8 * 60_000],
    ["inference#ping.startup-window", "configurableMin", 60_000],
    ["inference#ping.startup-window", "configurableMax", 3_600_000],
    ["inference#ping.startup-window", "gate", 60_000],
    ["inference#http.accept", "deadline", 250],
    ["inference#invocations.timeout", "timeout", 60_000],
    ["inference#stop.sigterm", "grace", 30_000],
    ["training#stop.sigterm", "grace", 120_000],
  ])("%s %s is %i ms", (id, name, ms) => {
    expect(toMs(spec.limit(id, name))).toBe(ms);
  });

  it.each<[ClauseId, string, number]>([
    ["inference#invocations.payload", "requestMax", 6_291_456],
    ["inference#invocations.payload", "responseMax", 6_291_456],
    ["processing#output.message", "readBytes", 1024],
  ])("%s %s is %i bytes", (id, name, bytes) => {
    expect(toBytes(spec.limit(id, name))).toBe(bytes);
  });

  it.each<[ClauseId, string, number, string]>([
    ["training#output.failure", "reasonChars", 1024, "chars"],
    ["training#config.hyperparameters", "maxEntries", 100, "items"],
  ])("%s %s is %i %s", (id, name, value, unit) => {
    expect(spec.limit(id, name)).toMatchObject({ value, unit });
  });

  it("a clause with a conflict follows one of its recorded positions", () => {
    let conflicts = 0;
    for (const contract of CONTRACTS) {
      for (const c of spec.contracts[contract].clauses) {
        if (!c.conflict) continue;
        conflicts++;
        expect(c.conflict.positions.map((p) => p.ref), `${contract}#${c.id}`).toContain(c.conflict.follows);
      }
    }
    expect(conflicts).toBeGreaterThan(0);
  });

  it("clause ids are unique within each contract", () => {
    for (const contract of CONTRACTS) {
      const ids = spec.contracts[contract].clauses.map((c) => c.id);
      expect(new Set(ids).size, contract).toBe(ids.length);
    }
  });
});

describe("spec errors", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function copy(): string {
    const dir = mkdtempSync(join(tmpdir(), "unit-spec-"));
    dirs.push(dir);
    cpSync(SPECS_DIR, dir, { recursive: true });
    return dir;
  }
  const fileOf = (dir: string, contract: Contract, version = "1.0") => join(dir, "sagemaker", contract, `${version}.json`);
  const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as ContractSpec;
  const write = (file: string, data: unknown) => writeFileSync(file, JSON.stringify(data, null, 2));

  function specError(load: () => unknown): SpecError {
    try {
      load();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      return e as SpecError;
    }
    throw new Error("expected a SpecError");
  }

  it("a copy of the bundled specs loads", () => {
    expect(loadSpec({ specsDir: copy() }).version).toBe(spec.version);
  });

  it("invalid JSON names the file", () => {
    const dir = copy();
    const file = fileOf(dir, "training");
    writeFileSync(file, '{ "specVersion": "1.0", ');
    const e = specError(() => loadSpec({ specsDir: dir }));
    expect(e.message).toContain(file);
    expect(e.message).toContain("is not valid JSON");
    expect(e.kind).toBe("spec");
  });

  it("a schema fault names the file, the ajv instance path and the clause", () => {
    const dir = copy();
    const file = fileOf(dir, "inference");
    const data = read(file);
    const i = data.clauses.findIndex((c) => c.id === "http.accept");
    data.clauses[i]!.limits!.deadline!.unit = "msec" as never;
    write(file, data);
    const e = specError(() => loadSpec({ specsDir: dir }));
    expect(e.message).toContain(file);
    expect(e.message).toContain(`/clauses/${i}/limits/deadline/unit`);
    expect(e.message).toContain('clause "http.accept"');
    expect(e.hint).toBeDefined();
  });

  it("an unexpected property is named", () => {
    const dir = copy();
    const file = fileOf(dir, "processing");
    write(file, { ...read(file), extra: 1 });
    expect(specError(() => loadSpec({ specsDir: dir })).message).toMatch(/unexpected property "extra"/);
  });

  it("a duplicate clause id", () => {
    const dir = copy();
    const file = fileOf(dir, "training");
    const data = read(file);
    data.clauses.push({ ...data.clauses[0]! });
    write(file, data);
    const e = specError(() => loadSpec({ specsDir: dir }));
    expect(e.message).toContain(file);
    expect(e.message).toContain(`/clauses/${data.clauses.length - 1}/id "${data.clauses[0]!.id}" is a duplicate`);
  });

  it("a contract field that does not match the directory", () => {
    const dir = copy();
    const file = fileOf(dir, "training");
    write(file, { ...read(file), contract: "inference" });
    const e = specError(() => loadSpec({ specsDir: dir }));
    expect(e.message).toContain(file);
    expect(e.message).toContain('/contract is "inference" but the file sits under training/');
  });

  it("a specVersion that does not match the file name", () => {
    const dir = copy();
    for (const c of CONTRACTS) cpSync(fileOf(dir, c), fileOf(dir, c, "1.1"));
    const e = specError(() => loadSpec({ specsDir: dir }));
    expect(e.message).toContain('/specVersion is "1.0" but the file is named 1.1.json');
  });

  it("a version present for only some contracts", () => {
    const dir = copy();
    const file = fileOf(dir, "training", "1.1");
    write(file, { ...read(fileOf(dir, "training")), specVersion: "1.1" });
    const e = specError(() => listSpecVersions(dir));
    expect(e.message).toBe("spec 1.1 has no file for inference, processing");
    expect(e.hint).toContain("sagemaker/inference/1.1.json");
    expect(() => loadSpec({ specsDir: dir })).toThrow(SpecError);
  });

  it("a contract directory missing altogether", () => {
    const dir = copy();
    rmSync(join(dir, "sagemaker", "processing"), { recursive: true });
    expect(specError(() => loadSpec({ specsDir: dir })).message).toContain("no specs for the processing contract");
  });

  it("an unknown --spec version lists the available ones in the hint", () => {
    const e = specError(() => loadSpec({ version: "9.9" }));
    expect(e.message).toBe('unknown spec version "9.9"');
    expect(e.hint).toContain(`available: ${listSpecVersions().join(", ")}`);
  });

  it("picks the newest version numerically (1.10 after 1.9)", () => {
    const dir = copy();
    for (const v of ["1.9", "1.10"]) {
      for (const c of CONTRACTS) write(fileOf(dir, c, v), { ...read(fileOf(dir, c)), specVersion: v });
    }
    expect(listSpecVersions(dir)).toEqual(["1.0", "1.9", "1.10"]);
    expect(loadSpec({ specsDir: dir }).version).toBe("1.10");
    expect(loadSpec({ specsDir: dir, version: "1.9" }).version).toBe("1.9");
  });

  it("leaves the bundled specs alone", () => {
    expect(SPECS_DIR).toBe(join(PACKAGE_ROOT, "specs"));
    expect(loadSpec().version).toBe(spec.version);
  });
});
