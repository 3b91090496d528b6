import { describe, expect, it, vi } from "vitest";
import { type AnyCheck, type CheckContext, type Needs, type Outcome, defineImageCheck, fail, pass, skip } from "../../../src/engine/check.js";
import type { EngineEvent } from "../../../src/engine/events.js";
import { type PlannedCheck, planChecks } from "../../../src/engine/plan.js";
import { type RunInput, runChecks } from "../../../src/engine/run.js";
import { EnvironmentError, InterruptedError } from "../../../src/errors.js";
import type { ImageFs } from "../../../src/image/fs.js";
import { resolveInstance } from "../../../src/spec/instances.js";
import { loadSpec } from "../../../src/spec/load.js";
import type { ClauseId } from "../../../src/spec/types.js";
import { FACTS, config, memoryFs, memorySource } from "../helpers/memory-image.js";

const spec = loadSpec();
const CFG = config({ Entrypoint: ["/opt/program/entry"], Env: ["PATH=/usr/bin"] });
const FS = memoryFs({ "/opt/program/entry": { file: "\x7fELF", mode: 0o755 } });

interface Spec<N extends Needs> {
  id: string;
  needs?: N;
  clauses?: [ClauseId, ...ClauseId[]];
  severity?: "error" | "warning" | "info";
  timeoutMs?: number;
  run?: (ctx: CheckContext<N>) => Outcome | Promise<Outcome>;
}

function check<N extends Needs = Record<never, never>>(s: Spec<N>): AnyCheck {
  return defineImageCheck<N>({
    id: s.id,
    clauses: s.clauses ?? ["training#start.command"],
    severity: s.severity ?? "error",
    title: `${s.id} title`,
    rationale: "test",
    fix: "test",
    needs: s.needs ?? ({} as N),
    ...(s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs }),
    run: s.run ?? (() => pass()),
  });
}

function setup(checks: AnyCheck[], o: { signal?: AbortSignal; fs?: ImageFs } = {}) {
  const source = memorySource(FACTS, CFG, o.fs ?? FS);
  const openFs = vi.spyOn(source, "openFs");
  const describeSpy = vi.spyOn(source, "describe");
  const events: EngineEvent[] = [];
  const planned: PlannedCheck[] = planChecks(checks, ["training", "inference", "processing"], spec);
  const input: RunInput = {
    source,
    planned,
    contracts: ["training", "inference", "processing"],
    instances: [resolveInstance("ml.g5.xlarge")],
    spec,
    signal: o.signal ?? new AbortController().signal,
    listener: (e) => void events.push(e),
  };
  return { source, openFs, describeSpy, events, input, run: () => runChecks(input) };
}

const never = () => new Promise<Outcome>(() => {});

describe("runChecks: events and results", () => {
  it("hands the sandboxes a listener whose events carry the check that was waiting on them", async () => {
    const { events, input, run } = setup([check({ id: "T-A" }), check({ id: "T-B", needs: { jobs: true }, run: async ({ jobs }) => (await jobs.training("success"), pass()) })]);
    input.jobs = (_facts, onEvent) =>
      ({
        training: async () => {
          onEvent({ type: "container-started", sandbox: "training", scenario: "success", what: "a training run" });
          onEvent({ type: "container-exited", sandbox: "training", scenario: "success", exitCode: 0, durationMs: 12 });
          return {};
        },
        checkBudgetMs: 1000,
      }) as never;
    await run();
    expect(events.filter((e) => e.type === "sandbox")).toEqual([
      { type: "sandbox", checkId: "T-B", event: { type: "container-started", sandbox: "training", scenario: "success", what: "a training run" } },
      { type: "sandbox", checkId: "T-B", event: { type: "container-exited", sandbox: "training", scenario: "success", exitCode: 0, durationMs: 12 } },
    ]);
    const order = events.map((e) => (e.type === "sandbox" ? `sandbox ${e.event.type}` : e.type === "check-started" ? `started ${e.id}` : e.type));
    expect(order.indexOf("sandbox container-started")).toBeGreaterThan(order.indexOf("started T-B"));
  });

  it("emits run-started, a started/finished pair per check in order, then run-finished", async () => {
    const { events, run } = setup([check({ id: "T-A" }), check({ id: "T-B", run: () => skip("n/a") }), check({ id: "T-C", severity: "warning" })]);
    const out = await run();
    expect(events.map((e) => (e.type === "check-started" ? `${e.type} ${e.id}` : e.type === "check-finished" ? `${e.type} ${e.result.id}` : e.type))).toEqual([
      "run-started",
      "check-started T-A",
      "check-finished T-A",
      "check-started T-B",
      "check-finished T-B",
      "check-started T-C",
      "check-finished T-C",
      "run-finished",
    ]);
    expect(events[0]).toEqual({
      type: "run-started",
      image: FACTS,
      checks: [
        { id: "T-A", title: "T-A title", severity: "error", group: "image" },
        { id: "T-B", title: "T-B title", severity: "error", group: "image" },
        { id: "T-C", title: "T-C title", severity: "warning", group: "image" },
      ],
    });
    const finished = events.filter((e): e is Extract<EngineEvent, { type: "check-finished" }> => e.type === "check-finished").map((e) => e.result);
    expect(finished).toEqual(out.results);
    expect(events[events.length - 1]).toEqual({ type: "run-finished", results: out.results });
    expect(out.image).toEqual(FACTS);
  });

  it("runs without a listener", async () => {
    const { input } = setup([check({ id: "T-A" })]);
    delete input.listener;
    expect((await runChecks(input)).results.map((r) => r.status)).toEqual(["pass"]);
  });

  it("turns each outcome into a result with the planned clauses", async () => {
    const { run } = setup([
      check({ id: "T-PASS", run: () => pass("resolved /opt/program/entry") }),
      check({ id: "T-FAIL", severity: "warning", clauses: ["inference#user.root"], run: () => fail({ message: "m", fix: "f", where: { kind: "config", field: "Config.User" } }) }),
      check({ id: "T-SKIP", clauses: ["processing#start.command", "training#start.command"], run: () => skip("no ENTRYPOINT") }),
    ]);
    const [p, f, s] = (await run()).results;
    expect(p).toMatchObject({ id: "T-PASS", status: "pass", detail: "resolved /opt/program/entry", findings: [], contract: "training", clause: "training#start.command", clauses: ["training#start.command"] });
    expect(f).toMatchObject({ id: "T-FAIL", status: "fail", severity: "warning", contract: "inference", clause: "inference#user.root", findings: [{ message: "m", fix: "f", evidence: { location: { kind: "config", field: "Config.User" } } }] });
    expect(s).toMatchObject({ id: "T-SKIP", status: "skip", reason: "no ENTRYPOINT", findings: [], contract: "processing", clauses: ["processing#start.command", "training#start.command"] });
    for (const r of [p!, f!, s!]) {
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
      expect(r.error).toBeUndefined();
    }
    expect(p!.reason).toBeUndefined();
    expect(s!.detail).toBeUndefined();
  });
});

describe("runChecks: a check that goes wrong", () => {
  it("records a thrown Error as error, with its message and stack", async () => {
    const { run } = setup([
      check({
        id: "T-THROWS",
        run: () => {
          throw new TypeError("cannot read x");
        },
      }),
      check({ id: "T-AFTER" }),
    ]);
    const [r, after] = (await run()).results;
    expect(r).toMatchObject({ status: "error", findings: [], error: { name: "TypeError", message: "cannot read x" } });
    expect(r!.error!.stack).toContain("cannot read x");
    expect(after!.status).toBe("pass");
  });

  it("records a rejected promise the same way", async () => {
    const { run } = setup([check({ id: "T-REJECTS", run: async () => Promise.reject(new Error("async boom")) })]);
    expect((await run()).results[0]).toMatchObject({ status: "error", error: { name: "Error", message: "async boom" } });
  });

  it("drops the stack of an expected error", async () => {
    const { run } = setup([
      check({
        id: "T-ENV",
        run: () => {
          throw new EnvironmentError("the Docker engine went away", "start Docker");
        },
      }),
    ]);
    const r = (await run()).results[0]!;
    expect(r).toMatchObject({ status: "error", error: { name: "EnvironmentError", message: "the Docker engine went away" } });
    expect(r.error).not.toHaveProperty("stack");
  });

  it("records a thrown non-Error", async () => {
    const { run } = setup([
      check({
        id: "T-STRING",
        run: () => {
          throw "just a string";
        },
      }),
    ]);
    expect((await run()).results[0]).toMatchObject({ status: "error", error: { name: "NonError", message: "just a string" } });
  });

  it("gives up on a check that never settles after its timeoutMs, and goes on", async () => {
    const { run } = setup([check({ id: "T-HANGS", timeoutMs: 50, run: never }), check({ id: "T-AFTER" })]);
    const [r, after] = (await run()).results;
    expect(r).toMatchObject({ status: "error", error: { message: "check T-HANGS did not finish within 0.05 s" } });
    expect(after!.status).toBe("pass");
  });

  // The check's timeout covers run() only: `await input.source.openFs()` happens before it, unbounded, so an
  // image filesystem that never opens hangs the whole run (the CLI's --timeout is the only way out).
  it("bounds opening the filesystem by the check's timeoutMs", { timeout: 2000 }, async () => {
    const { input, source } = setup([check({ id: "T-FS", needs: { fs: true }, timeoutMs: 50 })]);
    vi.spyOn(source, "openFs").mockImplementation(() => new Promise(() => {}));
    const out = await Promise.race([runChecks(input), new Promise<"hung">((r) => setTimeout(() => r("hung"), 1000).unref())]);
    expect(out).not.toBe("hung");
    expect(out !== "hung" && out.results[0]!.status).toBe("error");
  });

  it("records a failure to open the filesystem as an error of the checks that need it", async () => {
    const { run, source } = setup([check({ id: "T-FS1", needs: { fs: true } }), check({ id: "T-CONFIG", needs: { config: true } }), check({ id: "T-FS2", needs: { fs: true } })]);
    vi.spyOn(source, "openFs").mockRejectedValue(new EnvironmentError("cannot create the inspection container"));
    const results = (await run()).results;
    expect(results.map((r) => r.status)).toEqual(["error", "pass", "error"]);
    expect(results[0]!.error!.message).toBe("cannot create the inspection container");
  });
});

describe("runChecks: inputs", () => {
  it("gives a check exactly what it declared", async () => {
    const seen: Record<string, string[]> = {};
    const probe = (id: string) => (ctx: object) => {
      seen[id] = Object.keys(ctx).sort();
      return pass();
    };
    const { run } = setup([
      check({ id: "T-NONE", run: probe("T-NONE") }),
      check({ id: "T-CONFIG", needs: { config: true }, run: probe("T-CONFIG") }),
      check({ id: "T-FS", needs: { fs: true }, run: probe("T-FS") }),
      check({ id: "T-INST", needs: { instances: true }, run: probe("T-INST") }),
      check({ id: "T-ALL", needs: { config: true, fs: true, instances: true }, run: probe("T-ALL") }),
    ]);
    await run();
    const base = ["contracts", "image", "signal", "spec"];
    expect(seen).toEqual({
      "T-NONE": base,
      "T-CONFIG": [...base, "config"].sort(),
      "T-FS": [...base, "fs"].sort(),
      "T-INST": [...base, "instances"].sort(),
      "T-ALL": [...base, "config", "fs", "instances"].sort(),
    });
  });

  it("a check that needs only config sees no fs and no instances", async () => {
    let ctx: Record<string, unknown> | undefined;
    const { run } = setup([
      check({
        id: "T-CONFIG",
        needs: { config: true },
        run: (c) => {
          ctx = c as unknown as Record<string, unknown>;
          return pass();
        },
      }),
    ]);
    await run();
    expect(ctx!.fs).toBeUndefined();
    expect(ctx!.instances).toBeUndefined();
    expect(ctx!.config).toBe(CFG);
    expect(ctx!.image).toEqual(FACTS);
    expect(ctx!.spec).toBe(spec);
    expect(ctx!.contracts).toEqual(["training", "inference", "processing"]);
  });

  it("passes the instances and a working fs", async () => {
    const { run } = setup([
      check({
        id: "T-BOTH",
        needs: { fs: true, instances: true },
        run: async ({ fs, instances }) => {
          const st = await fs.lstat("/opt/program/entry");
          return st?.kind === "file" && instances[0]?.type === "ml.g5.xlarge" ? pass() : fail({ message: "wrong inputs", fix: "-" });
        },
      }),
    ]);
    expect((await run()).results[0]!.status).toBe("pass");
  });

  it("opens the filesystem once for several checks, and closes it once", async () => {
    const { run, source, openFs } = setup([
      check({ id: "T-FS1", needs: { fs: true } }),
      check({ id: "T-CONFIG", needs: { config: true } }),
      check({ id: "T-FS2", needs: { fs: true } }),
      check({ id: "T-FS3", needs: { fs: true, config: true } }),
    ]);
    await run();
    expect(openFs).toHaveBeenCalledTimes(1);
    expect(source.closed).toBe(1);
  });

  it("never opens the filesystem when no check needs it", async () => {
    const { run, source, openFs, describeSpy } = setup([check({ id: "T-CONFIG", needs: { config: true } }), check({ id: "T-INST", needs: { instances: true } })]);
    await run();
    expect(openFs).not.toHaveBeenCalled();
    expect(source.closed).toBe(0);
    expect(describeSpy).toHaveBeenCalledTimes(1);
  });

  it("closes the filesystem when the check that needed it threw", async () => {
    const { run, source } = setup([
      check({
        id: "T-FS",
        needs: { fs: true },
        run: () => {
          throw new Error("boom");
        },
      }),
    ]);
    await run();
    expect(source.closed).toBe(1);
  });
});

describe("runChecks: aborting", () => {
  it("rejects with the InterruptedError when interrupted before it starts, reading nothing", async () => {
    const controller = new AbortController();
    controller.abort(new InterruptedError("SIGINT"));
    const { run, describeSpy, events } = setup([check({ id: "T-A" })], { signal: controller.signal });
    await expect(run()).rejects.toBeInstanceOf(InterruptedError);
    expect(describeSpy).not.toHaveBeenCalled();
    expect(events).toEqual([]);
  });

  it("rejects with the InterruptedError when interrupted during a check, and closes the filesystem", async () => {
    const controller = new AbortController();
    const interrupted = new InterruptedError("SIGTERM");
    const { run, source, events } = setup(
      [
        check({ id: "T-FS", needs: { fs: true } }),
        check({
          id: "T-HANGS",
          run: () => {
            setTimeout(() => controller.abort(interrupted), 5);
            return never();
          },
        }),
        check({ id: "T-NEVER" }),
      ],
      { signal: controller.signal },
    );
    await expect(run()).rejects.toBe(interrupted);
    expect(source.closed).toBe(1);
    expect(events.map((e) => e.type)).not.toContain("run-finished");
    expect(events.some((e) => e.type === "check-started" && e.id === "T-NEVER")).toBe(false);
  });

  it("rejects with the InterruptedError when interrupted between checks", async () => {
    const controller = new AbortController();
    const { run } = setup(
      [
        check({
          id: "T-A",
          run: () => {
            controller.abort(new InterruptedError("SIGINT"));
            return pass();
          },
        }),
        check({ id: "T-B" }),
      ],
      { signal: controller.signal },
    );
    await expect(run()).rejects.toBeInstanceOf(InterruptedError);
  });

  it("marks the check running and those left as error when aborted with another Error", async () => {
    const controller = new AbortController();
    const deadline = new EnvironmentError("the --timeout of 10m passed", "give the run more time with --timeout");
    const { run, events } = setup(
      [
        check({ id: "T-DONE" }),
        check({
          id: "T-RUNNING",
          run: () => {
            setTimeout(() => controller.abort(deadline), 5);
            return never();
          },
        }),
        check({ id: "T-LEFT1" }),
        check({ id: "T-LEFT2", needs: { fs: true } }),
      ],
      { signal: controller.signal },
    );
    const out = await run();
    expect(out.results.map((r) => [r.id, r.status])).toEqual([
      ["T-DONE", "pass"],
      ["T-RUNNING", "error"],
      ["T-LEFT1", "error"],
      ["T-LEFT2", "error"],
    ]);
    expect(out.results[1]!.error).toEqual({ name: "EnvironmentError", message: "the --timeout of 10m passed" });
    for (const r of out.results.slice(2)) expect(r.error).toEqual({ name: "NotRun", message: "not run: the --timeout of 10m passed" });
    expect(events[events.length - 1]!.type).toBe("run-finished");
  });

  it("marks every check not run when aborted with a non-Error reason before it starts", async () => {
    const controller = new AbortController();
    controller.abort("deadline");
    const { run, openFs } = setup([check({ id: "T-A" }), check({ id: "T-B", needs: { fs: true } })], { signal: controller.signal });
    const out = await run();
    expect(out.results.map((r) => r.error)).toEqual([
      { name: "NotRun", message: "not run: deadline" },
      { name: "NotRun", message: "not run: deadline" },
    ]);
    expect(openFs).not.toHaveBeenCalled();
  });
});
