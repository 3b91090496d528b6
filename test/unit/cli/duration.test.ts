import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../../src/cli/duration.js";
import { UsageError } from "../../../src/errors.js";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["10m", 600_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["1.5h", 5_400_000],
    ["2m30s", 150_000],
    [" 45s ", 45_000],
  ])("%j is %i ms", (text, ms) => {
    expect(parseDuration(text, "--timeout")).toBe(ms);
  });

  it.each(["", "10", "10x", "m", "-5s", "0s", "0ms", "1h 30m", "s10", "1.5"])("rejects %j", (text) => {
    expect(() => parseDuration(text, "--timeout")).toThrow(UsageError);
  });

  it("names the flag and the value, and hints at the syntax", () => {
    let error: unknown;
    try {
      parseDuration("10x", "--timeout");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain("--timeout");
    expect((error as UsageError).message).toContain("10x");
    expect((error as UsageError).hint).toMatch(/90s|10m/);
  });
});

describe("formatDuration", () => {
  it.each([
    [3_600_000, "1h"],
    [7_200_000, "2h"],
    [600_000, "10m"],
    [5_400_000, "90m"],
    [90_000, "90s"],
    [1000, "1s"],
    [500, "500ms"],
    [1500, "1500ms"],
  ])("%i ms is %j", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([1, 500, 1000, 1500, 59_000, 60_000, 90_000, 600_000, 3_600_000, 5_400_000, 86_400_000])(
    "round-trips %i ms through parseDuration",
    (ms) => {
      expect(parseDuration(formatDuration(ms), "--timeout")).toBe(ms);
    },
  );
});
