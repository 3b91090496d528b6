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

  it("calls a waiver unused when its check passed or was skipped, and not-run when its check was not selected", () => {
    const { states } = applyWaivers(
      [passed("IMG-A", "training#start.command"), skipped("IMG-B", "training#start.command", "n/a")],
      [
        { check: "IMG-A", reason: "r" },
        { check: "IMG-B", reason: "r" },
        { check: "IMG-C", reason: "r" },
        { check: "IMG-D", reason: "r", expires: "2000-01-01" },
      ],
      TODAY,
    );
    expect(states.map((s) => s.state)).toEqual(["unused", "unused", "not-run", "not-run"]);
  });

  it("does not fail a run on the expired waiver of a check it did not select", () => {
    const r = sampleReport([passed("IMG-A", "training#start.command")], { waivers: [{ check: "INF-READY", reason: "old", expires: "2000-01-01" }] });
    expect(r).toMatchObject({ exitCode: 0, summary: { expiredWaivers: 0 }, waivers: [{ check: "INF-READY", state: "not-run" }] });
    expect(schemaErrors(r)).toBeNull();
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
