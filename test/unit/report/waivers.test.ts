import { describe, expect, it } from "vitest";
import { applyWaivers, isExpired } from "../../../src/report/waivers.js";
import { ARCH, ROOT, failed, passed, sampleReport, schemaErrors, skipped } from "./samples.js";

const TODAY = new Date("2026-06-15T23:59:59Z");

describe("applyWaivers", () => {
  it("excuses a failing check while the waiver is in force, through the whole of its last day (UTC)", () => {
    const results = [failed("IMG-USER-ROOT", "inference#user.root", "error", ROOT)];
    const { results: out, states } = applyWaivers(results, [{ check: "IMG-USER-ROOT", reason: "ticket 12", expires: "2026-06-15" }], TODAY);
    expect(out[0]!.waiver).toEqual({ reason: "ticket 12", expires: "2026-06-15" });
    expect(states).toEqual([{ check: "IMG-USER-ROOT", reason: "ticket 12", expires: "2026-06-15", state: "applied" }]);
    expect(results[0]!.waiver).toBeUndefined();
  });

  it("excuses nothing once the date has passed, and says the waiver expired", () => {
    const results = [failed("IMG-USER-ROOT", "inference#user.root", "error", ROOT)];
    const { results: out, states } = applyWaivers(results, [{ check: "IMG-USER-ROOT", reason: "ticket 12", expires: "2026-06-14" }], TODAY);
    expect(out[0]!.waiver).toBeUndefined();
    expect(states[0]!.state).toBe("expired");
  });

  it("calls a waiver unused when its check passed, was skipped or did not run", () => {
    const { states } = applyWaivers(
      [passed("IMG-A", "training#start.command"), skipped("IMG-B", "training#start.command", "n/a")],
      [
        { check: "IMG-A", reason: "r" },
        { check: "IMG-B", reason: "r" },
        { check: "IMG-C", reason: "r" },
      ],
      TODAY,
    );
    expect(states.map((s) => s.state)).toEqual(["unused", "unused", "unused"]);
  });

  it.each([
    [undefined, false],
    ["2026-06-15", false],
    ["2026-06-16", false],
    ["2026-06-14", true],
  ])("expires %s is expired on 2026-06-15: %s", (expires, expired) => {
    expect(isExpired(expires === undefined ? {} : { expires }, TODAY)).toBe(expired);
  });
});

describe("a report with waivers", () => {
  it("does not count a waived failure against the run, at any severity", () => {
    const r = sampleReport([failed("IMG-ARCH-INSTANCE", "inference#platform.architecture", "error", ARCH)], { waivers: [{ check: "IMG-ARCH-INSTANCE", reason: "arm64 build pending" }] });
    expect(r).toMatchObject({ conformant: true, exitCode: 0, summary: { fail: 1, waived: 1, blocking: 0, expiredWaivers: 0 } });
    expect(schemaErrors(r)).toBeNull();
  });

  it("fails the run on an expired waiver, even when its check passes", () => {
    const r = sampleReport([passed("IMG-ARCH-INSTANCE", "inference#platform.architecture")], { waivers: [{ check: "IMG-ARCH-INSTANCE", reason: "old", expires: "2025-01-01" }] });
    expect(r).toMatchObject({ conformant: false, exitCode: 1, summary: { blocking: 0, expiredWaivers: 1 } });
    expect(schemaErrors(r)).toBeNull();
  });

  it("lets the check whose waiver expired block the run again", () => {
    const r = sampleReport([failed("IMG-ARCH-INSTANCE", "inference#platform.architecture", "error", ARCH)], { waivers: [{ check: "IMG-ARCH-INSTANCE", reason: "old", expires: "2025-01-01" }] });
    expect(r).toMatchObject({ exitCode: 1, summary: { blocking: 1, waived: 0, expiredWaivers: 1 } });
  });
});
