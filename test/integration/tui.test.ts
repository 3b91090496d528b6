import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EngineEvent } from "../../src/engine/events.js";
import type { CheckResult, Report } from "../../src/report/model.js";
import { BAKED_MODEL, SCENARIOS, SHELL_FORM, passed, sampleReport } from "../unit/report/samples.js";
import { CLI, NOTHING_LEFT, ROOT, leftovers } from "./helpers.js";
import type { DemoScript, DemoStep } from "./tui-demo.js";
import { TmuxTerminal, hasTmux } from "./tui-terminal.js";

// The driver runs the built UI (dist/) with the Node that runs the tests; the global setup builds dist/.
const DEMO = join(ROOT, "test", "integration", "tui-demo.ts");
const BUILT = join(ROOT, "dist", "src", "report", "tui", "index.js");

const TRAINING: CheckResult = { ...passed("TRN-SUCCESS-EXIT", "training#start.command"), title: "the training job exits 0 when it succeeds", durationMs: 3400 };

/** The failing sample with a training check after it, whose job the run shows starting and exiting. */
function failingRun(): { report: Report; steps: DemoStep[] } {
  const results = [...SCENARIOS.failing!().results, TRAINING];
  const report = sampleReport(results, { instances: ["ml.c7g.xlarge"] });
  const ev = (event: EngineEvent): DemoStep => ({ event });
  const steps: DemoStep[] = [
    ev({ type: "run-started", image: report.image, checks: results.map((r) => ({ id: r.id, title: r.title, severity: r.severity, group: r.id.startsWith("TRN") ? "training" : "image" })) }),
  ];
  for (const r of results.slice(0, -1)) steps.push(ev({ type: "check-started", id: r.id }), ev({ type: "check-finished", result: r }));
  steps.push(
    ev({ type: "check-started", id: TRAINING.id }),
    ev({ type: "sandbox", checkId: TRAINING.id, event: { type: "container-started", sandbox: "training", scenario: "success", what: "docker run IMAGE train" } }),
    { gate: "running-seen" },
    ev({ type: "sandbox", checkId: TRAINING.id, event: { type: "container-exited", sandbox: "training", scenario: "success", exitCode: 0, durationMs: 3200 } }),
    ev({ type: "check-finished", result: TRAINING }),
    ev({ type: "run-finished", results }),
  );
  return { report, steps };
}

const flat = (s: string) => s.replace(/\s+/g, " ");

let term: TmuxTerminal | undefined;

function start(script: DemoScript, o: { columns?: number; rows?: number; stdinFrom?: string } = {}): TmuxTerminal {
  term = TmuxTerminal.start([process.execPath, DEMO, "script.json"], { ...o, files: { "script.json": JSON.stringify(script) } });
  return term;
}

beforeAll(() => {
  if (!hasTmux()) throw new Error("the terminal report's tests need tmux: apt-get install tmux");
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first`);
});

afterEach(() => {
  term?.kill();
  term = undefined;
});

describe("the terminal report in a real terminal (tmux)", () => {
  it("shows the run live, then lets the user browse, open, filter and quit with the report's exit code", async () => {
    const { report, steps } = failingRun();
    const t = start({ color: true, steps, report });
    const live = await t.waitFor((s) => /RUN\s+TRN-SUCCESS-EXIT/.test(s) && s.includes("training job (success) started"), { what: "the running training check" });
    expect(live).toMatch(/FAIL\s+IMG-ENTRYPOINT-EXEC/);
    expect(live).toContain("7 of 8 done (4 failed, 1 errored)");
    writeFileSync(join(t.dir, "running-seen"), "");

    await t.waitFor((s) => s.includes("filter: all  (8 of 8 checks)") && /› FAIL\s+IMG-ENTRYPOINT-EXEC/.test(s));
    t.send("j");
    await t.waitFor(/› PASS\s+IMG-TRAIN-REACHABLE/);
    t.send("Down");
    await t.waitFor(/› FAIL\s+IMG-OPTML-SHADOWED/);
    t.send("Enter");
    const detail = await t.waitFor(BAKED_MODEL.message);
    expect(detail).toContain("log    2 files, 1.2 GiB");
    expect(detail).toContain(`fix    ${BAKED_MODEL.fix}`);
    t.send("Escape");
    await t.waitFor("filter: all");
    t.send("g", "Enter");
    await t.waitFor((s) => s.includes("repro  docker run --rm registry.example.com/team/model:v1 train") && s.includes(SHELL_FORM.message));
    // Esc and a key sent at once read as Alt+key, as they would from a person typing that fast.
    t.send("Escape");
    await t.waitFor("filter: all");
    t.send("f");
    const failing = await t.waitFor("filter: failing  (4 of 8 checks)");
    expect(failing).not.toMatch(/[› ] PASS\s+IMG-TRAIN-REACHABLE/);
    expect(failing).not.toMatch(/[› ] ERROR\s+IMG-ENV-CREDENTIALS/);

    t.send("q");
    expect(await t.exitCode()).toBe(report.exitCode);
    const after = await t.waitFor((s) => flat(s).includes("NOT conformant: IMG-ENTRYPOINT-EXEC, IMG-OPTML-SHADOWED, IMG-ARCH-INSTANCE, IMG-USER-ROOT · exit 1"));
    expect(after).not.toContain("filter:");
    await t.until(() => t.cursorShown(), { what: "the cursor shown again" });
  });

  it("fits a 40-column terminal without color, shows waivers apart, and quits on Esc", async () => {
    const report = SCENARIOS.waivers!();
    const t = start({ color: false, steps: [], report }, { columns: 40, rows: 20 });
    const screen = await t.waitFor("filter: all  (4 of 4 checks)");
    const rows = screen.split("\n").filter((l) => /^[› ] [A-Z]+ /.test(l));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/^› PASS {3}IMG-ENTRYPOINT-EXEC +1\.5 ms$/);
    expect(rows[1]).toMatch(/^ {2}WAIVED IMG-USER-ROOT +1\.5 ms$/);
    expect(rows[3]).toMatch(/^ {2}FAIL {3}IMG-ARCH-INSTANCE +1\.5 ms$/);
    expect(screen).toContain("\nwaiver for IMG-ARCH-INSTANCE expired on…\n");
    t.send("w", "Enter");
    await t.waitFor("waived the server drops");
    t.send("Escape");
    await t.waitFor("filter: waived");
    t.send("Escape");
    expect(await t.exitCode()).toBe(1);
    await t.waitFor((s) => flat(s).includes("NOT conformant: IMG-ARCH-INSTANCE, waiver for IMG-ARCH-INSTANCE expired · exit 1") && !s.includes("filter:"));
    await t.until(() => t.cursorShown(), { what: "the cursor shown again" });
  });

  it("abort() mid-run leaves the rows so far and why, and gives the terminal back", async () => {
    const { report, steps } = failingRun();
    const t = start({ color: true, steps: [...steps.slice(0, 6), { gate: "go" }, { abort: "interrupted (SIGINT)" }], report });
    await t.waitFor(/RUN\s+IMG-OPTML-SHADOWED/);
    writeFileSync(join(t.dir, "go"), "");
    expect(await t.exitCode()).toBe(130);
    const screen = await t.waitFor("stopped: interrupted (SIGINT)  ·  2 of 8 checks done");
    expect(screen).toMatch(/FAIL\s+IMG-ENTRYPOINT-EXEC/);
    expect(screen).not.toMatch(/RUN\s+IMG-OPTML-SHADOWED/);
    await t.until(() => t.cursorShown(), { what: "the cursor shown again" });
  });

  it("with a stdin that is no terminal, prints the failures and the verdict and exits without a key", async () => {
    const { report, steps } = failingRun();
    const t = start({ color: false, steps: steps.filter((s) => !("gate" in s)), report }, { stdinFrom: "/dev/null", rows: 80 });
    expect(await t.exitCode()).toBe(1);
    const screen = await t.waitFor((s) => flat(s).includes("NOT conformant: IMG-ENTRYPOINT-EXEC, IMG-OPTML-SHADOWED, IMG-ARCH-INSTANCE, IMG-USER-ROOT · exit 1"));
    expect(screen).toContain(SHELL_FORM.message);
    expect(screen).toContain("wanted arm64");
  });

  it("the real CLI on a terminal: containers start and become ready as it happens, then the report is browsed", async () => {
    // env -u: the run must see a person's terminal, not the CI that runs these tests.
    const argv = ["env", "-u", "CI", "-u", "NO_COLOR", "-u", "GITHUB_STEP_SUMMARY", process.execPath, CLI];
    const args = ["-c", "inference", "--only", "INF-READY,INF-PING-LATENCY", "--model", join(ROOT, "fixtures", "data", "model"), "--sample", `${join(ROOT, "fixtures", "data", "inference", "sample.csv")}@text/csv`, "byoc-check-fixture/reference:latest"];
    const t = (term = TmuxTerminal.start([...argv, ...args], { cwd: ROOT }));
    const live = await t.waitFor(/endpoint \(default\) started · ready after \d+(\.\d+)? m?s/, { timeoutMs: 120_000, what: "the endpoint's readiness, live" });
    expect(live).toMatch(/INF-READY/);
    await t.waitFor("filter: all  (2 of 2 checks)", { timeoutMs: 120_000 });
    t.send("Enter");
    await t.waitFor(/GET \/ping|ready after/);
    t.send("Escape");
    await t.waitFor("filter: all");
    t.send("q");
    expect(await t.exitCode()).toBe(0);
    await t.waitFor((s) => flat(s).includes("conformant at --fail-on error · exit 0"));
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it.each([
    ["--no-tui", ["--no-tui"], {}],
    ["NO_COLOR", [], { NO_COLOR: "1" }],
    ["CI", [], { CI: "true" }],
  ])("the real CLI on a terminal with %s prints the plain report and exits without a key", async (_what, flags, env) => {
    const argv = ["env", "-u", "CI", "-u", "NO_COLOR", "-u", "GITHUB_STEP_SUMMARY", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, CLI];
    const t = (term = TmuxTerminal.start([...argv, ...flags, "-c", "processing", "--only", "IMG-ENTRYPOINT-EXEC", "byoc-check-fixture/shell-entrypoint:latest"], { cwd: ROOT }));
    expect(await t.exitCode({ timeoutMs: 60_000 })).toBe(1);
    const screen = await t.waitFor((s) => flat(s).includes("NOT conformant: IMG-ENTRYPOINT-EXEC · exit 1"));
    expect(screen).toMatch(/^FAIL {2}IMG-ENTRYPOINT-EXEC/m);
    expect(screen).toMatch(/clause (training|processing)#start\.exec-form/);
    expect(screen).not.toContain("filter:");
  });
});
