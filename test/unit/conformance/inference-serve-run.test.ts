import { describe, expect, it } from "vitest";
import { answered, formatPercentiles, ms, percentiles, satisfiesAccept } from "../../../conformance/serve-run.js";
import type { HttpOutcome } from "../../../src/http/client.js";

describe("satisfiesAccept", () => {
  it.each([
    ["application/json", "application/json"],
    ["application/json; charset=utf-8", "application/json"],
    ["Application/JSON", "application/json"],
    ["application/json", "APPLICATION/JSON"],
    ["text/csv", "application/json, text/csv"],
    ["text/csv", "application/json,text/csv;q=0.5"],
    ["text/csv", "text/*"],
    ["image/png", "*/*"],
    ["application/json", "application/json;q=1.0"],
    ["text/csv;charset=utf-8", "text/csv;charset=utf-8"],
  ])("%s satisfies %s", (type, accept) => {
    expect(satisfiesAccept(type, accept)).toBe(true);
  });

  it.each([
    ["text/csv", "application/json"],
    ["application/jsonlines", "application/json"],
    ["application/json", "text/*"],
    ["application/json", "application/json;q=0"],
    ["application/json", "application/json; q=0.0, text/csv"],
    ["text/csv", "text/*;q=0"],
    ["application/json", ""],
  ])("%s does not satisfy %s", (type, accept) => {
    expect(satisfiesAccept(type, accept)).toBe(false);
  });

  it("lets an explicit q=0 exclude a type that */* would allow", () => {
    expect(satisfiesAccept("application/json", "application/json;q=0, */*")).toBe(false);
  });
});

describe("percentiles", () => {
  it("is undefined for no values", () => {
    expect(percentiles([])).toBeUndefined();
  });

  it("takes the nearest rank, whatever the order given", () => {
    expect(percentiles([10, 1, 9, 2, 8, 3, 7, 4, 6, 5])).toEqual({ n: 10, p50: 5, p95: 10, max: 10 });
    expect(percentiles([42])).toEqual({ n: 1, p50: 42, p95: 42, max: 42 });
    expect(percentiles([3, 1])).toEqual({ n: 2, p50: 1, p95: 3, max: 3 });
  });

  it("reads p95 of a hundred values as the 95th", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ n: 100, p50: 50, p95: 95, max: 100 });
  });

  it("leaves its input as it was", () => {
    const values = [3, 1, 2];
    percentiles(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it("formats in ms under a second, in seconds above", () => {
    expect(formatPercentiles({ n: 20, p50: 3.4, p95: 12.6, max: 1_500 })).toBe("p50 3 ms, p95 13 ms, max 1.5 s over 20");
    expect(ms(999.4)).toBe("999 ms");
    expect(ms(12_345)).toBe("12 s");
  });
});

describe("answered", () => {
  const base = { headers: {}, body: Buffer.alloc(0), headersMs: 1 };
  it.each<[HttpOutcome, string]>([
    [{ ok: true, status: 500, bodyOver: false, totalMs: 12, ...base }, "HTTP 500 after 12 ms"],
    [{ ok: true, status: 200, bodyOver: true, totalMs: 2_500, ...base }, "HTTP 200 with a body over the limit after 2.5 s"],
    [{ ok: false, kind: "reset", message: "the connection was reset", afterMs: 3_000 }, "the connection was reset after 3.0 s"],
    [{ ok: false, kind: "timeout", message: "no answer within 60 s", afterMs: 60_000 }, "no answer within 60 s"],
  ])("says %j as %s", (o, text) => {
    expect(answered(o)).toBe(text);
  });
});
