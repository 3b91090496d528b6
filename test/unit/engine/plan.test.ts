import { describe, expect, it } from "vitest";
import { CHECKS } from "../../../conformance/index.js";
import { type AnyCheck, defineImageCheck, pass } from "../../../src/engine/check.js";
import { planChecks } from "../../../src/engine/plan.js";
import { UsageError } from "../../../src/errors.js";
import { loadSpec } from "../../../src/spec/load.js";
import { CONTRACTS, type ClauseId, type Contract, contractOf } from "../../../src/spec/types.js";

const spec = loadSpec();

function check(id: string, clauses: [ClauseId, ...ClauseId[]], extra: { deprecated?: true } = {}): AnyCheck {
  return defineImageCheck({
    id,
    clauses,
    severity: "error",
    title: `${id} title`,
    rationale: "test",
    fix: "test",
    needs: {},
    run: () => pass(),
    ...extra,
  });
}

const TRAIN = check("T-ONLY", ["training#start.command"]);
const SERVE = check("I-ONLY", ["inference#start.command"]);
const ALL = check("ALL", ["training#start.exec-form", "inference#start.exec-form", "processing#start.exec-form"]);

describe("planChecks", () => {
  it.each<[Contract[], string[]]>([
    [["training"], ["T-ONLY", "ALL"]],
    [["inference"], ["I-ONLY", "ALL"]],
    [["processing"], ["ALL"]],
    [["training", "inference", "processing"], ["T-ONLY", "I-ONLY", "ALL"]],
  ])("for %j plans %j, in the given order", (contracts, ids) => {
    expect(planChecks([TRAIN, SERVE, ALL], contracts, spec).map((p) => p.check.id)).toEqual(ids);
  });

  it("keeps only the clauses of the selected contracts, primary first", () => {
    expect(planChecks([ALL], ["inference", "processing"], spec)[0]!.clauses).toEqual(["inference#start.exec-form", "processing#start.exec-form"]);
    expect(planChecks([ALL], ["processing"], spec)[0]!.clauses).toEqual(["processing#start.exec-form"]);
  });

  it("drops clauses the spec version does not have", () => {
    const partly = check("PARTLY", ["training#no.such-clause", "training#start.command"]);
    const none = check("NONE", ["training#no.such-clause"]);
    const planned = planChecks([partly, none, TRAIN], ["training"], spec);
    expect(planned.map((p) => p.check.id)).toEqual(["PARTLY", "T-ONLY"]);
    expect(planned[0]!.clauses).toEqual(["training#start.command"]);
  });

  it("skips deprecated checks", () => {
    const old = check("OLD", ["training#start.command"], { deprecated: true });
    expect(planChecks([old, TRAIN], ["training"], spec).map((p) => p.check.id)).toEqual(["T-ONLY"]);
  });

  it("keeps the check object itself", () => {
    expect(planChecks([TRAIN], ["training"], spec)[0]!.check).toBe(TRAIN);
  });

  it.each<[string, AnyCheck[], Contract[], RegExp]>([
    ["no checks at all", [], ["training"], /no check applies to contract training under spec 1\.0/],
    ["none for the contract", [TRAIN], ["processing"], /no check applies to contract processing/],
    ["only deprecated ones", [check("OLD", ["training#start.command"], { deprecated: true })], ["training"], /contract training/],
    ["none in the spec", [check("NONE", ["inference#no.such-clause"])], ["training", "inference"], /contracts training, inference/],
  ])("throws a UsageError when it plans zero checks: %s", (_what, checks, contracts, message) => {
    let error: unknown;
    try {
      planChecks(checks, contracts, spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect((error as UsageError).hint).toContain("byoc-check checks");
  });

  it.each(CONTRACTS)("plans, for %s, every registered check that cites it", (contract) => {
    const planned = planChecks(CHECKS, [contract], spec);
    const expected = CHECKS.filter((c) => !c.deprecated && c.clauses.some((id) => contractOf(id) === contract)).map((c) => c.id);
    expect(planned.map((p) => p.check.id)).toEqual(expected);
    for (const p of planned) for (const id of p.clauses) expect(contractOf(id)).toBe(contract);
  });
});
