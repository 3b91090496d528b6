import { describe, expect, it } from "vitest";
import { readFixtures } from "../support/fixtures.js";
import { NOTHING_LEFT, leftovers, runCli, runFixture } from "./helpers.js";

describe.each(readFixtures().filter((f) => f.data.test === undefined).map((f) => [f.name, f.data] as const))("fixture %s", (name, expected) => {
  it.each(expected.runs.map((run, i) => ({ ...run, label: run.name ?? `run ${i + 1}` })))("$label: byoc-check $args", async (run) => {
    await runFixture(name, run);
  });
});

describe("the text report", () => {
  it("names each failing check, what was seen and what to change", async () => {
    const r = await runCli(["byoc-check-fixture/shell-entrypoint:latest"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL  IMG-ENTRYPOINT-EXEC /m);
    expect(r.stdout).toContain('seen   ["/bin/sh","-c","/opt/program/entry.sh"]');
    expect(r.stdout).toContain('fix    Write ENTRYPOINT ["/opt/program/entry.sh"] (exec form).');
    expect(r.stdout).toContain("NOT conformant: IMG-ENTRYPOINT-EXEC, IMG-TRAIN-REACHABLE, IMG-SERVE-REACHABLE");
    expect(r.stdout).not.toMatch(/\u001b\[/); // NO_COLOR
  });

  it("says conformant for the reference image and exits 0", async () => {
    const r = await runCli(["byoc-check-fixture/reference:latest"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("conformant at --fail-on error");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("never prints a credential it found, in either format", async () => {
    const secrets = ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"];
    for (const format of ["text", "json"]) {
      const r = await runCli(["--format", format, "byoc-check-fixture/env-credentials:latest"]);
      expect(r.code).toBe(1);
      for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
    }
  });
});
