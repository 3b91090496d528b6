import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as formats from "ajv-formats";
import { expect } from "vitest";
import type { FixtureRun } from "../support/fixtures.js";

export const ROOT = join(import.meta.dirname, "..", "..");
export const CLI = join(ROOT, "dist", "src", "cli", "main.js");
export const SESSION_LABEL = "dev.byoc-check.session";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/** Starts the real, built CLI with the Node running the tests. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Running {
  // A job summary only when a test asks for one: CI on GitHub Actions sets it for the test run itself.
  const { GITHUB_STEP_SUMMARY: _summary, ...inherited } = process.env;
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...inherited, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c) => (stdout += c));
  child.stderr!.on("data", (c) => (stderr += c));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  return startCli(args, env, cwd).done;
}

function docker(args: string[]): string[] {
  return execFileSync("docker", args, { encoding: "utf8", timeout: 30_000 }).split("\n").filter(Boolean);
}

/** What byoc-check runs may have left behind, observed with the docker CLI rather than byoc-check's own code. */
export function leftovers(): { containers: string[]; networks: string[]; volumes: string[]; tempDirs: string[] } {
  const filter = ["--filter", `label=${SESSION_LABEL}`];
  return {
    containers: docker(["ps", "-aq", ...filter]),
    networks: docker(["network", "ls", "-q", ...filter]),
    volumes: docker(["volume", "ls", "-q", ...filter]),
    tempDirs: readdirSync(tmpdir()).filter((n) => n.startsWith("byoc-check-")),
  };
}

export const NOTHING_LEFT = { containers: [], networks: [], volumes: [], tempDirs: [] };

/** Every volume the engine has: a container removed without its anonymous volumes would grow this. */
export function allVolumes(): string[] {
  return docker(["volume", "ls", "-q"]);
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One line on stderr, in byoc-check's error format, with a hint and no stack trace. */
export function expectOneLineError(stderr: string): string {
  const lines = stderr.split("\n").filter(Boolean);
  if (lines.length !== 1) throw new Error(`expected exactly one stderr line, got ${lines.length}:\n${stderr}`);
  const line = lines[0]!;
  if (!line.startsWith("byoc-check: error: ") || !line.includes("(hint: ") || /\n\s+at /.test(stderr)) {
    throw new Error(`not a one-line error with a hint: ${line}`);
  }
  return line;
}

/** A check's result as the JSON report gives it, with what the tests read of its findings. */
export interface ReportResult {
  id: string;
  status: string;
  detail?: string;
  reason?: string;
  severity?: string;
  findings: Array<{ message: string; evidence: { reproduce?: string[]; log?: string; actual?: unknown; notes?: string[] } }>;
}

/** Runs the CLI with --format json on `image` and indexes the results by check id. */
export async function reportOf(args: string[], image: string): Promise<{ code: number | null; stderr: string; results: Map<string, ReportResult> }> {
  const r = await runCli([...args, "--format", "json", image]);
  const parsed = JSON.parse(r.stdout) as { results: ReportResult[] };
  return { code: r.code, stderr: r.stderr, results: new Map(parsed.results.map((x) => [x.id, x])) };
}

/** The running containers byoc-check made for one role: "job" or "server". */
export function runningWithRole(role: "job" | "server"): string[] {
  return docker(["ps", "-q", "--filter", `label=dev.byoc-check.role=${role}`]);
}

/** Temp dirs for a test file (named outside the byoc-check- prefix the leftover checks count); call clean() after each test. */
export function testDirs(prefix: string): { make(): string; clean(): void } {
  const dirs: string[] = [];
  return {
    make() {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    clean() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

// ajv-formats is CommonJS: its function is the module's default export.
const addFormats = (formats as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;
let validateReport: ReturnType<Ajv2020["compile"]> | undefined;

/**
 * Runs byoc-check on a fixture as its expected.json run says (plus `more` arguments) and asserts what the run
 * expects: the exit code, each named check's status, that every unnamed check passed or skipped, the messages, a
 * report valid against its schema, and nothing left behind. Returns the report for further assertions.
 */
export async function runFixture(name: string, run: FixtureRun, more: string[] = []): Promise<{ results: Map<string, ReportResult>; stderr: string }> {
  if (!validateReport) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    validateReport = ajv.compile(JSON.parse(readFileSync(join(ROOT, "schemas", "report.schema.json"), "utf8")));
  }
  const volumesBefore = allVolumes();
  const result = await runCli([...run.args, ...more, "--format", "json", `byoc-check-fixture/${name}:latest`]);
  if (!more.includes("--keep")) expect(result.stderr).toBe("");
  expect(result.code, result.stdout).toBe(run.exitCode);

  const report = JSON.parse(result.stdout) as { results: ReportResult[]; exitCode: number; image: { ref: string } };
  expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
  expect(report.exitCode).toBe(run.exitCode);
  expect(report.image.ref).toBe(`byoc-check-fixture/${name}:latest`);

  const status = new Map(report.results.map((r) => [r.id, r.status]));
  for (const want of ["pass", "fail", "skip", "error"] as const) {
    for (const id of run[want] ?? []) expect(status.get(id), `${id} should ${want}`).toBe(want);
  }
  // A check the fixture does not name must pass or skip: `fail` lists every failing check.
  const named = new Set([...(run.fail ?? []), ...(run.error ?? [])]);
  for (const r of report.results) {
    if (!named.has(r.id)) expect(["pass", "skip"], `${r.id} was ${r.status}: ${JSON.stringify(r.findings)}`).toContain(r.status);
  }
  for (const [id, needles] of Object.entries(run.messages ?? {})) {
    const messages = report.results.find((r) => r.id === id)?.findings.map((f) => f.message).join("\n") ?? "";
    for (const needle of needles) expect(messages).toContain(needle);
  }

  expect(leftovers()).toEqual(NOTHING_LEFT);
  expect(allVolumes()).toEqual(volumesBefore);
  return { results: new Map(report.results.map((x) => [x.id, x])), stderr: result.stderr };
}
