import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c) => (stdout += c));
  child.stderr!.on("data", (c) => (stderr += c));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
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
  findings: Array<{ message: string; evidence: { reproduce?: string[]; log?: string } }>;
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
