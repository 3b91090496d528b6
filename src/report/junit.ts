import { isBlocking } from "../cli/exit-codes.js";
import type { Finding, Location } from "../engine/check.js";
import type { AppliedWaiver, CheckResult, Report, WaiverState } from "./model.js";

// JUnit XML for Jenkins, GitLab and the GitHub test reporters. Its red/green agrees with byoc-check's exit code:
// - a failing check at or above --fail-on is a <failure>; an errored check an <error>;
// - a failing check below --fail-on passes (Jenkins turns any <failure> into an unstable build), its findings in
//   <system-out> under "warning: ...", its id in the suite's "below-fail-on" property;
// - a failure a waiver excuses is <skipped message="waived: ...">, its findings in <system-out>;
// - a waiver past its date fails the run even where its check passes: each becomes a failing testcase of its own,
//   in a testsuite "waivers" (classname byoc-check.waivers, name "<CHECK-ID> waiver");
// - a non-zero exit that nothing above explains (no check ran) gets one errored testcase "byoc-check run".
// No `file` attribute: a finding's path lies inside the image, and GitLab and the GitHub reporters resolve `file`
// against the repository. No `hostname`: the report does not record the host, and this is a function of the report.

const LOG_TAIL_LINES = 20;
const VALUE_MAX = 2000;

/** The characters XML 1.0 allows, less what reads badly in a report: ANSI colour sequences are dropped, other
 * control characters written as \xNN, lone surrogates and U+FFFE/U+FFFF replaced with U+FFFD. */
export function plainText(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "")
      // eslint-disable-next-line no-control-regex
      .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, "\ufffd")
  );
}

export function locationText(l: Location): string {
  switch (l.kind) {
    case "config":
      return `image config ${l.field}`;
    case "file":
      return `${l.path} in the image${l.layer ? ` (layer ${l.layer.slice(0, 19)})` : ""}`;
    case "option":
      return `${l.option} ${l.value}`;
  }
}

function shown(value: unknown): string {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return s.length > VALUE_MAX ? `${s.slice(0, VALUE_MAX - 3)}...` : s;
}

export function waiverText(w: AppliedWaiver): string {
  return `${w.reason}${w.expires ? ` (until ${w.expires})` : ""}`;
}

/** Every finding of a check as plain lines: what was seen, where, how to reproduce it, and what to change. */
export function findingsText(r: CheckResult): string {
  const indent = " ".repeat(9);
  const line = (label: string, value: string) => `  ${label.padEnd(6)} ${value.split("\n").join(`\n${indent}`)}`;
  const block = (f: Finding) => {
    const e = f.evidence;
    const out = [f.message];
    if (e.location) out.push(line("where", locationText(e.location)));
    if (e.actual !== undefined) out.push(line("seen", shown(e.actual)));
    if (e.expected !== undefined) out.push(line("wanted", shown(e.expected)));
    for (const note of e.notes ?? []) out.push(line("note", note));
    for (const cmd of e.reproduce ?? []) out.push(line("repro", cmd));
    if (e.log) out.push(line("log", e.log.replace(/\n+$/, "").split("\n").slice(-LOG_TAIL_LINES).join("\n")));
    out.push(line("fix", f.fix));
    out.push(line("clause", r.clause));
    return out.join("\n");
  };
  return r.findings.map(block).join("\n\n");
}

function text(s: string): string {
  return plainText(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r/g, "&#13;");
}

function attr(s: string): string {
  return text(s).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;").replace(/\t/g, "&#9;");
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${attr(String(v))}"`)
    .join("");
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The Ant schema's timestamp: ISO 8601 without fraction or zone; startedAt is UTC. */
const antTimestamp = (iso: string) => iso.slice(0, 19);

interface Case {
  classname: string;
  name: string;
  timeMs: number;
  /** The child elements, already rendered. */
  body: string[];
  kind: "pass" | "failure" | "error" | "skipped";
}

function element(tag: string, a: Record<string, string | number | undefined>, body?: string): string {
  return body === undefined || body === "" ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${text(body)}</${tag}>`;
}

function checkCase(r: CheckResult, report: Report): Case {
  const c = { classname: `byoc-check.${r.contract}`, name: `${r.id} ${r.title}`, timeMs: r.durationMs };
  switch (r.status) {
    case "pass":
      return { ...c, kind: "pass", body: r.detail ? [element("system-out", {}, r.detail)] : [] };
    case "skip":
      return { ...c, kind: "skipped", body: [element("skipped", { message: r.reason ?? "skipped" })] };
    case "error": {
      const e = r.error ?? { name: "Error", message: "the check failed without saying why" };
      const body = e.stack ? `${e.stack}\n\nThis looks like a bug in byoc-check: please report it with the JSON report.` : e.message;
      return { ...c, kind: "error", body: [element("error", { message: e.message, type: e.name }, body)] };
    }
    case "fail": {
      const findings = findingsText(r);
      if (r.waiver) {
        return { ...c, kind: "skipped", body: [element("skipped", { message: `waived: ${waiverText(r.waiver)}` }), element("system-out", {}, findings)] };
      }
      if (!isBlocking(r, report.failOn)) {
        const note = `${r.severity}: does not fail the run (below --fail-on ${report.failOn})`;
        return { ...c, kind: "pass", body: [element("system-out", {}, `${note}\n\n${findings}`)] };
      }
      return { ...c, kind: "failure", body: [element("failure", { message: r.findings[0]?.message ?? r.title, type: r.severity }, findings)] };
    }
  }
}

function expiredWaiverCase(w: WaiverState): Case {
  const message = `the waiver for ${w.check} expired on ${w.expires}: it excuses nothing and fails the run`;
  const body = `${message}\n  reason ${w.reason}\n  fix    renew the waiver with a new date in the config, or remove it`;
  return { classname: "byoc-check.waivers", name: `${w.check} waiver`, timeMs: 0, kind: "failure", body: [element("failure", { message, type: "expired-waiver" }, body)] };
}

interface Suite {
  name: string;
  cases: Case[];
  /** Properties of this suite only, after the report's. */
  extra: Array<[string, string]>;
}

function counts(cases: readonly Case[]) {
  const n = (k: Case["kind"]) => cases.filter((c) => c.kind === k).length;
  return { tests: cases.length, failures: n("failure"), errors: n("error"), skipped: n("skipped"), timeMs: cases.reduce((t, c) => t + c.timeMs, 0) };
}

/** The report as JUnit XML: one testsuite per contract, one testcase per check. Pure. */
export function renderJunit(report: Report): string {
  const contracts = [...report.contracts];
  for (const r of report.results) if (!contracts.includes(r.contract)) contracts.push(r.contract);
  const suites: Suite[] = [];
  for (const contract of contracts) {
    const results = report.results.filter((r) => r.contract === contract);
    if (results.length === 0) continue;
    const extra: Array<[string, string]> = [];
    const below = results.filter((r) => r.status === "fail" && !r.waiver && !isBlocking(r, report.failOn)).map((r) => r.id);
    const waived = results.filter((r) => r.waiver).map((r) => r.id);
    if (below.length > 0) extra.push(["below-fail-on", below.join(",")]);
    if (waived.length > 0) extra.push(["waived", waived.join(",")]);
    suites.push({ name: contract, cases: results.map((r) => checkCase(r, report)), extra });
  }
  const expired = report.waivers.filter((w) => w.state === "expired");
  if (expired.length > 0) suites.push({ name: "waivers", cases: expired.map(expiredWaiverCase), extra: [] });
  const red = suites.some((s) => s.cases.some((c) => c.kind === "failure" || c.kind === "error"));
  if (report.exitCode !== 0 && !red) {
    const message = report.results.length === 0 ? `no check ran (exit ${report.exitCode})` : `byoc-check exited ${report.exitCode}`;
    suites.push({ name: "byoc-check", cases: [{ classname: "byoc-check", name: "byoc-check run", timeMs: report.durationMs, kind: "error", body: [element("error", { message, type: "exit" }, message)] }], extra: [] });
  }

  const { image } = report;
  const props: Array<[string, string | undefined]> = [
    ["image", image.ref],
    ["image.id", image.id],
    ["image.digest", image.digest],
    ["image.platform", image.platform],
    ["spec", `${report.spec.family} ${report.spec.version}`],
    ["contracts", report.contracts.join(",")],
    ["instances", report.instances.length > 0 ? report.instances.join(",") : undefined],
    ["seed", String(report.seed)],
    ["fail-on", report.failOn],
    ["exit-code", String(report.exitCode)],
    ["byoc-check.version", report.tool.version],
  ];
  const timestamp = antTimestamp(report.startedAt);
  const all = counts(suites.flatMap((s) => s.cases));
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites${attrs({ name: "byoc-check", tests: all.tests, failures: all.failures, errors: all.errors, skipped: all.skipped, time: seconds(report.durationMs), timestamp })}>`);
  for (const [i, s] of suites.entries()) {
    const n = counts(s.cases);
    out.push(`  <testsuite${attrs({ name: s.name, id: i, tests: n.tests, failures: n.failures, errors: n.errors, skipped: n.skipped, time: seconds(n.timeMs), timestamp })}>`);
    out.push("    <properties>");
    for (const [name, value] of [...props, ...s.extra]) if (value !== undefined) out.push(`      <property${attrs({ name, value })}/>`);
    out.push("    </properties>");
    for (const c of s.cases) {
      const open = `    <testcase${attrs({ classname: c.classname, name: c.name, time: seconds(c.timeMs) })}`;
      if (c.body.length === 0) out.push(`${open}/>`);
      else out.push(`${open}>`, ...c.body.map((b) => `      ${b}`), "    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}
