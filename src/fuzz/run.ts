// The fuzz loop: a fast-check property over the cases, run against a live server. Each distinct failure (kind and
// status) is shrunk to the smallest case that still fails the same way, then set aside so that the search goes on for
// the next; every finding keeps the seed and the fast-check path that replay exactly its case.
import fc from "fast-check";
import type { FuzzCase } from "./cases.js";
import { type CaseResult, type Failure, type OracleLimits, failureKey, judge } from "./oracle.js";

/** What the fuzzer needs from the server under test. */
export interface FuzzTarget {
  /** Sends one case (restarting the server first if it died) and says what happened. */
  execute(c: FuzzCase): Promise<CaseResult>;
}

export interface FuzzBudget {
  seed: number;
  /** Cases generated, shrinking steps not counted. */
  runs: number;
  /** Wall-clock limit for the whole search, shrinking included. */
  timeMs?: number;
}

export interface Found {
  failure: Failure;
  /** The shrunk case, and what it got. */
  case: FuzzCase;
  result: CaseResult;
  /** Replays exactly this case: `--seed seed --replay path`. */
  seed: number;
  path: string;
  /** Cases tried while shrinking. */
  shrinkSteps: number;
}

export interface FuzzReport {
  found: Found[];
  /** Every case sent, shrinking included. */
  casesSent: number;
  /** Cases generated (what --fuzz-runs counts). */
  casesGenerated: number;
  elapsedMs: number;
  stoppedBy: "runs" | "time" | "done";
}

/** The seed of the n-th search: the first uses the run's seed, so `--seed N` alone reproduces the first finding. */
export function searchSeed(seed: number, n: number): number {
  return (seed + n * 0x9e3779b1) | 0;
}

export async function fuzz(arb: fc.Arbitrary<FuzzCase>, target: FuzzTarget, budget: FuzzBudget, limits: OracleLimits): Promise<FuzzReport> {
  const t0 = performance.now();
  const known = new Set<string>();
  const found: Found[] = [];
  let sent = 0;
  let generated = 0;
  let stoppedBy: FuzzReport["stoppedBy"] = "done";
  for (let n = 0; generated < budget.runs; n++) {
    const left = budget.timeMs === undefined ? undefined : budget.timeMs - (performance.now() - t0);
    if (left !== undefined && left <= 0) {
      stoppedBy = "time";
      break;
    }
    const seed = searchSeed(budget.seed, n);
    // The failure this search hunts: the first new one it meets, kept through shrinking so a smaller case that fails
    // some other way does not take its place.
    let hunting: string | undefined;
    let last: { failure: Failure; case: FuzzCase; result: CaseResult } | undefined;
    let shrinking = false;
    let shrinkSteps = 0;
    const property = fc.asyncProperty(arb, async (c) => {
      sent++;
      if (shrinking) shrinkSteps++;
      else generated++;
      const result = await target.execute(c);
      const failure = judge(c, result, limits);
      if (!failure) return true;
      const key = failureKey(failure);
      if (known.has(key)) return true;
      if (hunting === undefined) {
        hunting = key;
        shrinking = true;
      }
      if (key !== hunting) return true;
      last = { failure, case: c, result };
      return false;
    });
    const out = await fc.check(property, {
      seed,
      numRuns: budget.runs - generated,
      ...(left !== undefined ? { interruptAfterTimeLimit: left, markInterruptAsFailure: false } : {}),
    });
    if (out.failed && last && out.counterexamplePath) {
      known.add(hunting!);
      found.push({ ...last, seed, path: out.counterexamplePath, shrinkSteps });
      continue;
    }
    stoppedBy = out.interrupted ? "time" : generated >= budget.runs ? "runs" : "done";
    break;
  }
  if (stoppedBy === "done" && generated >= budget.runs) stoppedBy = "runs";
  return { found, casesSent: sent, casesGenerated: generated, elapsedMs: performance.now() - t0, stoppedBy };
}

/** The case at `path` of the search seeded `seed`: what `--seed N --replay PATH` sends again. */
export async function caseAt(arb: fc.Arbitrary<FuzzCase>, seed: number, path: string): Promise<FuzzCase> {
  let got: FuzzCase | undefined;
  await fc.check(
    fc.property(arb, (c) => {
      got = c;
      return false;
    }),
    { seed, path, numRuns: 1, endOnFailure: true },
  );
  if (!got) throw new Error(`no case at path ${path} for seed ${seed}`);
  return got;
}
