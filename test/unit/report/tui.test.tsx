import { EventEmitter } from "node:events";
import { type Instance as InkInstance, render as inkRender } from "ink";
import { render } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EngineEvent } from "../../../src/engine/events.js";
import { type BrowseState, START, keyToAction, reduceBrowse } from "../../../src/report/tui/browse-state.js";
import { clean, duration, fit, wrap } from "../../../src/report/tui/format.js";
import { TICK_MS } from "../../../src/report/tui/app.js";
import { createTui } from "../../../src/report/tui/index.js";
import { ARCH, BAKED_MODEL, IMAGE, SCENARIOS, SHELL_FORM, failed, passed, sampleReport } from "./samples.js";

const DOWN = "\u001B[B";
const ESC = "\u001B";
const ENTER = "\r";

/** Waits for ink and React to act on what was just done; the deadline only bounds a failure. */
async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const settled = () => new Promise<void>((r) => setImmediate(r));

interface Harness {
  tui: ReturnType<typeof createTui>;
  clock: { now: number };
  /** The whole last frame: what <Static> printed, then the live rows. */
  frame(): string;
  /** The last frame from the browser's title line on. */
  screen(): string;
  frames(): string[];
  /** Types `keys` once the app reads keys, and waits for the frame to change (or for nothing to happen). */
  press(keys: string): Promise<void>;
}

function mount(o: { interactive?: boolean; columns?: number; rows?: number } = {}): Harness {
  let app!: ReturnType<typeof render>;
  const clock = { now: 0 };
  const tui = createTui({
    color: false,
    interactive: o.interactive ?? true,
    now: () => clock.now,
    ...(o.columns ? { columns: o.columns } : {}),
    ...(o.rows ? { rows: o.rows } : {}),
    mount(tree) {
      app = render(tree);
      let gone!: () => void;
      const exited = new Promise<void>((r) => (gone = r));
      return {
        rerender: (t) => app.rerender(t),
        unmount() {
          app.unmount();
          gone();
        },
        exited,
      };
    },
  });
  // Unmounted, ink-testing-library's stream gets a last empty frame: the one before it is what the terminal keeps.
  const frame = () => app.frames.findLast((f) => f.trim() !== "") ?? "";
  return {
    tui,
    clock,
    frame,
    screen() {
      const f = frame();
      const at = f.lastIndexOf("byoc-check 9.9.9  ·");
      return at < 0 ? f : f.slice(at);
    },
    frames: () => app.frames,
    async press(keys) {
      await until("the app to read keys", () => app.stdin.listenerCount("readable") > 0);
      const before = app.frames.length;
      app.stdin.write(keys);
      // A lone Esc is told from the start of a sequence by ink after a short wait: wait for its frame.
      if (keys === ESC) await until(`a frame after ${JSON.stringify(keys)}`, () => app.frames.length > before);
      await settled();
    },
  };
}

const PLAN = [
  { id: "IMG-ENTRYPOINT-EXEC", title: "ENTRYPOINT uses the exec form", severity: "error", group: "image" },
  { id: "TRN-SUCCESS-EXIT", title: "the training job exits 0 when it succeeds", severity: "error", group: "training" },
  { id: "INF-PING-READY", title: "GET /ping answers 200 within the deadline", severity: "error", group: "inference" },
] as const;

const RESULTS = {
  entrypoint: { ...failed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form", "error", SHELL_FORM), title: PLAN[0].title },
  training: { ...passed("TRN-SUCCESS-EXIT", "training#start.command"), title: PLAN[1].title, durationMs: 3400 },
  ping: { ...passed("INF-PING-READY", "inference#ping.ready"), title: PLAN[2].title, durationMs: 1900 },
};

const EV = {
  start: { type: "run-started", image: IMAGE, checks: [...PLAN] },
  trainStarted: { type: "sandbox", checkId: "TRN-SUCCESS-EXIT", event: { type: "container-started", sandbox: "training", scenario: "success", what: "docker run IMAGE train" } },
  trainExited: { type: "sandbox", checkId: "TRN-SUCCESS-EXIT", event: { type: "container-exited", sandbox: "training", scenario: "success", exitCode: 0, durationMs: 3200 } },
  endpointStarted: { type: "sandbox", checkId: "INF-PING-READY", event: { type: "container-started", sandbox: "endpoint", scenario: "default", what: "docker run IMAGE serve" } },
  endpointReady: { type: "sandbox", checkId: "INF-PING-READY", event: { type: "container-ready", scenario: "default", afterMs: 1840 } },
  endpointExited: { type: "sandbox", checkId: "INF-PING-READY", event: { type: "container-exited", sandbox: "endpoint", scenario: "default", exitCode: 0, durationMs: 5000 } },
} satisfies Record<string, EngineEvent>;

/** The whole run: a failing image check, a training job, an endpoint that stops after its check. */
const RUN: EngineEvent[] = [
  EV.start,
  { type: "check-started", id: "IMG-ENTRYPOINT-EXEC" },
  { type: "check-finished", result: RESULTS.entrypoint },
  { type: "check-started", id: "TRN-SUCCESS-EXIT" },
  EV.trainStarted,
  EV.trainExited,
  { type: "check-finished", result: RESULTS.training },
  { type: "check-started", id: "INF-PING-READY" },
  EV.endpointStarted,
  EV.endpointReady,
  { type: "check-finished", result: RESULTS.ping },
  EV.endpointExited,
  { type: "run-finished", results: [RESULTS.entrypoint, RESULTS.training, RESULTS.ping] },
];

const count = (haystack: string, needle: string | RegExp) =>
  typeof needle === "string" ? haystack.split(needle).length - 1 : (haystack.match(new RegExp(needle.source, "g")) ?? []).length;

afterEach(() => {
  vi.useRealTimers();
});

describe("the live view", () => {
  it("redraws the running check with its elapsed time and prints each finished check once", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const h = mount();
    h.tui.listener(EV.start);
    h.tui.listener({ type: "check-started", id: "IMG-ENTRYPOINT-EXEC" });
    // The ticker redraws the running row: nothing else happens between these frames.
    h.clock.now = 1500;
    vi.advanceTimersByTime(TICK_MS);
    await until("the redraw at 1.5 s", () => h.frame().includes("1.5 s"));
    expect(h.frame()).toMatch(/RUN\s+IMG-ENTRYPOINT-EXEC\s+ENTRYPOINT uses the exec form\s+1\.5 s/);
    h.clock.now = 2300;
    vi.advanceTimersByTime(TICK_MS);
    await until("the redraw at 2.3 s", () => h.frame().includes("2.3 s"));
    expect(h.frame()).toMatch(/RUN\s+IMG-ENTRYPOINT-EXEC .* 2\.3 s/);
    expect(h.frame()).toContain("0 of 3 done  ·  2.3 s");
    expect(h.frame()).toContain("image 0/1  ·  training 0/1  ·  inference 0/1");

    h.tui.listener({ type: "check-finished", result: RESULTS.entrypoint });
    await settled();
    expect(count(h.frame(), "IMG-ENTRYPOINT-EXEC")).toBe(1);
    expect(h.frame()).toMatch(/FAIL\s+IMG-ENTRYPOINT-EXEC\s+ENTRYPOINT uses the exec form\s+\[error\]\s+1\.5 ms/);
    expect(h.frame()).toContain("── image ──");
    expect(h.frame()).toContain("1 of 3 done (1 failed)");
    expect(h.frame()).toContain("image 1/1 (1✗)");
  });

  it("shows the containers' start, readiness and exit under the running check, then keeps them with its row", async () => {
    const h = mount();
    for (const e of RUN.slice(0, 5)) h.tui.listener(e);
    await settled();
    expect(h.frame()).toMatch(/RUN\s+TRN-SUCCESS-EXIT[^\n]*\n\s+training job \(success\) started\n/);
    h.tui.listener(EV.trainExited);
    await settled();
    expect(h.frame()).toContain("training job (success) exited 0 after 3.2 s");
    h.tui.listener({ type: "check-finished", result: RESULTS.training });
    h.tui.listener({ type: "check-started", id: "INF-PING-READY" });
    h.tui.listener(EV.endpointStarted);
    h.tui.listener(EV.endpointReady);
    await settled();
    expect(h.frame()).toMatch(/PASS\s+TRN-SUCCESS-EXIT[^\n]*3\.4 s\n\s+training job \(success\) exited 0 after 3\.2 s\n/);
    expect(count(h.frame(), "exited 0 after 3.2 s")).toBe(1);
    expect(h.frame()).toMatch(/RUN\s+INF-PING-READY[^\n]*\n\s+endpoint \(default\) started · ready after 1\.84 s\n/);

    // The endpoint stops after its check: a line of its own, since the check's row is already printed.
    h.tui.listener({ type: "check-finished", result: RESULTS.ping });
    h.tui.listener(EV.endpointExited);
    h.tui.listener(RUN.at(-1)!);
    await settled();
    expect(h.frame()).toMatch(/\n\s+endpoint \(default\) exited 0 after 5 s\n/);
    expect(count(h.frame(), "ready after 1.84 s")).toBe(1);
    expect(h.frame()).toContain("3 of 3 done (1 failed)");
    expect(h.frame()).not.toContain("RUN ");
  });

  it("writes a finished row to the terminal once and rewrites the running row (ink, interactive)", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const out = new FakeTty(100, 30);
    let ink!: InkInstance;
    const tui = createTui({
      color: false,
      interactive: false,
      mount(tree) {
        ink = inkRender(tree, { stdout: out as never, stdin: new EventEmitter() as never, exitOnCtrlC: false, patchConsole: false, interactive: true });
        return { rerender: (t) => ink.rerender(t), unmount: () => ink.unmount(), exited: ink.waitUntilExit().then(() => {}) };
      },
    });
    for (const e of RUN.slice(0, 7)) {
      tui.listener(e);
      await ink.waitUntilRenderFlush();
    }
    const written = plain(out.written);
    expect(count(written, /FAIL\s+IMG-ENTRYPOINT-EXEC/)).toBe(1);
    expect(count(written, /RUN\s+TRN-SUCCESS-EXIT/)).toBeGreaterThanOrEqual(3);
    expect(count(written, /PASS\s+TRN-SUCCESS-EXIT/)).toBe(1);
    tui.abort("interrupted");
    await ink.waitUntilExit();
  });
});

describe("the report browser", () => {
  it("moves the selection with j, k and the arrows, and opens a check's findings with Enter", async () => {
    const h = mount();
    const done = h.tui.finish(SCENARIOS.failing!());
    await settled();
    expect(h.screen()).toContain("filter: all  (7 of 7 checks)  ·  1/7");
    expect(h.screen()).toMatch(/› FAIL\s+IMG-ENTRYPOINT-EXEC/);
    await h.press("j");
    expect(h.screen()).toMatch(/› PASS\s+IMG-TRAIN-REACHABLE/);
    expect(h.screen()).toMatch(/\n {2}FAIL\s+IMG-ENTRYPOINT-EXEC/);
    await h.press(DOWN);
    expect(h.screen()).toMatch(/› FAIL\s+IMG-OPTML-SHADOWED/);
    await h.press("k");
    await h.press(DOWN);
    expect(h.screen()).toContain("3/7");

    await h.press(ENTER);
    const detail = h.screen();
    expect(detail).toContain("FAIL IMG-OPTML-SHADOWED  (3 of 7, all)");
    expect(detail).toContain(BAKED_MODEL.message);
    expect(detail).toContain("at     /opt/ml/model/weights.bin (layer sha256:abababababab)");
    expect(detail).toContain("wanted nothing under /opt/ml/model");
    expect(detail).toContain("log    2 files, 1.2 GiB");
    expect(detail).toContain(`fix    ${BAKED_MODEL.fix}`);
    expect(detail).toContain("clause training#layout.reserved");

    await h.press(ESC);
    await h.press("g");
    await h.press(ENTER);
    expect(h.screen()).toContain(SHELL_FORM.message);
    expect(h.screen()).toContain("repro  docker run --rm registry.example.com/team/model:v1 train");
    expect(h.screen()).toContain("seen   [\"/bin/sh\",\"-c\",\"python3 /opt/program/entry.py\"]");
    await h.press("h");
    expect(h.screen()).toMatch(/› FAIL\s+IMG-ENTRYPOINT-EXEC/);

    await h.press("q");
    await done;
    expect(flat(h.frame())).toContain(flat("7 checks: 1 passed, 4 failed, 1 skipped, 1 errored  ·  NOT conformant: IMG-ENTRYPOINT-EXEC, IMG-OPTML-SHADOWED, IMG-ARCH-INSTANCE, IMG-USER-ROOT  ·  exit 1"));
    expect(h.frame()).not.toContain("filter:");
  });

  it("shows a log tail line by line and scrolls a long detail", async () => {
    const h = mount({ rows: 12 });
    const done = h.tui.finish(SCENARIOS["multiline-log"]!());
    await h.press(ENTER);
    expect(h.screen()).toContain("log    Traceback (most recent call last):");
    expect(h.screen()).toMatch(/lines 1-8 of \d+/);
    await h.press("G");
    expect(h.screen()).toContain("fifth");
    expect(h.screen()).toContain("fix    Run the repro line and read the traceback.");
    expect(h.screen()).not.toContain("log    Traceback");
    await h.press("g");
    await h.press("j");
    expect(h.screen()).toMatch(/lines 2-9 of/);
    await h.press(ESC);
    await h.press(ESC);
    await done;
  });

  it("filters by status with f, e, s, p, a and Tab, keeping the header up to date", async () => {
    const h = mount();
    const done = h.tui.finish(SCENARIOS.failing!());
    await h.press("f");
    expect(h.screen()).toContain("filter: failing  (4 of 7 checks)");
    expect(h.screen()).not.toMatch(/PASS|SKIP|ERROR/);
    expect(h.screen()).toMatch(/IMG-USER-ROOT/);
    await h.press("e");
    expect(h.screen()).toContain("filter: errored  (1 of 7 checks)");
    expect(h.screen()).toMatch(/› ERROR\s+IMG-ENV-CREDENTIALS/);
    await h.press(ENTER);
    expect(h.screen()).toContain("error: Cannot read properties of undefined (reading 'env')");
    expect(h.screen()).toContain("this looks like a bug in byoc-check");
    await h.press(ESC);
    await h.press("w");
    expect(h.screen()).toContain("(no waived checks: a shows all)");
    await h.press("\t");
    expect(h.screen()).toContain("filter: skipped  (1 of 7 checks)");
    await h.press("a");
    expect(h.screen()).toContain("filter: all  (7 of 7 checks)");
    // The check selected under "skipped" stays selected.
    expect(h.screen()).toMatch(/› SKIP\s+IMG-CAPABILITY-LABELS/);
    await h.press("\u0003");
    await done;
  });

  it("sets waived failures apart from blocking ones and lists the expired waivers", async () => {
    const h = mount();
    const done = h.tui.finish(SCENARIOS.waivers!());
    await settled();
    expect(h.screen()).toMatch(/WAIVED\s+IMG-USER-ROOT/);
    expect(h.screen()).toMatch(/WAIVED\s+IMG-OPTML-SHADOWED/);
    expect(h.screen()).toMatch(/FAIL\s+IMG-ARCH-INSTANCE/);
    expect(flat(h.screen())).toContain(flat("4 checks: 1 passed, 3 failed (2 waived), 0 skipped, 0 errored  ·  NOT conformant: IMG-ARCH-INSTANCE, waiver for IMG-ARCH-INSTANCE expired  ·  exit 1"));
    expect(h.screen()).toContain("\nwaiver for IMG-ARCH-INSTANCE expired on 2025-12-31: it excuses nothing and fails the run");
    await h.press("w");
    expect(h.screen()).toContain("filter: waived  (2 of 4 checks)");
    await h.press(ENTER);
    expect(h.screen()).toContain("waived the server drops privileges itself (TICKET-12) (until 2026-03-31)");
    expect(h.screen()).toContain(`fix    Remove USER, or set USER root.`);
    await h.press(ESC);
    await h.press("f");
    expect(h.screen()).toContain("filter: failing  (1 of 4 checks)");
    expect(h.screen()).toMatch(/› FAIL\s+IMG-ARCH-INSTANCE/);
    await h.press(ENTER);
    expect(h.screen()).toContain(ARCH.message);
    expect(flat(h.screen())).toContain("waiver for IMG-ARCH-INSTANCE expired on 2025-12-31: it excuses nothing and fails the run");
    await h.press(ESC);
    await h.press("p");
    await h.press(ENTER);
    expect(flat(h.screen())).toContain("waiver for IMG-ENTRYPOINT-EXEC is unused: the check ran and did not fail");
    await h.press("q");
    await done;
  });

  it("scrolls a list taller than the terminal and keeps the selection on screen", async () => {
    const h = mount({ rows: 9 });
    const done = h.tui.finish(SCENARIOS.failing!());
    await settled();
    const rows = () => h.screen().split("\n").filter((l) => /^[› ] [A-Z]+ +IMG-/.test(l));
    // 8 lines: 2 header, 2 verdict, 1 help, 3 rows.
    expect(rows()).toHaveLength(3);
    expect(h.screen().split("\n")).toHaveLength(8);
    await h.press("G");
    expect(rows().at(-1)).toMatch(/› ERROR\s+IMG-ENV-CREDENTIALS/);
    expect(h.screen()).not.toContain("IMG-ENTRYPOINT-EXEC  ");
    for (let i = 0; i < 6; i++) await h.press("k");
    expect(rows()[0]).toMatch(/› FAIL\s+IMG-ENTRYPOINT-EXEC/);
    await h.press("\u001B[6~");
    expect(h.screen()).toContain("4/7");
    await h.press("q");
    await done;
  });

  it("keeps every line inside a 40-column terminal, running and browsing", async () => {
    const h = mount({ columns: 40 });
    for (const e of RUN.slice(0, 10)) h.tui.listener(e);
    await settled();
    const done = h.tui.finish(SCENARIOS.failing!());
    await settled();
    await h.press(ENTER);
    await h.press(ESC);
    await h.press("q");
    await done;
    const tooWide = h
      .frames()
      .flatMap((f) => f.split("\n"))
      .filter((l) => l.length > 40);
    expect(tooWide).toEqual([]);
    expect(h.frames().join("\n")).toMatch(/› FAIL {3}IMG-ENTRYPOINT-EXEC +1\.5 ms\n/);
    expect(h.frames().join("\n")).toMatch(/\nFAIL {3}IMG-ENTRYPOINT-EXEC +1\.5 ms\n/);
  });

  it("handles a report with no checks", async () => {
    const h = mount();
    const done = h.tui.finish(sampleReport([]));
    await settled();
    expect(h.screen()).toContain("(no checks ran)");
    expect(h.screen()).toContain("0 checks: 0 passed, 0 failed, 0 skipped, 0 errored  ·  nothing was checked  ·  exit 2");
    await h.press(ENTER);
    await h.press("j");
    await h.press("q");
    await done;
  });
});

describe("without a keyboard, and when the run stops", () => {
  it("prints the failing checks and the verdict, and resolves without a key, when stdin is no terminal", async () => {
    const h = mount({ interactive: false });
    for (const e of RUN) h.tui.listener(e);
    await h.tui.finish(SCENARIOS.failing!());
    expect(h.frame()).toContain(SHELL_FORM.message);
    expect(h.frame()).toContain(ARCH.fix);
    expect(flat(h.frame())).toContain(flat("NOT conformant: IMG-ENTRYPOINT-EXEC, IMG-OPTML-SHADOWED, IMG-ARCH-INSTANCE, IMG-USER-ROOT  ·  exit 1"));
    expect(h.frame()).not.toContain("filter:");
  });

  it("abort() mid-run leaves the rows printed so far and a line saying why, and ignores what comes after", async () => {
    const h = mount();
    for (const e of RUN.slice(0, 5)) h.tui.listener(e);
    h.tui.abort("interrupted (SIGINT)");
    expect(h.frame()).toMatch(/FAIL\s+IMG-ENTRYPOINT-EXEC/);
    expect(h.frame()).toContain("stopped: interrupted (SIGINT)  ·  1 of 3 checks done");
    expect(h.frame()).not.toContain("RUN ");
    const frames = h.frames().length;
    h.tui.listener(EV.trainExited);
    h.tui.abort("again");
    await h.tui.finish(SCENARIOS.failing!());
    expect(h.frames()).toHaveLength(frames);
  });
});

describe("pieces", () => {
  it("reads keys as actions, and actions as moves that stay inside the rows", () => {
    const key = (over: Partial<Parameters<typeof keyToAction>[1]>) => ({
      upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageUp: false, pageDown: false, home: false, end: false,
      return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, ...over,
    });
    expect(keyToAction("", key({ escape: true }), "list", 5)).toEqual({ type: "quit" });
    expect(keyToAction("", key({ escape: true }), "detail", 5)).toEqual({ type: "back" });
    expect(keyToAction("", key({ backspace: true }), "detail", 5)).toEqual({ type: "back" });
    expect(keyToAction("", key({ tab: true, shift: true }), "list", 5)).toEqual({ type: "cycle", by: -1 });
    expect(keyToAction("f", key({}), "detail", 5)).toBeUndefined();
    const results = SCENARIOS.failing!().results;
    const ctx = { results, listHeight: 3, detailHeight: 4, detailLength: () => 10 };
    let s: BrowseState = START;
    s = reduceBrowse(s, { type: "move", by: -1 }, ctx);
    expect(s.selected).toBe(0);
    s = reduceBrowse(s, { type: "last" }, ctx);
    expect(s).toMatchObject({ selected: 6, top: 4 });
    s = reduceBrowse(s, { type: "open" }, ctx);
    s = reduceBrowse(s, { type: "move", by: 100 }, ctx);
    expect(s.scroll).toBe(6);
  });

  it("formats durations, fits, wraps and cleans text for one line", () => {
    expect([duration(1.5), duration(840), duration(1840), duration(3200), duration(12_340), duration(125_000)]).toEqual(["1.5 ms", "840 ms", "1.84 s", "3.2 s", "12.3 s", "2m 05s"]);
    expect(fit("FAIL IMG-X  a long title here", "1.5 ms", 24)).toBe("FAIL IMG-X  a l…  1.5 ms");
    expect(wrap("docker run --rm image train", 12)).toEqual(["docker run", "--rm image", "train"]);
    expect(wrap("    at run (/x.ts:1:1)", 40)).toEqual(["    at run (/x.ts:1:1)"]);
    expect(clean("\u001B[31mred\u001B[0m\tok\r\u0007")).toBe("red  ok?");
  });
});

/** Lines joined and spaces squeezed: for text the width may wrap. */
function flat(s: string): string {
  return s.replace(/\s+/g, " ");
}

function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007]*\u0007/g, "");
}

/** A terminal for ink to write to: its size, and everything written. */
class FakeTty extends EventEmitter {
  readonly isTTY = true;
  written = "";
  readonly columns: number;
  readonly rows: number;
  constructor(columns: number, rows: number) {
    super();
    this.columns = columns;
    this.rows = rows;
  }
  write(s: string, cb?: () => void): boolean {
    this.written += s;
    cb?.();
    return true;
  }
}
