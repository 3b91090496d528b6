import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { depth } from "./nesting.js";
import { type FuzzCase, caseArbitrary } from "../../../src/fuzz/cases.js";
import { type CaseResult, judge } from "../../../src/fuzz/oracle.js";
import { type FuzzTarget, StopSearch, caseAt, fuzz } from "../../../src/fuzz/run.js";
import type { HttpOutcome } from "../../../src/http/client.js";

const JSON_SAMPLE = { name: "sample.json", contentType: "application/json", body: Buffer.from('{"instances": [[0.3, 0.1], [0.4, 0.2]]}') };
const CSV_SAMPLE = { name: "sample.csv", contentType: "text/csv", body: Buffer.from("0.3,0.1\n0.4,0.2\n") };
const MAX = 6_291_456;
const LIMITS = { pingTimeoutMs: 2_000, invocationTimeoutMs: 60_000, knownHangTimeoutMs: 5_000, shrinkMaxMs: 60_000 };

const ok = (status: number, type = "application/json", body = "[1]"): HttpOutcome => ({ ok: true, status, headers: { "content-type": type }, body: Buffer.from(body), bodyOver: false, headersMs: 1, totalMs: 2 });
const PING = ok(200, "text/plain", "");


/** A server with planted bugs only particular inputs reach, as a pure function of the case. */
function planted(c: FuzzCase): CaseResult {
  const text = c.body.toString("utf8");
  if (c.body.length === 0) return { outcome: { ok: false, kind: "timeout", message: "no answer within 60 s", afterMs: 60_000 }, alive: true, ping: PING };
  if (/"[^"]*\n[^"]*"/.test(text)) return { outcome: { ok: false, kind: "closed", message: "the connection was closed without an answer", afterMs: 3 }, alive: false };
  if (depth(text) > 3) return { outcome: ok(500, "text/plain", "RecursionError"), alive: true, ping: PING };
  if (!c.headers["Content-Type"]) return { outcome: ok(415), alive: true, ping: PING };
  return { outcome: ok(c.malformed ? 400 : 200), alive: true, ping: PING };
}

const robust: FuzzTarget = { execute: async (c) => ({ outcome: ok(c.malformed ? 400 : 200), alive: true, ping: PING }) };
const plantedTarget: FuzzTarget = { execute: async (c) => planted(c) };
const both = caseArbitrary([JSON_SAMPLE, CSV_SAMPLE], { requestMaxBytes: MAX });

describe("caseArbitrary", () => {
  it("is repeatable from its seed", () => {
    const a = fc.sample(both, { seed: 7, numRuns: 30 }).map((c) => c.what);
    const b = fc.sample(both, { seed: 7, numRuns: 30 }).map((c) => c.what);
    expect(a).toEqual(b);
  });

  it("writes tokens JSON cannot hold into the text, not as strings", () => {
    const cases = fc.sample(caseArbitrary([JSON_SAMPLE], { requestMaxBytes: 4096 }), { seed: 1, numRuns: 1000 });
    const nan = cases.filter((c) => c.what.endsWith("replaced by NaN"));
    expect(nan.length).toBeGreaterThan(0);
    for (const c of nan) expect(c.body.toString()).toMatch(/(^|[[,:])NaN($|[\],}])/);
    expect(cases.some((c) => c.body.toString().includes("byoc-raw"))).toBe(false);
  });

  it("puts a quoted newline into a CSV field, and pads bodies to the limit and one byte under", () => {
    const cases = fc.sample(caseArbitrary([CSV_SAMPLE], { requestMaxBytes: MAX }), { seed: 3, numRuns: 600 });
    expect(cases.some((c) => /"[^"]*\n[^"]*"/.test(c.body.toString()))).toBe(true);
    const sizes = new Set(cases.filter((c) => c.family === "size").map((c) => c.body.length));
    expect(sizes).toEqual(new Set([MAX, MAX - 1]));
  });
});

describe("judge", () => {
  const c: FuzzCase = { what: "x", family: "json", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: Buffer.from("{"), malformed: true };
  it.each<[string, CaseResult, string | undefined]>([
    ["a dead container is a crash", { outcome: ok(200), alive: false }, "crash"],
    ["a reset mid-request is a crash", { outcome: { ok: false, kind: "reset", message: "reset", afterMs: 1 }, alive: true, ping: PING }, "crash"],
    ["no answer is a hang", { outcome: { ok: false, kind: "timeout", message: "t", afterMs: 60_000 }, alive: true, ping: PING }, "hang"],
    ["a body over 6 MiB", { outcome: { ...ok(200), bodyOver: true } as HttpOutcome, alive: true, ping: PING }, "oversize_response"],
    ["a slow /ping afterwards", { outcome: ok(400), alive: true, ping: { ...PING, totalMs: 2_500 } as HttpOutcome }, "ping_degraded"],
    ["a 5xx on a malformed request", { outcome: ok(503), alive: true, ping: PING }, "not_a_server_error"],
    ["a 2xx of another type than Accept allows", { outcome: ok(200, "text/csv"), alive: true, ping: PING }, "content_type_conformance"],
    ["a 4xx is fine", { outcome: ok(400), alive: true, ping: PING }, undefined],
  ])("%s", (_, r, kind) => {
    expect(judge(c, r, LIMITS)?.kind).toBe(kind);
  });

  it("a 5xx on a well-formed request is not this oracle's to judge", () => {
    expect(judge({ ...c, malformed: false }, { outcome: ok(500), alive: true, ping: PING }, LIMITS)).toBeUndefined();
  });
});

describe("fuzz", () => {
  it("finds each planted bug once, shrunk to a few bytes, within the default budget", async () => {
    const report = await fuzz(both, plantedTarget, { seed: 42, runs: 200 }, LIMITS);
    const byKind = new Map(report.found.map((f) => [f.failure.kind, f]));
    expect([...byKind.keys()].sort()).toEqual(["crash", "hang", "not_a_server_error"]);
    expect(byKind.get("hang")!.case.body.length).toBe(0);
    // Shrunk to a payload of a few bytes: a quoted newline, four empty arrays.
    expect(byKind.get("crash")!.case.body.length).toBeLessThanOrEqual(16);
    expect(byKind.get("not_a_server_error")!.case.body.toString()).toBe("[[[[]]]]");
    expect(report.casesGenerated).toBe(200);
  });

  it("replays a finding's case exactly from its seed and path", async () => {
    const report = await fuzz(both, plantedTarget, { seed: 42, runs: 200 }, LIMITS);
    for (const f of report.found) {
      const again = caseAt(both, f.seed, f.path);
      expect(again.body.equals(f.case.body)).toBe(true);
      expect(again.headers).toEqual(f.case.headers);
    }
  });

  it("finds nothing on a robust server over a large budget", async () => {
    const report = await fuzz(both, robust, { seed: 1, runs: 2000 }, LIMITS);
    expect(report.found).toEqual([]);
    expect(report.casesGenerated).toBe(2000);
    expect(report.stoppedBy).toBe("runs");
  });

  it("stops at the time limit", async () => {
    const slow: FuzzTarget = { execute: async (c, o) => (await new Promise((r) => setTimeout(r, 5)), robust.execute(c, o)) };
    const report = await fuzz(both, slow, { seed: 1, runs: 100_000, timeMs: 200 }, LIMITS);
    expect(report.stoppedBy).toBe("time");
    expect(report.casesGenerated).toBeLessThan(100);
  });
  it("gives up on later cases sooner once a hang is known, and waits the full timeout only while shrinking it", async () => {
    const waits: Array<{ empty: boolean; timeoutMs: number }> = [];
    const target: FuzzTarget = { execute: async (c, o) => (waits.push({ empty: c.body.length === 0, timeoutMs: o.timeoutMs }), planted(c)) };
    const report = await fuzz(both, target, { seed: 42, runs: 200 }, LIMITS);
    const hang = report.found.find((f) => f.failure.kind === "hang")!;
    expect(hang).toBeDefined();
    const firstHang = waits.findIndex((w) => w.empty);
    // Everything up to the first hang waited the full minute; the short wait appears only once a hang is known.
    expect(waits.slice(0, firstHang + 1).every((w) => w.timeoutMs === 60_000)).toBe(true);
    const short = waits.filter((w) => w.timeoutMs === 5_000);
    expect(short.length).toBeGreaterThan(waits.length / 2);
    expect(waits.findIndex((w) => w.timeoutMs === 5_000)).toBeGreaterThan(firstHang + hang.shrinkSteps);
  });

  it("ends the search when the target gives up, keeping what it found", async () => {
    let deaths = 0;
    const target: FuzzTarget = {
      execute: async (c) => {
        const r = planted(c);
        if (!r.alive && ++deaths > 3) throw new StopSearch("the server died 4 times");
        return r;
      },
    };
    const report = await fuzz(both, target, { seed: 42, runs: 200 }, LIMITS);
    expect(report.stoppedBy).toBe("target");
    expect(report.stopReason).toBe("the server died 4 times");
    expect(report.casesGenerated).toBeLessThan(200);
  });

  it("rethrows any other error from the target instead of shrinking it as a failure", async () => {
    const target: FuzzTarget = { execute: async () => { throw new Error("Docker went away"); } };
    await expect(fuzz(both, target, { seed: 1, runs: 10 }, LIMITS)).rejects.toThrow("Docker went away");
  });

  it("rethrows an error of its own inside the property instead of ending the search as if clean", async () => {
    const broken = fc.constant<FuzzCase>({ what: "x", family: "bytes", headers: {}, body: undefined as unknown as Buffer, malformed: true });
    await expect(fuzz(broken, robust, { seed: 1, runs: 10 }, LIMITS)).rejects.toThrow();
  });

  it("cuts shrinking short after shrinkMaxMs and says so", async () => {
    const slowPlanted: FuzzTarget = { execute: async (c) => (await new Promise((r) => setTimeout(r, 2)), planted(c)) };
    const report = await fuzz(both, slowPlanted, { seed: 42, runs: 200 }, { ...LIMITS, shrinkMaxMs: 0 });
    expect(report.found.length).toBeGreaterThan(0);
    expect(report.found.some((f) => f.shrinkCut)).toBe(true);
    for (const f of report.found) expect(f.shrinkSteps).toBeLessThanOrEqual(1);
  });
});
