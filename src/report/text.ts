import { styleText } from "node:util";
import type { Evidence, Location } from "../engine/check.js";
import type { CheckResult, Report, WaiverState } from "./model.js";

type Style = Parameters<typeof styleText>[0];

export interface TextOptions {
  color: boolean;
}

const LABEL: Record<CheckResult["status"], [string, Style]> = {
  pass: ["PASS ", "green"],
  fail: ["FAIL ", "red"],
  skip: ["SKIP ", "gray"],
  error: ["ERROR", "magenta"],
};

// Finding lines: 6 spaces, 2 more, a 6-wide label and a space; continuation lines of a value start here.
const VALUE_COLUMN = 15;

/** Where a finding points, as the plain and the interactive report both say it. */
export function locationText(l: Location): string {
  switch (l.kind) {
    case "config":
      return `image config ${l.field}`;
    case "file":
      return `${l.path}${l.layer ? ` (layer ${l.layer.slice(0, 19)})` : ""}`;
    case "option":
      return `${l.option} ${l.value}`;
  }
}

function short(value: unknown): string {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}

function evidenceLines(e: Evidence): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  if (e.location) lines.push(["at", locationText(e.location)]);
  if (e.actual !== undefined) lines.push(["seen", short(e.actual)]);
  if (e.expected !== undefined) lines.push(["wanted", short(e.expected)]);
  for (const note of e.notes ?? []) lines.push(["note", note]);
  for (const cmd of e.reproduce ?? []) lines.push(["repro", cmd]);
  if (e.log) lines.push(["log", e.log.split("\n").slice(-5).join(`\n${" ".repeat(VALUE_COLUMN)}`)]);
  return lines;
}

/** What a config waiver says about the run, when it says anything: expired and unused waivers. */
export function waiverNote(w: WaiverState): string | undefined {
  if (w.state === "expired") return `waiver for ${w.check} expired on ${w.expires}: it excuses nothing and fails the run (renew it with a new date, or remove it)`;
  if (w.state === "unused") return `waiver for ${w.check} is unused: the check ran and did not fail (remove the waiver if it is no longer needed)`;
  return undefined;
}

/** The report's last line, in parts: the counts, and the verdict with its colour. */
export function verdictOf(report: Report): { counts: string; verdict: string; tone: "green" | "red" | "magenta" } {
  const s = report.summary;
  const waived = (s.waived ?? 0) > 0 ? ` (${s.waived} waived)` : "";
  const counts = `${s.total} check${s.total === 1 ? "" : "s"}: ${s.pass} passed, ${s.fail} failed${waived}, ${s.skip} skipped, ${s.error} errored`;
  const failing = report.results.filter((r) => r.status === "fail" && !r.waiver).map((r) => r.id);
  const expired = (report.waivers ?? []).filter((w) => w.state === "expired").map((w) => `waiver for ${w.check} expired`);
  if (report.conformant) return { counts, verdict: `conformant at --fail-on ${report.failOn}`, tone: "green" };
  if (s.blocking > 0 || expired.length > 0) return { counts, verdict: `NOT conformant: ${[...failing, ...expired].join(", ")}`, tone: "red" };
  return { counts, verdict: "INCOMPLETE: a check could not run (see ERROR above)", tone: "magenta" };
}

/** The plain report: a line per check, and for each failing one what was seen and what to change. */
export function renderText(report: Report, { color }: TextOptions): string {
  const paint = (style: Style, s: string) => (color ? styleText(style, s, { validateStream: false }) : s);
  const out: string[] = [];
  const { image } = report;
  out.push(`${paint("bold", `${report.tool.name} ${report.tool.version}`)}  ${image.ref}`);
  out.push(`  image     ${image.id.slice(0, 19)}  ${image.platform}${image.digest ? `  ${image.digest.slice(0, 19)}` : ""}`);
  out.push(`  spec      sagemaker ${report.spec.version}  contracts ${report.contracts.join(", ")}`);
  if (report.instances.length > 0) out.push(`  instances ${report.instances.join(", ")}`);
  out.push("");

  const idWidth = Math.max(...report.results.map((r) => r.id.length), 2);
  for (const r of report.results) {
    const [label, style] = LABEL[r.status];
    const sev = r.status === "fail" ? paint(r.severity === "error" && !r.waiver ? "red" : "yellow", ` [${r.severity}${r.waiver ? ", waived" : ""}]`) : "";
    const tail = r.status === "skip" ? paint("gray", `  (${r.reason})`) : "";
    out.push(`${paint(style, label)} ${r.id.padEnd(idWidth)}  ${r.title}${sev}${tail}`);
    const indent = " ".repeat(6);
    if (r.waiver) out.push(`${indent}${paint("yellow", `waived${r.waiver.expires ? ` until ${r.waiver.expires}` : ""}: ${r.waiver.reason}`)}`);
    if (r.status === "error" && r.error) {
      const bug = r.error.stack ? " (this looks like a bug in byoc-check: please report it with the JSON report)" : "";
      out.push(`${indent}${paint("magenta", `error: ${r.error.message}`)}${bug}`);
    }
    for (const f of r.findings) {
      out.push(`${indent}${paint("bold", f.message)}`);
      for (const [k, v] of evidenceLines(f.evidence)) out.push(`${indent}  ${paint("gray", k.padEnd(6))} ${v}`);
      out.push(`${indent}  ${paint("cyan", "fix".padEnd(6))} ${f.fix}`);
      out.push(`${indent}  ${paint("gray", "clause".padEnd(6))} ${r.clause}`);
    }
  }

  const notes = (report.waivers ?? []).flatMap((w) => {
    const note = waiverNote(w);
    return note === undefined ? [] : [paint(w.state === "expired" ? "red" : "gray", note)];
  });
  if (notes.length > 0) out.push("", ...notes);
  out.push("");
  const { counts, verdict, tone } = verdictOf(report);
  out.push(`${counts}  ·  ${paint(tone, verdict)}  ·  exit ${report.exitCode}`);
  return `${out.join("\n")}\n`;
}
