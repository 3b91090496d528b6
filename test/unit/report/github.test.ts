import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Location } from "../../../src/engine/check.js";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { STEP_SUMMARY_MAX_BYTES, renderAnnotations, renderStepSummary } from "../../../src/report/github.js";
import { ARCH, BAKED_MODEL, CRASHED, ROOT, SCENARIOS, SHELL_FORM, errored, failed, passed, sampleReport } from "./samples.js";

const GOLDEN_DIR = join(PACKAGE_ROOT, "fixtures", "reports");
const GITHUB_LIMIT = 1024 * 1024;

function golden(file: string, actual: string) {
  const path = join(GOLDEN_DIR, file);
  if (process.env.UPDATE_GOLDENS === "1" || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

describe("GitHub renderers against fixtures/reports/", () => {
  // UPDATE_GOLDENS=1 rewrites the files from the renderers; review the diff before committing it.
  it.each(Object.keys(SCENARIOS))("%s.summary.md", (name) => golden(`${name}.summary.md`, renderStepSummary(SCENARIOS[name]!())));
  it.each(Object.keys(SCENARIOS))("%s.annotations.txt", (name) => golden(`${name}.annotations.txt`, renderAnnotations(SCENARIOS[name]!())));
});

/** The cells of a Markdown table row, split where GFM splits them: at pipes no backslash escapes. */
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());

describe("renderStepSummary", () => {
  it("heads with the verdict and the image", () => {
    const head = (name: string) => renderStepSummary(SCENARIOS[name]!()).split("\n")[0];
    expect(head("conformant")).toBe("## ✅ byoc-check: `registry.example.com/team/model:v1` is conformant");
    expect(head("warning-below-fail-on")).toMatch(/is conformant$/);
    expect(head("failing")).toMatch(/^## ❌ .* is NOT conformant$/);
    expect(head("waivers")).toMatch(/is NOT conformant$/);
    expect(head("incomplete")).toBe("## ⚠️ byoc-check: the check of `registry.example.com/team/model:v1` is incomplete");
  });

  it("lists the checks that did not pass in a table, and every check under <details>", () => {
    const report = SCENARIOS.failing!();
    const md = renderStepSummary(report);
    const [top, details] = md.split("<details>");
    const ids = (s: string) => [...s.matchAll(/^\| [^|]+ \| `([A-Z-]+)` \|/gm)].map((m) => m[1]);
    expect(ids(top!)).toEqual(report.results.filter((r) => r.status !== "pass").map((r) => r.id));
    expect(ids(details!)).toEqual(report.results.map((r) => r.id));
    expect(md).toContain("| ⚠️ fail, below fail-on | `IMG-USER-ROOT` | warning | IMG-USER-ROOT holds | The image runs as \"1000\", not root |");
  });

  it("escapes pipes, newlines, backticks and HTML in table cells", () => {
    const message = "a | b `code` <script>alert(1)</script> *x* _y_ [l](u) ~s~ &amp; \\ end\nsecond line\r\nthird";
    const md = renderStepSummary(sampleReport([failed("IMG-X", "training#start.command", "error", { ...ROOT, message })]));
    const row = md.split("\n").find((l) => l.startsWith("| ❌ fail |"))!;
    const c = cells(row);
    expect(c).toHaveLength(5);
    expect(c[4]).toBe("a \\| b \\`code\\` \\<script\\>alert(1)\\</script\\> \\*x\\* \\_y\\_ \\[l\\](u) \\~s\\~ \\&amp; \\\\ end<br>second line<br>third");
    expect(md).not.toContain("<script>");
  });

  it("shows the waivers and what became of each", () => {
    const md = renderStepSummary(SCENARIOS.waivers!());
    expect(md).toContain("### Waivers");
    expect(md).toContain("| `IMG-ARCH-INSTANCE` | ❌ expired: fails the run | 2025-12-31 | arm64 build pending |");
    expect(md).toContain("| `IMG-ENTRYPOINT-EXEC` | 💤 unused: its check did not fail | 2026-06-30 | legacy shell entrypoint |");
    expect(md).toContain("| 🔕 waived | `IMG-USER-ROOT` | warning | IMG-USER-ROOT holds | The image runs as \"1000\", not root<br>*waived: the server drops privileges itself (TICKET-12) (until 2026-03-31)* |");
    expect(renderStepSummary(SCENARIOS.failing!())).not.toContain("### Waivers");
  });

  it("gives the reproducers of failures in code blocks", () => {
    const md = renderStepSummary(SCENARIOS["multiline-log"]!());
    expect(md).toContain("### Reproduce\n\n**`IMG-TRAIN-STARTS`** \\`docker run IMAGE train\\` exited 1 within 2 s\n\n```sh\ndocker run --rm registry.example.com/team/model:v1 train\n```\n");
    const fenced = renderStepSummary(sampleReport([failed("IMG-X", "training#start.command", "error", { ...CRASHED, evidence: { reproduce: ["echo '```'"] } })]));
    expect(fenced).toContain("````sh\necho '```'\n````\n");
  });

  it("stays under GitHub's 1 MiB with a note when the report is huge", () => {
    const big = (i: number) =>
      failed(`IMG-BIG-${i}`, "training#start.command", "error", { ...SHELL_FORM, message: `${"m".repeat(3000)} ${i}`, evidence: { reproduce: [`docker run ${"x".repeat(6000)}`, "curl localhost"] } });
    const report = sampleReport(Array.from({ length: 3000 }, (_, i) => big(i)));
    const md = renderStepSummary(report);
    const bytes = Buffer.byteLength(md, "utf8");
    expect(bytes).toBeLessThanOrEqual(STEP_SUMMARY_MAX_BYTES);
    expect(bytes).toBeLessThan(GITHUB_LIMIT);
    expect(bytes).toBeGreaterThan(STEP_SUMMARY_MAX_BYTES - 20_000);
    expect(md).toMatch(/cut short to stay under GitHub's 1 MiB limit/);
    expect(md.split("<details>").length).toBe(md.split("</details>").length);
    expect(md.startsWith("## ❌ byoc-check")).toBe(true);
    // Every row is whole: truncation drops rows, never halves one.
    for (const line of md.split("\n").filter((l) => l.startsWith("| ❌"))) expect(cells(line)).toHaveLength(5);

    const oneHuge = sampleReport([failed("IMG-X", "training#start.command", "error", { ...ROOT, message: "y".repeat(5_000_000), evidence: { reproduce: ["z".repeat(5_000_000)] } })]);
    expect(Buffer.byteLength(renderStepSummary(oneHuge), "utf8")).toBeLessThan(50_000);
    for (const name of Object.keys(SCENARIOS)) expect(renderStepSummary(SCENARIOS[name]!())).not.toContain("cut short");
  });
});

// The runner's side of workflow commands (actions/runner ActionCommand.TryParseV2 and its Unescape*): the command
// ends at the first "::" after the leading one; properties split at "," and then at the first "="; escapes are
// undone with %25 last.
function unescape(s: string, property: boolean): string {
  const map: Array<[string, string]> = property
    ? [["%0D", "\r"], ["%0A", "\n"], ["%3A", ":"], ["%2C", ","], ["%25", "%"]]
    : [["%0D", "\r"], ["%0A", "\n"], ["%25", "%"]];
  return map.reduce((v, [token, ch]) => v.split(token).join(ch), s);
}

interface Command {
  name: string;
  props: Record<string, string>;
  message: string;
}

function parseCommand(line: string): Command {
  expect(line.startsWith("::")).toBe(true);
  const end = line.indexOf("::", 2);
  expect(end).toBeGreaterThan(2);
  const info = line.slice(2, end);
  const space = info.indexOf(" ");
  const name = space < 0 ? info : info.slice(0, space);
  const props: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of info.slice(space + 1).split(",")) {
      const eq = pair.indexOf("=");
      props[pair.slice(0, eq)] = unescape(pair.slice(eq + 1), true);
    }
  }
  return { name, props, message: unescape(line.slice(end + 2), false) };
}

const commands = (text: string) => text.split("\n").filter((l) => l !== "").map(parseCommand);

describe("renderAnnotations", () => {
  it("round-trips %, newlines, colons and commas through the runner's unescaping", () => {
    const nasty = "100% done: a, b\r\nnext::line %0A %25 ::error::x";
    const r = failed("IMG-X", "training#start.command", "error", { ...ROOT, message: nasty, fix: `fix ${nasty}` });
    const out = renderAnnotations(sampleReport([{ ...r, title: nasty }]), { dockerfile: { path: "docker/Dockerfile, v2: main", lineFor: () => 7 } });
    expect(out.trimEnd().split("\n")).toHaveLength(1);
    const [c] = commands(out);
    expect(c!.name).toBe("error");
    expect(c!.props).toEqual({ title: `IMG-X: ${nasty}`, file: "docker/Dockerfile, v2: main", line: "7" });
    expect(c!.message).toBe(`${nasty}\nfix: fix ${nasty}`);
  });

  it("gives each finding a level from its severity, --fail-on and its waiver", () => {
    const levels = (name: string) => commands(renderAnnotations(SCENARIOS[name]!())).map((c) => [c.name, c.props.title]);
    expect(levels("conformant")).toEqual([]);
    expect(renderAnnotations(SCENARIOS.conformant!())).toBe("");
    expect(levels("failing")).toEqual([
      ["error", "IMG-ENTRYPOINT-EXEC: IMG-ENTRYPOINT-EXEC holds"],
      ["error", "IMG-OPTML-SHADOWED: IMG-OPTML-SHADOWED holds"],
      ["error", "IMG-ARCH-INSTANCE: IMG-ARCH-INSTANCE holds"],
      ["warning", "IMG-USER-ROOT: IMG-USER-ROOT holds"],
      ["error", "IMG-ENV-CREDENTIALS: IMG-ENV-CREDENTIALS holds"],
    ]);
    // --fail-on warning: the waived ones are notices, the one whose waiver expired an error, and so is the waiver.
    expect(levels("waivers")).toEqual([
      ["notice", "IMG-USER-ROOT: IMG-USER-ROOT holds"],
      ["notice", "IMG-OPTML-SHADOWED: IMG-OPTML-SHADOWED holds"],
      ["error", "IMG-ARCH-INSTANCE: IMG-ARCH-INSTANCE holds"],
      ["error", "Waiver for IMG-ARCH-INSTANCE expired"],
    ]);
    const waived = commands(renderAnnotations(SCENARIOS.waivers!()))[0]!;
    expect(waived.message).toBe('waived: the server drops privileges itself (TICKET-12) (until 2026-03-31)\nThe image runs as "1000", not root\nwhere: image config Config.User\nfix: Remove USER, or set USER root.');
    const atWarning = sampleReport([failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT), failed("IMG-INFO", "inference#user.root", "info", ROOT)], { failOn: "warning" });
    expect(commands(renderAnnotations(atWarning)).map((c) => c.name)).toEqual(["error", "notice"]);
    const below = commands(renderAnnotations(SCENARIOS["warning-below-fail-on"]!()))[0]!;
    expect(below.message).toBe('The image runs as "1000", not root (warning, below --fail-on error)\nwhere: image config Config.User\nfix: Remove USER, or set USER root.');
  });

  it("says an errored check could not run, and asks for a bug report only for a bug", () => {
    const out = commands(renderAnnotations(sampleReport([errored("IMG-A", "training#start.command", "engine gone"), errored("IMG-B", "training#start.command", "boom", "TypeError: boom\n    at x")])));
    expect(out.map((c) => [c.name, c.message])).toEqual([
      ["error", "IMG-A could not run: engine gone"],
      ["error", "IMG-B could not run: boom\nThis looks like a bug in byoc-check: please report it with the JSON report."],
    ]);
  });

  it("points into the Dockerfile only where a config location maps to a line", () => {
    const asked: Location[] = [];
    const dockerfile = {
      path: "Dockerfile",
      lineFor(l: Location) {
        asked.push(l);
        return l.kind === "config" && l.field === "Config.Entrypoint" ? 12 : undefined;
      },
    };
    const report = sampleReport([failed("IMG-A", "training#start.exec-form", "error", SHELL_FORM, ROOT, BAKED_MODEL, ARCH, CRASHED)]);
    const out = commands(renderAnnotations(report, { dockerfile }));
    expect(out.map((c) => [c.props.file, c.props.line])).toEqual([["Dockerfile", "12"], [undefined, undefined], [undefined, undefined], [undefined, undefined], [undefined, undefined]]);
    expect(asked.map((l) => l.kind)).toEqual(["config", "config"]);
    expect(out[0]!.message).not.toContain("where:");
    expect(out[1]!.message).toContain("where: image config Config.User");
    expect(out[2]!.message).toContain("where: /opt/ml/model/weights.bin in the image");
    expect(commands(renderAnnotations(report)).every((c) => c.props.file === undefined)).toBe(true);
  });

  it("never lets a control character or a raw newline into a command", () => {
    const out = renderAnnotations(sampleReport([failed("IMG-A", "training#start.command", "error", { ...ROOT, message: "\x1b[31mred\x1b[0m\x07 x\ny" }), passed("IMG-B", "training#start.command")]));
    expect(out.split("\n").filter(Boolean)).toHaveLength(1);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(commands(out)[0]!.message).toMatch(/^red\\x07 x\ny\n/);
  });
});
