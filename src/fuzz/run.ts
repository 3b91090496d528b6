// The fuzz loop: a fast-check property over the cases, run against a live server. Each distinct failure (kind and
// status) is shrunk to the smallest case that still fails the same way, then set aside so that the search goes on for
// the next; every finding keeps the seed and the fast-check path that replay exactly its case.
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { FuzzCase } from "./cases.js";
import { type CaseResult, type Failure, type OracleLimits, failureKey, judge } from "./oracle.js";

/** What the fuzzer needs from the server under test. */
export interface FuzzTarget {
  /** Sends one case (restarting the server first if it died) and says what happened, waiting at most `timeoutMs`. */
  execute(c: FuzzCase, options: { timeoutMs: number }): Promise<CaseResult>;
}

/** Thrown by a target that cannot go on (a server that keeps dying): the search ends with what it found so far. */
export class StopSearch extends Error {}

export interface FuzzLimits extends OracleLimits {
  /** A hang is no answer within this (InvokeEndpoint's 60 s). */
  invocationTimeoutMs: number;
  /**
   * Once a hang is known, later cases are given up on after this: a second hang is the same finding, and the search
   * must not pay a full minute for each. Shrinking the hang itself still waits the full timeout.
   */
  knownHangTimeoutMs: number;
  /** Time spent shrinking one failure; past it, the smallest case so far is reported. */
  shrinkMaxMs: number;
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
  /** Shrinking ran out of time (shrinkMaxMs): a smaller case may still fail the same way. */
  shrinkCut: boolean;
}

export interface FuzzReport {
  found: Found[];
  /** Every case sent, shrinking included. */
  casesSent: number;
  /** Cases generated (what --fuzz-runs counts). */
  casesGenerated: number;
  elapsedMs: number;
  stoppedBy: "runs" | "time" | "done" | "target";
  /** Why the target stopped the search early (stoppedBy "target"). */
  stopReason?: string;
}

/** The seed of the n-th search: the first uses the run's seed, so `--seed N` alone reproduces the first finding. */
export function searchSeed(seed: number, n: number): number {
  return (seed + Math.imul(n, 0x9e3779b1)) >>> 0;
}

/** Failures that cost seconds each (a restart, a full timeout, a health check left to recover): not paid twice. */
const COSTLY: ReadonlySet<string> = new Set(["crash", "hang", "ping_degraded"]);
const REMEMBERED_MAX = 10_000;

/** Digests of big bodies, by Buffer: the 6 MiB size cases share theirs, and hashing one costs milliseconds. */
const bodyDigests = new WeakMap<Buffer, string>();
const BIG_BODY = 64 * 1024;

/** The identity of a request: the same headers and body get the same verdict from a deterministic server. */
function caseKey(c: FuzzCase): string {
  let body = c.body.length >= BIG_BODY ? bodyDigests.get(c.body) : undefined;
  if (body === undefined) {
    body = createHash("sha256").update(c.body).digest("hex");
    if (c.body.length >= BIG_BODY) bodyDigests.set(c.body, body);
  }
  return createHash("sha256").update(JSON.stringify([c.headers, c.chunked === true, body])).digest("hex");
}

export async function fuzz(arb: fc.Arbitrary<FuzzCase>, target: FuzzTarget, budget: FuzzBudget, limits: FuzzLimits): Promise<FuzzReport> {
  const t0 = performance.now();
  const known = new Set<string>();
  const found: Found[] = [];
  let sent = 0;
  let generated = 0;
  // Requests that failed in a costly way, by identity: fast-check draws the same small case (an empty body) often.
  const remembered = new Map<string, { failure: Failure; result: CaseResult }>();
  let stoppedBy: FuzzReport["stoppedBy"] = "done";
  // Set when the target gives up (StopSearch) or fails outright: every case after it passes unsent, so fast-check
  // ends quickly, and the loop below stops (or rethrows). An error thrown inside the property would be shrunk instead.
  let halted: { stop: string } | { error: unknown } | undefined;
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
    let shrinkingSince: number | undefined;
    let shrinkSteps = 0;
    let shrinkCut = false;
    // The request in flight: fast-check stops waiting for it when the time is up, but it is not cancelled; the search
    // waits for it (bounded by its own timeout) so nothing of it runs on after fuzz() returns.
    let inFlight: Promise<unknown> | undefined;
    const step = async (c: FuzzCase): Promise<boolean> => {
      if (halted) return true;
      if (shrinkingSince !== undefined) {
        if (performance.now() - shrinkingSince > limits.shrinkMaxMs) {
          shrinkCut = true;
          return true;
        }
        shrinkSteps++;
      } else {
        generated++;
      }
      const id = caseKey(c);
      const before = remembered.get(id);
      if (before) {
        const key = failureKey(before.failure);
        // Known, or another failure than the one being shrunk: not worth a restart or a full timeout again.
        if (known.has(key) || (hunting !== undefined && key !== hunting)) return true;
        hunting = key;
        shrinkingSince ??= performance.now();
        last = { ...before, case: c };
        return false;
      }
      sent++;
      const timeoutMs = hunting === undefined && known.has("hang") ? limits.knownHangTimeoutMs : limits.invocationTimeoutMs;
      let result: CaseResult;
      try {
        const p = target.execute(c, { timeoutMs });
        inFlight = p.catch(() => undefined);
        result = await p;
      } catch (e) {
        halted = e instanceof StopSearch ? { stop: e.message } : { error: e };
        return true;
      }
      const failure = judge(c, result, limits);
      if (!failure) return true;
      if (COSTLY.has(failure.kind) && remembered.size < REMEMBERED_MAX) remembered.set(id, { failure, result });
      const key = failureKey(failure);
      if (known.has(key)) return true;
      if (hunting === undefined) {
        hunting = key;
        shrinkingSince = performance.now();
      }
      if (key !== hunting) return true;
      last = { failure, case: c, result };
      return false;
    };
    // Anything thrown in here is byoc-check's error, not a failing case: fast-check would shrink it and the search
    // would end as if clean. It stops the search and is rethrown instead.
    const property = fc.asyncProperty(arb, async (c) => {
      try {
        return await step(c);
      } catch (e) {
        halted ??= { error: e };
        return true;
      }
    });
    const out = await fc.check(property, {
      seed,
      numRuns: budget.runs - generated,
      ...(left !== undefined ? { interruptAfterTimeLimit: left, markInterruptAsFailure: false } : {}),
    });
    await inFlight;
    if (out.interrupted && shrinkingSince !== undefined) shrinkCut = true;
    if (out.failed && !last && !halted) throw new Error(`the fuzzer failed: ${String((out as { errorInstance?: unknown }).errorInstance ?? "no counterexample")}`);
    if (halted && "error" in halted) throw halted.error;
    if (out.failed && last && out.counterexamplePath) {
      known.add(hunting!);
      found.push({ ...last, seed, path: out.counterexamplePath, shrinkSteps, shrinkCut });
      if (halted) break;
      continue;
    }
    if (halted) break;
    stoppedBy = out.interrupted ? "time" : generated >= budget.runs ? "runs" : "done";
    break;
  }
  if (halted && "stop" in halted) return { found, casesSent: sent, casesGenerated: generated, elapsedMs: performance.now() - t0, stoppedBy: "target", stopReason: halted.stop };
  if (stoppedBy === "done" && generated >= budget.runs) stoppedBy = "runs";
  return { found, casesSent: sent, casesGenerated: generated, elapsedMs: performance.now() - t0, stoppedBy };
}

/** The case at `path` of the search seeded `seed`: what `--seed N --replay PATH` sends again. Throws for a path that search never had. */
export function caseAt(arb: fc.Arbitrary<FuzzCase>, seed: number, path: string): FuzzCase {
  let got: FuzzCase | undefined;
  try {
    fc.check(
      fc.property(arb, (c) => {
        got = c;
        return false;
      }),
      { seed, path, numRuns: 1, endOnFailure: true },
    );
  } catch {
    got = undefined;
  }
  if (!got) throw new Error(`no case at path ${path} for seed ${seed}`);
  return got;
}
