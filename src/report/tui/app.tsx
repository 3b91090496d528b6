import type { FailOn } from "../../cli/exit-codes.js";
import { Box, Static, Text, useInput, useStdout } from "ink";
import { type ReactElement, type ReactNode, useEffect, useMemo, useReducer, useState, useSyncExternalStore } from "react";
import type { EngineEvent } from "../../engine/events.js";
import type { CheckResult, Report } from "../model.js";
import { type BrowseAction, type BrowseContext, type BrowseState, START, keyToAction, reduceBrowse, settle, visibleRows } from "./browse-state.js";
import { LABEL_WIDTH, type Line, type Tone, clean, detailLines, duration, elapsed, fit, statusLabel, truncate, verdictLines } from "./format.js";
import { type Container, INITIAL, type Printed, type RunState, containerText, groupProgress, liveContainers, reduceRun } from "./run-state.js";

export type Phase =
  | { kind: "run" }
  /** The report is on screen and the keys move through it. */
  | { kind: "browse"; report: Report }
  /** No keyboard: the failing checks' details and the verdict, printed once. */
  | { kind: "digest"; report: Report }
  /** The user quit: the verdict stays on the terminal. */
  | { kind: "done"; report: Report }
  | { kind: "aborted"; message: string };

export interface Snapshot {
  run: RunState;
  phase: Phase;
}

/** The run as the views see it: engine events and the phase, outside React so that events need no render to land. */
export class TuiStore {
  private snapshot: Snapshot = { run: INITIAL, phase: { kind: "run" } };
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  readonly get = (): Snapshot => this.snapshot;

  update(f: (s: Snapshot) => Snapshot): void {
    this.snapshot = f(this.snapshot);
    for (const l of this.listeners) l();
  }
}

/** A spinner's frames and its period: the live rows redraw at this pace while a check runs, and not at all after. */
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
export const TICK_MS = 150;
// Past this the rows stop growing: right-aligned columns on a very wide terminal read worse, not better.
const MAX_WIDTH = 120;

interface Paint {
  color: boolean;
}

function Row({ line, color, inverse }: { line: Line; inverse?: boolean } & Paint): ReactElement {
  return (
    <Text wrap="truncate-end" bold={color && line.bold === true} inverse={color && inverse === true} {...(color && line.tone ? { color: line.tone } : {})}>
      {line.text === "" ? " " : line.text}
    </Text>
  );
}

/** The terminal's size, following resizes; `fixed` overrides it (tests). */
function useTerminalSize(fixed: { columns?: number; rows?: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [, setResizes] = useState(0);
  useEffect(() => {
    const onResize = () => setResizes((n) => n + 1);
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  // A pipe, or a test's fake stream, has no size: 80 by 24 then, as ink assumes.
  const tty = stdout as Partial<Pick<NodeJS.WriteStream, "columns" | "rows">>;
  return { columns: fixed.columns ?? (tty.columns || 80), rows: fixed.rows ?? (tty.rows || 24) };
}

/* ---------------------------------------------------------------- while running */

function idWidth(ids: readonly string[], width: number): number {
  return Math.min(Math.max(2, ...ids.map((id) => id.length)), Math.max(8, Math.min(32, width - LABEL_WIDTH - 11)));
}

// Below this width a row keeps its status, id and time, and gives up the title and the severity.
const NARROW = 60;

function checkRow(label: string, id: string, idW: number, title: string, right: string, width: number): string {
  const base = `${label.padEnd(LABEL_WIDTH)} ${truncate(id, idW).padEnd(idW)}`;
  const room = width - (right === "" ? 0 : right.length + 2);
  // A title cut to a few letters says nothing: leave it out.
  const titled = title !== "" && base.length + 2 + Math.min(title.length, 10) <= room;
  return fit(titled ? `${base}  ${title}` : base, right, width);
}

const CONTAINER_INDENT = " ".repeat(LABEL_WIDTH + 3);

function containerLine(c: Container, width: number): Line {
  const tone: Tone = c.ready?.ok === false || (c.exited?.exitCode ?? 0) !== 0 ? "yellow" : "cyan";
  return { text: truncate(`${CONTAINER_INDENT}${clean(containerText(c, duration))}`, width), tone };
}

function groupLine(group: string, width: number): Line {
  return { text: truncate(`── ${group} ${"─".repeat(Math.max(0, width - group.length - 4))}`, width), bold: true };
}

function printedLines(item: Printed, run: RunState, width: number): Line[] {
  const idW = idWidth(
    run.planned.map((p) => p.id),
    width,
  );
  switch (item.kind) {
    case "start":
      return [{ text: truncate(`checking ${item.image.ref}  ${item.image.id.slice(0, 19)}  ·  ${item.total} check${item.total === 1 ? "" : "s"}`, width), bold: true }];
    case "group":
      return [groupLine(item.group, width)];
    case "sandbox":
      return [containerLine(item.container, width)];
    case "check": {
      const r = item.result;
      const label = statusLabel(r, run.failOn);
      const why = r.status === "skip" && r.reason ? `  (${clean(r.reason)})` : "";
      const right = `${r.status === "fail" && width >= NARROW ? `[${r.severity}]  ` : ""}${duration(r.durationMs)}`;
      const row = checkRow(label.text, r.id, Math.max(idW, 2), `${clean(r.title)}${why}`, right, width);
      return [{ text: row, tone: label.tone }, ...item.containers.map((c) => containerLine(c, width))];
    }
  }
}

function PrintedItem({ item, run, width, color }: { item: Printed; run: RunState; width: number } & Paint): ReactElement {
  const lines = printedLines(item, run, width);
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((line, i) => (
        <Row key={i} line={line} color={color} />
      ))}
    </Box>
  );
}

function Live({ run, width, color, now }: { run: RunState; width: number; now: () => number } & Paint): ReactElement {
  const active = run.finishedAt === undefined;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((n) => n + 1), TICK_MS);
    return () => clearInterval(timer);
  }, [active]);
  const t = now();
  const spin = SPINNER[tick % SPINNER.length]!;
  const idW = idWidth(
    run.planned.map((p) => p.id),
    width,
  );
  const lines: Line[] = [];
  if (run.startedAt === undefined) lines.push({ text: truncate(`${spin} reading the image`, width), tone: "cyan" });
  let group = run.lastGroup;
  for (const r of run.running) {
    if (r.group !== group) lines.push(groupLine(r.group, width));
    group = r.group;
    lines.push({ text: checkRow(`${spin} RUN`, r.id, idW, clean(r.title), elapsed(t - r.startedAt), width), tone: "cyan", bold: true });
    for (const c of liveContainers(run, r.id)) lines.push(containerLine(c, width));
  }
  if (run.startedAt !== undefined) {
    const done = run.results.length;
    const failed = run.results.filter((r) => r.status === "fail" && r.waiver === undefined).length;
    const errored = run.results.filter((r) => r.status === "error").length;
    const bad = [failed > 0 ? `${failed} failed` : "", errored > 0 ? `${errored} errored` : ""].filter(Boolean).join(", ");
    const clock = elapsed((run.finishedAt ?? t) - run.startedAt);
    const state = run.finishedAt === undefined ? "" : "  ·  finished, writing the report";
    lines.push({ text: truncate(`${done} of ${run.planned.length} done${bad ? ` (${bad})` : ""}  ·  ${clock}${state}`, width), bold: true });
    const groups = groupProgress(run).map((g) => `${g.group} ${g.done}/${g.total}${g.bad > 0 ? ` (${g.bad}✗)` : ""}`);
    if (groups.length > 0) lines.push({ text: truncate(groups.join("  ·  "), width), tone: "gray" });
  }
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((line, i) => (
        <Row key={i} line={line} color={color} />
      ))}
    </Box>
  );
}

/* ---------------------------------------------------------------- after the run */

function listRow(r: CheckResult, report: Report, idW: number, width: number): string {
  const right = width >= NARROW ? `${r.severity.padEnd(7)} ${duration(r.durationMs).padStart(8)}` : duration(r.durationMs);
  return checkRow(statusLabel(r, report.failOn).text, r.id, idW, clean(r.title), right, width);
}

const LIST_HELP = "↑↓ j/k move  enter open  a f w s e p / tab filter  q quit";
const DETAIL_HELP = "↑↓ j/k scroll  PgUp/PgDn  g/G top/end  esc back  q quit";

function Browser({ report, width, height, color, interactive, onQuit }: { report: Report; width: number; height: number; interactive: boolean; onQuit: () => void } & Paint): ReactElement {
  const verdict = useMemo(() => verdictLines(report, width), [report, width]);
  // The verdict may take a third of the screen; the rest of it stays on the terminal after q.
  const most = Math.max(2, Math.floor(height / 3));
  const shownVerdict = verdict.length > most ? [...verdict.slice(0, most - 1), { text: truncate(`and ${verdict.length - most + 1} more lines, shown after q`, width), tone: "red" as const }] : verdict;
  // Two header lines and the help line, the verdict, the rows in what is left.
  const listHeight = Math.max(1, height - 3 - shownVerdict.length);
  const detailHeight = Math.max(1, height - 3);
  const detailCache = useMemo(() => new Map<string, Line[]>(), [report, width]);
  const detailOf = (r: CheckResult) => {
    let lines = detailCache.get(r.id);
    if (!lines) detailCache.set(r.id, (lines = detailLines(r, report.failOn, width, report.waivers)));
    return lines;
  };
  const ctx: BrowseContext = { results: report.results, listHeight, detailHeight, detailLength: (r) => detailOf(r).length };
  const [raw, dispatch] = useReducer((s: BrowseState, a: BrowseAction & { ctx: BrowseContext }) => reduceBrowse(s, a, a.ctx), START);
  const rows = visibleRows(report.results, raw.filter);
  const s = raw.view === "list" ? settle(raw, rows.length, listHeight) : raw;

  useInput(
    (input, key) => {
      const action = keyToAction(input, key, s.view, s.view === "list" ? listHeight : detailHeight);
      if (action?.type === "quit") onQuit();
      else if (action) dispatch({ ...action, ctx });
    },
    { isActive: interactive },
  );

  const filterName = s.filter;
  const head: Line = { text: truncate(`${report.tool.name} ${report.tool.version}  ·  ${report.image.ref}`, width), bold: true };
  const selected = rows[s.selected];
  let body: ReactNode;
  let sub: Line;
  let help: string;
  if (s.view === "detail" && selected) {
    const all = detailOf(selected);
    const scroll = Math.min(s.scroll, Math.max(0, all.length - detailHeight));
    const shown = all.slice(scroll, scroll + detailHeight);
    const label = statusLabel(selected, report.failOn);
    const range = all.length > detailHeight ? `  ·  lines ${scroll + 1}-${scroll + shown.length} of ${all.length}` : "";
    sub = { text: truncate(`${label.text} ${selected.id}  (${s.selected + 1} of ${rows.length}, ${filterName})${range}`, width), tone: label.tone, bold: true };
    body = shown.map((line, i) => <Row key={i} line={line} color={color} />);
    help = DETAIL_HELP;
  } else {
    const idW = idWidth(
      rows.map((r) => r.id),
      width - 2,
    );
    const position = rows.length > 0 ? `  ·  ${s.selected + 1}/${rows.length}` : "";
    sub = { text: truncate(`filter: ${filterName}  (${rows.length} of ${report.results.length} checks)${position}`, width), tone: "gray" };
    if (rows.length === 0) {
      const why = report.results.length === 0 ? "no checks ran" : `no ${filterName} checks: a shows all`;
      body = <Row line={{ text: truncate(`  (${why})`, width), tone: "gray" }} color={color} />;
    } else {
      body = rows.slice(s.top, s.top + listHeight).map((r, i) => {
        const index = s.top + i;
        const on = index === s.selected;
        const label = statusLabel(r, report.failOn);
        return <Row key={r.id} line={{ text: `${on ? "›" : " "} ${listRow(r, report, idW, width - 2)}`, tone: label.tone, bold: on }} color={color} inverse={on} />;
      });
    }
    help = LIST_HELP;
  }
  return (
    <Box flexDirection="column" width={width}>
      <Row line={head} color={color} />
      <Row line={sub} color={color} />
      {body}
      {s.view === "list" && shownVerdict.map((line, i) => <Row key={`v${i}`} line={line} color={color} />)}
      <Row line={{ text: truncate(help, width), tone: "gray" }} color={color} />
    </Box>
  );
}

/** Without a keyboard: what a reader needs of the report, printed once (the rows themselves are already above). */
function Digest({ report, width, color }: { report: Report; width: number } & Paint): ReactElement {
  const lines: Line[] = [];
  for (const r of report.results) {
    if (r.status !== "fail" && r.status !== "error") continue;
    const label = statusLabel(r, report.failOn);
    lines.push({ text: "" }, { text: truncate(`${label.text} ${r.id}`, width), tone: label.tone, bold: true }, ...detailLines(r, report.failOn, width, report.waivers));
  }
  lines.push({ text: "" }, ...verdictLines(report, width));
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((line, i) => (
        <Row key={i} line={line} color={color} />
      ))}
    </Box>
  );
}

function Lines({ lines, width, color }: { lines: Line[]; width: number } & Paint): ReactElement {
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((line, i) => (
        <Row key={i} line={line} color={color} />
      ))}
    </Box>
  );
}

export interface AppProps {
  store: TuiStore;
  color: boolean;
  /** Whether keys can be read: false, the report is printed rather than browsed. */
  interactive: boolean;
  now: () => number;
  onQuit: () => void;
  /** Fixed terminal dimensions, for tests; otherwise stdout's, following resizes. */
  columns?: number;
  rows?: number;
}

export function App({ store, color, interactive, now, onQuit, columns, rows }: AppProps): ReactElement {
  const { run, phase } = useSyncExternalStore(store.subscribe, store.get);
  const size = useTerminalSize({ columns, rows });
  const width = Math.max(1, Math.min(size.columns, MAX_WIDTH));
  let live: ReactNode;
  switch (phase.kind) {
    case "run":
      live = <Live run={run} width={width} color={color} now={now} />;
      break;
    case "browse":
      // One row short of the screen: a frame that fills it makes ink clear the whole screen on every redraw.
      live = <Browser report={phase.report} width={width} height={Math.max(4, size.rows - 1)} color={color} interactive={interactive} onQuit={onQuit} />;
      break;
    case "digest":
      live = <Digest report={phase.report} width={width} color={color} />;
      break;
    case "done":
      live = <Lines lines={verdictLines(phase.report, width)} width={width} color={color} />;
      break;
    case "aborted": {
      const done = `${run.results.length} of ${run.planned.length} checks done`;
      live = <Lines lines={[{ text: truncate(`stopped: ${clean(phase.message)}  ·  ${done}`, width), tone: "magenta", bold: true }]} width={width} color={color} />;
      break;
    }
  }
  return (
    <>
      <Static items={run.printed}>{(item) => <PrintedItem key={item.key} item={item} run={run} width={width} color={color} />}</Static>
      {live}
    </>
  );
}

/* ---------------------------------------------------------------- the handle */

/** What the UI was mounted into: ink's render() in the CLI, ink-testing-library's in the tests. */
export interface MountedApp {
  /** Renders `tree` now, with every update still queued (React otherwise commits store updates a microtask later). */
  rerender(tree: ReactElement): void;
  unmount(): void;
  /** Settles when the app has gone, by unmount() or because ink stopped it (a render error rejects). */
  exited: Promise<void>;
}

export interface TuiHandle {
  listener: (event: EngineEvent) => void;
  finish(report: Report): Promise<void>;
  abort(message: string): void;
}

export interface CreateOptions {
  mount: (tree: ReactElement) => MountedApp;
  color: boolean;
  interactive: boolean;
  now?: () => number;
  columns?: number;
  rows?: number;
  /** --fail-on: failures below it are drawn as warnings while the run goes on. */
  failOn?: FailOn;
}

/** Mounts the app with `mount` and returns the handle the CLI drives; startTui() passes ink's render. */
export function createTui(o: CreateOptions): TuiHandle {
  const store = new TuiStore();
  if (o.failOn) store.update((s) => ({ ...s, run: { ...s.run, failOn: o.failOn } }));
  const now = o.now ?? (() => performance.now());
  let closed = false;
  let quitting: Promise<void> | undefined;
  let finishing: Promise<void> | undefined;
  let resolveFinish: (() => void) | undefined;
  const app = () => (
    <App
      store={store}
      color={o.color}
      interactive={o.interactive}
      now={now}
      onQuit={() => {
        quitting ??= quit();
      }}
      columns={o.columns}
      rows={o.rows}
    />
  );
  const mounted = o.mount(app());
  // Marked handled here; finish() still sees a rejection through its own race.
  mounted.exited.catch(() => {});
  /** The last phase is drawn before the app goes, so that it is what the terminal keeps. */
  const close = (last: Phase) => {
    if (closed) return;
    closed = true;
    store.update((s) => ({ ...s, phase: last }));
    mounted.rerender(app());
    mounted.unmount();
  };
  const quit = async () => {
    const { phase } = store.get();
    if (closed || phase.kind !== "browse") return;
    close({ kind: "done", report: phase.report });
    await mounted.exited.catch(() => {});
    resolveFinish?.();
  };
  return {
    listener(event) {
      if (closed) return;
      store.update((s) => ({ ...s, run: reduceRun(s.run, event, now()) }));
    },
    finish(report) {
      finishing ??= (async () => {
        if (closed) return;
        if (!o.interactive) {
          close({ kind: "digest", report });
          await mounted.exited.catch(() => {});
          return;
        }
        const quitByUser = new Promise<void>((resolve) => (resolveFinish = resolve));
        store.update((s) => ({ ...s, phase: { kind: "browse", report } }));
        // If ink stops the app itself (a render error), there is nobody left to press q.
        await Promise.race([quitByUser, mounted.exited]);
      })();
      return finishing;
    },
    abort(message) {
      if (closed) return;
      close({ kind: "aborted", message });
      resolveFinish?.();
    },
  };
}
