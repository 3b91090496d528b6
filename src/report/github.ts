import { isBlocking } from "../cli/exit-codes.js";
import type { Location } from "../engine/check.js";
import { locationText, plainText, waiverText } from "./junit.js";
import type { CheckResult, Report, WaiverState } from "./model.js";

// GitHub refuses a step summary over 1 MiB (1,048,576 bytes) and shows none of it; stay well clear.
export const STEP_SUMMARY_MAX_BYTES = 1_000_000;
// Room kept for what closes a section and for the truncation note.
const RESERVE_BYTES = 2_048;
const CELL_MAX = 500;
const CODE_LINE_MAX = 4_000;

/** Backslash-escapes what Markdown or inline HTML would read as syntax; newlines become <br> (tables are one line). */
function md(s: string, max = Infinity): string {
  const t = plainText(s).replace(/\r\n?/g, "\n");
  const cut = t.length > max ? `${t.slice(0, max - 1)}…` : t;
  return cut.replace(/[\\`*_[\]<>|~&]/g, "\\$&").replace(/\n/g, "<br>");
}

/** A code span for ids and image references (never hold a backtick, but a fence longer than any run is cheap). */
function code(s: string): string {
  const t = plainText(s).replace(/\s+/g, " ");
  const run = Math.max(0, ...(t.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(run + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t.replace(/\|/g, "\\|")}${pad}${fence}`;
}

function codeBlock(lines: readonly string[]): string {
  const body = lines.map((l) => {
    const t = plainText(l);
    return t.length > CODE_LINE_MAX ? `${t.slice(0, CODE_LINE_MAX - 1)}…` : t;
  });
  const run = Math.max(2, ...body.flatMap((l) => (l.match(/`+/g) ?? []).map((m) => m.length)));
  const fence = "`".repeat(run + 1);
  return `${fence}sh\n${body.join("\n")}\n${fence}`;
}

type Look = "pass" | "fail" | "warn" | "waived" | "skip" | "error";

const ICON: Record<Look, string> = {
  pass: "✅ pass",
  fail: "❌ fail",
  warn: "⚠️ fail, below fail-on",
  waived: "🔕 waived",
  skip: "⏭️ skip",
  error: "💥 error",
};

function look(r: CheckResult, report: Report): Look {
  if (r.status !== "fail") return r.status;
  if (r.waiver) return "waived";
  return isBlocking(r, report.failOn) ? "fail" : "warn";
}

function resultText(r: CheckResult): string {
  switch (r.status) {
    case "pass":
      return md(r.detail ?? "", CELL_MAX);
    case "skip":
      return md(r.reason ?? "", CELL_MAX);
    case "error":
      return md(`${r.error?.message ?? "the check failed without saying why"}${r.error?.stack ? " (a bug in byoc-check: please report it)" : ""}`, CELL_MAX);
    case "fail": {
      const more = r.findings.length > 1 ? ` (+${r.findings.length - 1} more)` : "";
      const first = md(`${r.findings[0]?.message ?? r.title}${more}`, CELL_MAX);
      return r.waiver ? `${first}<br>*waived: ${md(waiverText(r.waiver), CELL_MAX)}*` : first;
    }
  }
}

const WAIVER_STATE: Record<WaiverState["state"], string> = {
  applied: "🔕 applied",
  unused: "💤 unused: its check did not fail",
  expired: "❌ expired: fails the run",
  "not-run": "➖ not run: its check was not selected",
};

/** Adds parts while they fit; once one does not, nothing more but the closers, and a note at the end. */
class Budget {
  private parts: string[] = [];
  private bytes = 0;
  truncated = false;

  add(s: string): boolean {
    const n = Buffer.byteLength(s, "utf8") + 1;
    if (this.truncated || this.bytes + n > STEP_SUMMARY_MAX_BYTES - RESERVE_BYTES) {
      this.truncated = true;
      return false;
    }
    this.parts.push(s);
    this.bytes += n;
    return true;
  }

  close(s: string): void {
    this.parts.push(s);
    this.bytes += Buffer.byteLength(s, "utf8") + 1;
  }

  done(): string {
    if (this.truncated) {
      this.close("");
      this.close("> [!NOTE]");
      this.close("> This summary was cut short to stay under GitHub's 1 MiB limit for a step summary: the JSON, JUnit and SARIF reports hold every check.");
    }
    return `${this.parts.join("\n")}\n`;
  }
}

function verdict(report: Report): string {
  const image = code(report.image.ref);
  if (report.exitCode === 0) return `✅ byoc-check: ${image} is conformant`;
  if (report.exitCode === 1) return `❌ byoc-check: ${image} is NOT conformant`;
  return `⚠️ byoc-check: the check of ${image} is incomplete`;
}

/** GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY: the verdict, what did not pass, and how to reproduce it. */
export function renderStepSummary(report: Report): string {
  const out = new Budget();
  const s = report.summary;
  out.add(`## ${verdict(report)}`);
  out.add("");
  const waived = s.waived > 0 ? ` (${s.waived} waived)` : "";
  const expired = s.expiredWaivers > 0 ? ` · ${s.expiredWaivers} expired waiver${s.expiredWaivers === 1 ? "" : "s"}` : "";
  out.add(
    `**${s.total} check${s.total === 1 ? "" : "s"}**: ${s.pass} passed, ${s.fail} failed${waived}, ${s.skip} skipped, ${s.error} errored${expired} · ` +
      `exit ${report.exitCode} at --fail-on ${report.failOn} · ${md(`${report.spec.family} ${report.spec.version}`)} (${md(report.contracts.join(", "))}) · ${md(report.image.platform)}` +
      `${report.instances.length > 0 ? ` · ${md(report.instances.join(", "))}` : ""} · ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  if (report.exitCode === 2 && report.results.length === 0) {
    out.add("");
    out.add("No check ran: the selection matched none.");
  }

  const row = (r: CheckResult, withContract: boolean) =>
    `| ${ICON[look(r, report)]} | ${code(r.id)} | ${r.severity} |${withContract ? ` ${r.contract} |` : ""} ${md(r.title, CELL_MAX)} | ${resultText(r)} |`;
  const notPassing = report.results.filter((r) => r.status !== "pass");
  if (notPassing.length > 0) {
    out.add("");
    out.add("| Status | Check | Severity | Title | Finding |");
    out.add("|---|---|---|---|---|");
    for (const r of notPassing) if (!out.add(row(r, false))) break;
  }

  if (report.results.length > 0 && out.add("") && out.add(`<details><summary>All ${s.total} checks</summary>`)) {
    out.add("");
    out.add("| Status | Check | Severity | Contract | Title | Result |");
    out.add("|---|---|---|---|---|---|");
    for (const r of report.results) if (!out.add(row(r, true))) break;
    out.close("");
    out.close("</details>");
  }

  if (report.waivers.length > 0 && out.add("") && out.add("### Waivers")) {
    out.add("");
    out.add("| Check | State | Expires | Reason |");
    out.add("|---|---|---|---|");
    for (const w of report.waivers) {
      if (!out.add(`| ${code(w.check)} | ${WAIVER_STATE[w.state]} | ${w.expires ?? "never"} | ${md(w.reason, CELL_MAX)} |`)) break;
    }
  }

  const repro = report.results.filter((r) => r.status === "fail" && !r.waiver && r.findings.some((f) => (f.evidence.reproduce ?? []).length > 0));
  if (repro.length > 0 && out.add("") && out.add("### Reproduce")) {
    outer: for (const r of repro) {
      for (const f of r.findings) {
        const lines = f.evidence.reproduce ?? [];
        if (lines.length === 0) continue;
        if (!out.add("") || !out.add(`**${code(r.id)}** ${md(f.message, CELL_MAX)}`) || !out.add("") || !out.add(codeBlock(lines))) break outer;
      }
    }
  }
  return out.done();
}

export interface AnnotationOptions {
  /** Where findings about the image config point in the Dockerfile the image was built from. */
  dockerfile?: { path: string; lineFor(location: Location): number | undefined };
}

// The runner's escaping of workflow commands (actions/toolkit core/src/command.ts: escapeData, escapeProperty).
function escapeData(s: string): string {
  return plainText(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

type Level = "error" | "warning" | "notice";

function command(level: Level, props: Record<string, string | number | undefined>, message: string): string {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(",");
  return `::${level}${p ? ` ${p}` : ""}::${escapeData(message)}`;
}

function failureLevel(r: CheckResult, report: Report): Level {
  if (r.waiver) return "notice";
  if (isBlocking(r, report.failOn)) return "error";
  return r.severity === "info" ? "notice" : "warning";
}

/**
 * GitHub workflow commands, one line per finding of each failing check, each errored check and each expired waiver.
 * A blocking failure is ::error, one below --fail-on ::warning (::notice at info), a waived one ::notice.
 */
export function renderAnnotations(report: Report, o: AnnotationOptions = {}): string {
  const lines: string[] = [];
  for (const r of report.results) {
    const title = `${r.id}: ${r.title}`;
    if (r.status === "error") {
      const bug = r.error?.stack ? "\nThis looks like a bug in byoc-check: please report it with the JSON report." : "";
      lines.push(command("error", { title }, `${r.id} could not run: ${r.error?.message ?? "the check failed without saying why"}${bug}`));
      continue;
    }
    if (r.status !== "fail") continue;
    const level = failureLevel(r, report);
    for (const f of r.findings) {
      const loc = f.evidence.location;
      const line = o.dockerfile && loc?.kind === "config" ? o.dockerfile.lineFor(loc) : undefined;
      const at = loc && line === undefined ? `\nwhere: ${locationText(loc)}` : "";
      const waived = r.waiver ? `waived: ${waiverText(r.waiver)}\n` : "";
      const below = !r.waiver && level !== "error" ? ` (${r.severity}, below --fail-on ${report.failOn})` : "";
      const props = line !== undefined ? { title, file: o.dockerfile!.path, line } : { title };
      lines.push(command(level, props, `${waived}${f.message}${below}${at}\nfix: ${f.fix}`));
    }
  }
  for (const w of report.waivers) {
    if (w.state !== "expired") continue;
    lines.push(command("error", { title: `Waiver for ${w.check} expired` }, `The waiver for ${w.check} expired on ${w.expires} (${w.reason}): it excuses nothing and fails the run.\nfix: renew it with a new date in the config, or remove it.`));
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}
