import { isBlocking } from "../../cli/exit-codes.js";
import type { Evidence } from "../../engine/check.js";
import type { CheckResult, Report, WaiverState } from "../model.js";
import { locationText, verdictOf, waiverNote } from "../text.js";

/** The colours the terminal report uses; with color off none is painted and every state still reads from its text. */
export type Tone = "green" | "red" | "yellow" | "gray" | "magenta" | "cyan" | "blue";

/** One terminal line, already cut to the width: the views never let ink wrap text. */
export interface Line {
  text: string;
  tone?: Tone;
  bold?: boolean;
}

/** A status as the terminal shows it: six columns wide, a waived failure set apart from a blocking one. */
export function statusLabel(r: Pick<CheckResult, "status" | "severity" | "waiver">, failOn: Report["failOn"] | undefined): { text: string; tone: Tone } {
  switch (r.status) {
    case "pass":
      return { text: "PASS", tone: "green" };
    case "skip":
      return { text: "SKIP", tone: "gray" };
    case "error":
      return { text: "ERROR", tone: "magenta" };
    case "fail":
      if (r.waiver !== undefined) return { text: "WAIVED", tone: "blue" };
      // Without --fail-on (a caller that does not know it), every failure looks blocking.
      return { text: "FAIL", tone: failOn === undefined || isBlocking(r, failOn) ? "red" : "yellow" };
  }
}

export const LABEL_WIDTH = 6;

/** A duration as a check's or a container's: "1.5 ms", "840 ms", "1.84 s", "12.3 s", "2m 05s". */
export function duration(ms: number): string {
  if (ms < 10) return `${trim(ms.toFixed(1))} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${trim((ms / 1000).toFixed(2))} s`;
  if (ms < 60_000) return `${trim((ms / 1000).toFixed(1))} s`;
  return minutes(ms);
}

/** A running clock: one decimal, so that its width holds still while it ticks. */
export function elapsed(ms: number): string {
  const safe = Math.max(0, ms);
  return safe < 60_000 ? `${(safe / 1000).toFixed(1)} s` : minutes(safe);
}

function minutes(ms: number): string {
  const total = Math.floor(ms / 1000);
  return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, "0")}s`;
}

function trim(fixed: string): string {
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

// CSI and OSC sequences, then any other control character: a log tail may hold colours, cursor moves or a bell.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|\u001B[@-_]?/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** Text from the image (logs, values) made safe for one terminal line: no escapes, no controls, tabs as spaces. */
export function clean(s: string): string {
  return s.replace(/\r\n/g, "\n").replace(ESCAPES, "").replace(/\t/g, "  ").replace(/\r/g, "").replace(CONTROLS, "?");
}

/** Cut to `width` columns with an ellipsis. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return "";
  if (s.length <= width) return s;
  return width === 1 ? s.slice(0, 1) : `${s.slice(0, width - 1)}…`;
}

/** `left` and `right` on one line of `width`, right-aligned; where both do not fit, `left` gives way, then `right` goes. */
export function fit(left: string, right: string, width: number): string {
  if (right === "") return truncate(left, width);
  const room = width - right.length - 2;
  if (room < Math.min(left.length, 12)) return truncate(left, width);
  return `${truncate(left, room).padEnd(room)}  ${right}`;
}

/** Word-wraps to `width`, breaking words longer than a line; keeps leading spaces; never returns an empty array. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of clean(text).split("\n")) {
    let line = "";
    let started = false;
    for (const word of para.split(" ")) {
      if (!started) {
        line = word;
        started = true;
      } else if (line.length + 1 + word.length <= w) {
        line += ` ${word}`;
        continue;
      } else {
        out.push(line);
        line = word;
      }
      while (line.length > w) {
        out.push(line.slice(0, w));
        line = line.slice(w);
      }
    }
    out.push(line);
  }
  return out;
}

function valueText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// The keys and their order are text.ts's, so that the two reports read alike.
const KEY_WIDTH = 6;
const KEY_INDENT = 2;

function keyed(key: string, value: string, width: number, tone?: Tone): Line[] {
  const column = KEY_INDENT + KEY_WIDTH + 1;
  const lines = value.split("\n").flatMap((l) => wrap(l, width - column));
  return lines.map((text, i) => ({
    text: truncate(`${" ".repeat(KEY_INDENT)}${(i === 0 ? key : "").padEnd(KEY_WIDTH)} ${text}`, width),
    ...(i === 0 && tone ? { tone } : {}),
  }));
}

function evidenceLines(e: Evidence, width: number): Line[] {
  const out: Line[] = [];
  if (e.location) out.push(...keyed("at", locationText(e.location), width));
  if (e.actual !== undefined) out.push(...keyed("seen", valueText(e.actual), width));
  if (e.expected !== undefined) out.push(...keyed("wanted", valueText(e.expected), width));
  for (const note of e.notes ?? []) out.push(...keyed("note", note, width));
  for (const cmd of e.reproduce ?? []) out.push(...keyed("repro", cmd, width));
  // The log is already a tail (the engine bounds it): all of it is shown here, where text.ts keeps its last five lines.
  if (e.log) out.push(...keyed("log", clean(e.log).replace(/\n+$/, ""), width));
  return out;
}

function plain(text: string, width: number, extra: Omit<Line, "text"> = {}): Line[] {
  return wrap(text, width).map((t) => ({ text: t, ...extra }));
}

/** Everything known about one check, as the detail view scrolls it: findings, evidence, log tail, reproducers. */
export function detailLines(r: CheckResult, failOn: Report["failOn"] | undefined, width: number, waivers: readonly WaiverState[] = []): Line[] {
  const w = Math.max(10, width);
  const out: Line[] = [];
  out.push(...plain(r.title, w, { bold: true }));
  // The status and id are the caller's heading; under the title, what the heading does not say.
  out.push(...plain(`severity ${r.severity}  ·  took ${duration(r.durationMs)}`, w, { tone: "gray" }));
  out.push(...keyed("clause", [r.clause, ...r.clauses.filter((c) => c !== r.clause)].join(", "), w));
  if (r.waiver) {
    out.push(...keyed("waived", `${r.waiver.reason}${r.waiver.expires ? ` (until ${r.waiver.expires})` : ""}`, w, "blue"));
  }
  for (const state of waivers.filter((x) => x.check === r.id)) {
    const note = waiverNote(state);
    if (note) out.push(...plain(note, w, { tone: state.state === "expired" ? "red" : "gray" }));
  }
  if (r.status === "skip" && r.reason) out.push(...keyed("reason", r.reason, w));
  if (r.status === "pass" && r.detail) out.push(...keyed("seen", r.detail, w));
  if (r.status === "error" && r.error) {
    out.push({ text: "" });
    out.push(...plain(`error: ${r.error.message}`, w, { tone: "magenta", bold: true }));
    if (r.error.stack) {
      out.push(...plain("this looks like a bug in byoc-check: please report it with the JSON report", w));
      for (const l of clean(r.error.stack).split("\n")) out.push(...plain(l, w, { tone: "gray" }));
    }
  }
  r.findings.forEach((f, i) => {
    out.push({ text: "" });
    if (r.findings.length > 1) out.push({ text: truncate(`finding ${i + 1} of ${r.findings.length}`, w), tone: "gray" });
    out.push(...plain(f.message, w, { bold: true }));
    out.push(...evidenceLines(f.evidence, w));
    out.push(...keyed("fix", f.fix, w, "cyan"));
  });
  return out;
}

/** text.ts's last line (counts, verdict, exit code), wrapped to the width, and under it each expired waiver. */
export function verdictLines(report: Report, width: number): Line[] {
  const { counts, ...v } = verdictOf(report);
  // text.ts would say INCOMPLETE and point at an ERROR row that is not there.
  const [verdict, tone]: [string, Tone] = v.tone === "magenta" && report.summary.total === 0 ? ["nothing was checked", "magenta"] : [v.verdict, v.tone];
  const expired = report.waivers.filter((w) => w.state === "expired");
  const out: Line[] = wrap(`${counts}  ·  ${verdict}  ·  exit ${report.exitCode}`, width).map((text) => ({ text, tone, bold: true }));
  for (const w of expired) out.push({ text: truncate(waiverNote(w)!, width), tone: "red" });
  return out;
}

/** The filters of the list view, in Tab order, with their keys. */
export const FILTERS = [
  { name: "all", key: "a", test: () => true },
  { name: "failing", key: "f", test: (r: CheckResult) => r.status === "fail" && r.waiver === undefined },
  { name: "waived", key: "w", test: (r: CheckResult) => r.status === "fail" && r.waiver !== undefined },
  { name: "skipped", key: "s", test: (r: CheckResult) => r.status === "skip" },
  { name: "errored", key: "e", test: (r: CheckResult) => r.status === "error" },
  { name: "passed", key: "p", test: (r: CheckResult) => r.status === "pass" },
] as const;

export type FilterName = (typeof FILTERS)[number]["name"];
