import { UsageError } from "../errors.js";
import { type ClauseId, type Contract, type SpecView, contractOf } from "../spec/types.js";
import type { AnyCheck } from "./check.js";

export interface PlannedCheck {
  check: AnyCheck;
  /** The cited clauses that this run's contracts and spec version include, primary first. */
  clauses: [ClauseId, ...ClauseId[]];
}

/** The checks a run performs: those citing a clause of a selected contract that the chosen spec version has. */
export function planChecks(checks: readonly AnyCheck[], contracts: readonly Contract[], spec: SpecView): PlannedCheck[] {
  const planned: PlannedCheck[] = [];
  for (const check of checks) {
    if (check.deprecated) continue;
    const clauses = check.clauses.filter((c) => contracts.includes(contractOf(c)) && spec.hasClause(c));
    if (clauses.length > 0) planned.push({ check, clauses: clauses as [ClauseId, ...ClauseId[]] });
  }
  if (planned.length === 0) {
    throw new UsageError(
      `no check applies to contract${contracts.length > 1 ? "s" : ""} ${contracts.join(", ")} under spec ${spec.version}`,
      "byoc-check checks lists every check with its clauses",
    );
  }
  return planned;
}
