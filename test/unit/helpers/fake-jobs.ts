// The job sandbox without Docker: createJobs over a ContainerRunner that records each request and plays a script,
// writing into the sandbox's mounted directories what the job would have written.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { AnyCheck, Outcome } from "../../../src/engine/check.js";
import { type Jobs, type StopGraces, createJobs } from "../../../src/engine/jobs/jobs.js";
import { LogTailBuffer } from "../../../src/engine/jobs/log-tail.js";
import type { ContainerRunner, RunRequest } from "../../../src/engine/jobs/runner.js";
import type { ChannelOption, ContainerOutcome, JobOptions, LogTail } from "../../../src/engine/jobs/types.js";
import type { ImageConfig } from "../../../src/image/config.js";
import { config, context } from "./memory-image.js";

export const IMAGE_TAG = "registry.example/team/algo:1.0";
export const IMAGE_ID = `sha256:${"b".repeat(64)}`;
/** The spec's graces (training#stop.sigterm, processing#stop.sigint), as stopGraces() reads them. */
export const GRACES: StopGraces = { training: 120_000, processing: 120_000 };

const dirs: string[] = [];

/** A temp directory removed by removeTempDirs(); call that from afterEach. */
export function tempDir(prefix = "unit-jobs-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A directory of sample data: relative path -> content. */
export function sampleDir(files: Record<string, string> = { "data.csv": "1,2\n" }): string {
  const d = tempDir("unit-sample-");
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(d, rel)), { recursive: true });
    writeFileSync(join(d, rel), content);
  }
  return d;
}

/** JobOptions as parseJobOptions gives them with no job flag, plus what the test sets. */
export function jobOptions(o: Partial<JobOptions> = {}): JobOptions {
  return {
    env: [],
    channels: [],
    hyperparameters: {},
    invalidHyperparameters: {},
    inputMode: "File",
    networkIsolation: false,
    instanceType: "ml.m5.xlarge",
    trainTimeoutMs: 600_000,
    inputs: [],
    outputs: [],
    processingTimeoutMs: 600_000,
    stopAfterMs: 2_000,
    ...o,
  };
}

export function logOf(text: string): LogTail {
  const b = new LogTailBuffer();
  b.push(Buffer.from(text));
  return b.tail();
}

/** A container that ran and exited 0 after 1.5 s, unless the test says otherwise. */
export function outcome(o: Partial<ContainerOutcome> = {}): ContainerOutcome {
  return { exitCode: 0, durationMs: 1_500, timedOut: false, oomKilled: false, log: logOf(""), changes: [], ...o };
}

/** A container that could not start: what the Docker layer reports for an exec failure. */
export function unstarted(why = 'exec: "train": executable file not found in $PATH'): Partial<ContainerOutcome> {
  return { startError: why, exitCode: null, durationMs: 0 };
}

/** The host directory mounted at `target` in a request. */
export function hostPath(req: RunRequest, target: string): string {
  const m = req.spec.mounts.find((x) => x.target === target);
  if (!m) throw new Error(`no mount at ${target}: ${JSON.stringify(req.spec.mounts)}`);
  return m.source;
}

/** "training/success", read back from the sandbox directory the request's config mount lives in. */
export function scenarioOf(req: RunRequest): string {
  const config = req.spec.mounts.find((m) => m.target === "/opt/ml/input/config" || m.target === "/opt/ml/config");
  if (!config) throw new Error("no config mount");
  const name = basename(dirname(config.source));
  const dash = name.indexOf("-");
  return `${name.slice(0, dash)}/${name.slice(dash + 1)}`;
}

/** What the fake job does in one scenario: write files through hostPath, return how it ended. */
export type Play = (req: RunRequest) => Partial<ContainerOutcome> | void | Promise<Partial<ContainerOutcome> | void>;

export type FakeRunner = ContainerRunner & { requests: RunRequest[]; scenarios: string[] };

/**
 * Plays `plays["training/success"]` etc., falling back to `plays["*"]`, then to a clean exit 0. A request with a
 * stop plan gets a stop outcome in which the job exited 0.3 s after the signal, unless the play gives its own.
 */
export function fakeRunner(plays: Record<string, Play> = {}): FakeRunner {
  const requests: RunRequest[] = [];
  const scenarios: string[] = [];
  const runner = (async (req: RunRequest) => {
    requests.push(req);
    const s = scenarioOf(req);
    scenarios.push(s);
    const play = plays[s] ?? plays["*"];
    const got = (play ? await play(req) : undefined) ?? {};
    const stop = req.stop
      ? { stop: { signal: req.stop.signal, graceMs: req.stop.graceMs, finishedFirst: false, sentAfterMs: req.stop.afterMs, exitedAfterMs: 300, killedAtDeadline: false } }
      : {};
    return outcome({ ...stop, ...got });
  }) as FakeRunner;
  runner.requests = requests;
  runner.scenarios = scenarios;
  return runner;
}

/** The note every finding of a run without --keep carries. */
export const NOT_KEPT = "the sandbox directories in the docker run line go when byoc-check ends: add --keep DIR to keep them";

export interface Sandbox {
  jobs: Jobs;
  runner: FakeRunner;
  root: string;
}

export function sandbox(options: Partial<JobOptions> = {}, plays: Record<string, Play> = {}, more: { graces?: StopGraces; signal?: AbortSignal } = {}): Sandbox {
  const root = options.keepDir ?? tempDir();
  const runner = fakeRunner(plays);
  const jobs = createJobs({
    image: IMAGE_TAG,
    imageId: IMAGE_ID,
    options: jobOptions(options),
    runner,
    root,
    graces: more.graces ?? GRACES,
    signal: more.signal ?? new AbortController().signal,
  });
  return { jobs, runner, root };
}

/** Runs a job check as the engine would: the base context, the image config, and the sandbox. */
export async function runJobCheck(check: AnyCheck, jobs: Jobs, imageConfig: ImageConfig = config({ Entrypoint: ["/opt/program/entry"] })): Promise<Outcome> {
  return await check.run({ ...context({ config: imageConfig }), jobs });
}

/** Writes a file the job left in a writable directory, creating its parents. */
export function write(req: RunRequest, target: string, rel: string, content: string | Buffer): void {
  const path = join(hostPath(req, target), rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** Channels of sample data, one small file each. */
export function channels(...names: string[]): ChannelOption[] {
  return names.map((name) => ({ name, dir: sampleDir({ [`${name}.csv`]: "1,2\n" }) }));
}

/** The hyperparameters.json a training request gives the job, as the job would read it. */
export function hyperparametersOf(req: RunRequest): Record<string, unknown> {
  return JSON.parse(readFileSync(join(hostPath(req, "/opt/ml/input/config"), "hyperparameters.json"), "utf8")) as Record<string, unknown>;
}

/** How many entries the job finds in each of its training channels. */
export function channelSizes(req: RunRequest): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of req.spec.mounts) if (m.target.startsWith("/opt/ml/input/data/")) out[m.target.slice("/opt/ml/input/data/".length)] = readdirSync(m.source).length;
  return out;
}
