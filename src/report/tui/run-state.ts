import type { FailOn } from "../../cli/exit-codes.js";
import type { CheckGroup, CheckMeta, ImageFacts } from "../../engine/check.js";
import type { EngineEvent, SandboxEvent } from "../../engine/events.js";
import type { CheckResult } from "../model.js";

export type PlannedCheck = Pick<CheckMeta, "id" | "title" | "severity" | "group">;

/** A container a sandbox started, as far as its events have told. */
export interface Container {
  sandbox: "training" | "processing" | "endpoint";
  scenario: string;
  ready?: { ok: boolean; afterMs: number; why?: string };
  exited?: { exitCode?: number; durationMs: number };
}

/** What has been printed above the live rows: append-only, so that ink's <Static> prints each item once. */
export type Printed =
  | { kind: "start"; key: string; image: ImageFacts; total: number }
  | { kind: "group"; key: string; group: CheckGroup }
  | { kind: "check"; key: string; result: CheckResult; containers: Container[] }
  /** A container event after its check finished (an endpoint stopping at the end) or before any check began. */
  | { kind: "sandbox"; key: string; container: Container };

export interface RunningCheck extends PlannedCheck {
  startedAt: number;
}

interface Tracked {
  container: Container;
  /** The check that was running when it started; its rows are live while that check runs. */
  owner: string | undefined;
}

export interface RunState {
  image?: ImageFacts;
  planned: PlannedCheck[];
  startedAt?: number;
  running: RunningCheck[];
  results: CheckResult[];
  printed: Printed[];
  /** Containers by sandbox and scenario; a new start of the same replaces the old. */
  containers: ReadonlyMap<string, Tracked>;
  lastGroup?: CheckGroup;
  finishedAt?: number;
  /** --fail-on, known before the run: a failure below it is drawn as the warning it is, not as blocking. */
  failOn?: FailOn;
}

export const INITIAL: RunState = { planned: [], running: [], results: [], printed: [], containers: new Map() };

const NAME: Record<Container["sandbox"], string> = { training: "training job", processing: "processing job", endpoint: "endpoint" };

/** "endpoint (default) started · ready after 1.84 s", "training job (success) exited 0 after 3.2 s". */
export function containerText(c: Container, duration: (ms: number) => string): string {
  const parts: string[] = [];
  if (c.ready) {
    parts.push("started", c.ready.ok ? `ready after ${duration(c.ready.afterMs)}` : `not ready after ${duration(c.ready.afterMs)}: ${c.ready.why ?? ""}`);
  }
  if (c.exited) {
    parts.push(`exited${c.exited.exitCode === undefined ? "" : ` ${c.exited.exitCode}`} after ${duration(c.exited.durationMs)}`);
  }
  if (parts.length === 0) parts.push("started");
  return `${NAME[c.sandbox]} (${c.scenario}) ${parts.join(" · ")}`;
}

/** The containers shown live under a running check. */
export function liveContainers(state: RunState, checkId: string): Container[] {
  return [...state.containers.values()].filter((t) => t.owner === checkId).map((t) => t.container);
}

function groupOf(state: RunState, result: CheckResult): CheckGroup {
  return state.planned.find((p) => p.id === result.id)?.group ?? (result.contract as CheckGroup);
}

function sandboxEvent(state: RunState, checkId: string | undefined, e: SandboxEvent): RunState {
  const containers = new Map(state.containers);
  const isRunning = (id: string | undefined) => id !== undefined && state.running.some((r) => r.id === id);
  let key: string;
  let next: Tracked;
  if (e.type === "container-started") {
    key = `${e.sandbox}:${e.scenario}`;
    next = { container: { sandbox: e.sandbox, scenario: e.scenario }, owner: isRunning(checkId) ? checkId : undefined };
  } else {
    // A readiness event names no sandbox: only endpoints are polled for readiness.
    key = e.type === "container-exited" ? `${e.sandbox}:${e.scenario}` : `endpoint:${e.scenario}`;
    const known = containers.get(key) ?? { container: { sandbox: e.type === "container-exited" ? e.sandbox : "endpoint", scenario: e.scenario }, owner: undefined };
    const container: Container =
      e.type === "container-exited"
        ? { ...known.container, exited: { ...(e.exitCode === undefined ? {} : { exitCode: e.exitCode }), durationMs: e.durationMs } }
        : { ...known.container, ready: { ok: e.type === "container-ready", afterMs: e.afterMs, ...(e.type === "container-not-ready" ? { why: e.why } : {}) } };
    next = { container, owner: known.owner };
  }
  containers.set(key, next);
  if (isRunning(next.owner)) return { ...state, containers };
  // Whose check is over (or who had none) has no live row to update: the news is printed as a line of its own.
  const { sandbox, scenario, ready, exited } = next.container;
  const news: Container = e.type === "container-started" ? next.container : e.type === "container-exited" ? { sandbox, scenario, ...(exited ? { exited } : {}) } : { sandbox, scenario, ...(ready ? { ready } : {}) };
  const printed = [...state.printed, { kind: "sandbox" as const, key: `s${state.printed.length}`, container: news }];
  return { ...state, containers, printed };
}

/** Folds one engine event into the state the live view draws. Pure: a new state for each event. */
export function reduceRun(state: RunState, event: EngineEvent, now: number): RunState {
  switch (event.type) {
    case "run-started":
      return {
        ...state,
        image: event.image,
        planned: [...event.checks],
        startedAt: now,
        printed: [...state.printed, { kind: "start", key: `s${state.printed.length}`, image: event.image, total: event.checks.length }],
      };
    case "check-started": {
      const meta = state.planned.find((p) => p.id === event.id) ?? { id: event.id, title: event.id, severity: "error" as const, group: "image" as const };
      return { ...state, startedAt: state.startedAt ?? now, running: [...state.running.filter((r) => r.id !== event.id), { ...meta, startedAt: now }] };
    }
    case "sandbox":
      return sandboxEvent(state, event.checkId, event.event);
    case "check-finished": {
      const { result } = event;
      const group = groupOf(state, result);
      const printed = [...state.printed];
      if (group !== state.lastGroup) printed.push({ kind: "group", key: `s${printed.length}`, group });
      printed.push({ kind: "check", key: `s${printed.length}`, result, containers: liveContainers(state, result.id) });
      const containers = new Map([...state.containers].map(([k, t]) => [k, t.owner === result.id ? { ...t, owner: undefined } : t]));
      return {
        ...state,
        running: state.running.filter((r) => r.id !== result.id),
        results: [...state.results.filter((r) => r.id !== result.id), result],
        printed,
        containers,
        lastGroup: group,
      };
    }
    case "run-finished":
      return { ...state, running: [], finishedAt: now };
  }
}

/** Per group, in plan order: how many of its checks are done, and how many of those did not pass or skip. */
export function groupProgress(state: RunState): Array<{ group: CheckGroup; done: number; total: number; bad: number }> {
  const out = new Map<CheckGroup, { group: CheckGroup; done: number; total: number; bad: number }>();
  for (const p of state.planned) {
    const g = out.get(p.group) ?? { group: p.group, done: 0, total: 0, bad: 0 };
    g.total++;
    out.set(p.group, g);
  }
  for (const r of state.results) {
    const g = out.get(groupOf(state, r));
    if (!g) continue;
    g.done++;
    if ((r.status === "fail" && r.waiver === undefined) || r.status === "error") g.bad++;
  }
  return [...out.values()];
}
