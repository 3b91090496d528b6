// Shared wording and evidence for the checks that run the image as a job: every finding about a run shows how the
// run ended, the tail of its log and the `docker run` line that reproduces it.
import { closeSync, openSync, readSync } from "node:fs";
import { formatDuration } from "../src/cli/duration.js";
import type { FindingInput, Outcome } from "../src/engine/check.js";
import { fail, pass, skip } from "../src/engine/check.js";
import type { JobRun, Jobs, ProcessingScenario, TrainingScenario } from "../src/engine/jobs/jobs.js";
import { lastLines } from "../src/engine/jobs/log-tail.js";
import { shellForm } from "../src/image/command.js";
import type { ImageConfig } from "../src/image/config.js";

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** How a run ended, in a few words: "exited 1 after 2.3 s". */
export function ending(run: JobRun): string {
  const o = run.outcome;
  if (o.startError !== undefined) return `could not start: ${o.startError}`;
  if (o.timedOut) return `was still running after ${seconds(o.durationMs)} and was killed (the job timeout)`;
  if (o.oomKilled) return `was killed for running out of memory after ${seconds(o.durationMs)} (exit ${o.exitCode})`;
  return `exited ${o.exitCode} after ${seconds(o.durationMs)}`;
}

export function succeeded(run: JobRun): boolean {
  return run.outcome.startError === undefined && !run.outcome.timedOut && run.outcome.exitCode === 0;
}

/** What every finding about a run carries. */
export function runEvidence(run: JobRun, more: { actual?: unknown; expected?: unknown; notes?: string[] } = {}): FindingInput["evidence"] {
  const notes = [`run: ${run.contract} job with ${run.what}`, ...(more.notes ?? [])];
  if (!run.kept) notes.push("the sandbox directories in the docker run line go when byoc-check ends: add --keep DIR to keep them");
  return {
    ...(more.actual !== undefined ? { actual: more.actual } : {}),
    ...(more.expected !== undefined ? { expected: more.expected } : {}),
    reproduce: [run.reproduce],
    ...(run.outcome.log.bytes > 0 ? { log: lastLines(run.outcome.log) } : {}),
    notes,
  };
}

/** A check that needs the container to have run skips when it never started; the start is another check's finding. */
export function notStarted(run: JobRun, owner: string): Outcome | undefined {
  return run.outcome.startError === undefined ? undefined : skip(`the container did not start (${run.outcome.startError}); see ${owner}`);
}

/** The check whose finding a container that never started is, per contract. */
const START_OWNER = { training: "TRN-SUCCESS-EXIT", processing: "PRC-SUCCESS-EXIT" } as const;

/**
 * A scenario's run for a check that judges what the job did, or the skip that stands in for it: the scenario needs
 * input the user did not give, or the container never started.
 */
export async function startedRun(
  jobs: Jobs,
  scenario: { training: TrainingScenario } | { processing: ProcessingScenario },
): Promise<{ run: JobRun } | { outcome: Outcome }> {
  const [contract, unavailable, running] =
    "training" in scenario
      ? (["training", jobs.trainingUnavailable(scenario.training), () => jobs.training(scenario.training)] as const)
      : (["processing", jobs.processingUnavailable(scenario.processing), () => jobs.processing(scenario.processing)] as const);
  if (unavailable) return { outcome: skip(unavailable) };
  const run = await running();
  const unstarted = notStarted(run, START_OWNER[contract]);
  return unstarted ? { outcome: unstarted } : { run };
}

export interface StopWording {
  signal: "SIGTERM" | "SIGINT";
  /** What keeps a job busy long enough, in the skip's advice. */
  busyWith: string;
  /** The fix when no shell stands in front of the program. */
  handleFix: string;
}

/**
 * The stop test's verdict, the same for both contracts: exit within the grace after the signal; killed at the deadline
 * fails, naming the shell when a shell-form entrypoint (or --entrypoint) stands in front of the program.
 */
export function judgeStop(run: JobRun, jobs: Jobs, config: ImageConfig, w: StopWording): Outcome {
  const stop = run.outcome.stop!;
  const overridden = jobs.options.stopGraceMs !== undefined;
  const g = grace(stop.graceMs, overridden);
  if (stop.finishedFirst) {
    return skip(`the job ended by itself after ${seconds(run.outcome.durationMs)}, before the ${w.signal} due at ${seconds(jobs.options.stopAfterMs)}; give --stop-after a shorter time, or ${w.busyWith} that keeps it busy longer`);
  }
  if (!stop.killedAtDeadline) return pass(`exited ${run.outcome.exitCode} ${seconds(stop.exitedAfterMs!)} after ${w.signal} (grace ${g})`);
  const shell = shellForm(jobs.options.entrypoint ?? config.entrypoint ?? []);
  return fail({
    message: `the job was still running ${g} after ${w.signal} and was killed with SIGKILL${shell ? `: the shell-form ENTRYPOINT makes ${shell.shell[0]} PID 1, and it does not pass ${w.signal} on` : ""}`,
    fix: shell ? `Write the ENTRYPOINT in exec form (a JSON array) so your program receives ${w.signal} itself.` : w.handleFix,
    where: shell ? { kind: "config", field: "Config.Entrypoint" } : { kind: "option", option: "--stop-after", value: seconds(jobs.options.stopAfterMs) },
    evidence: runEvidence(run, { actual: `killed at ${g}`, expected: `exit within ${g} of ${w.signal}` }),
  });
}

export interface SmallFile {
  bytes: Buffer;
  /** The file's whole size; `bytes` holds at most the bound. */
  size: number;
}

/** Reads at most `max` bytes of a file the job wrote; undefined when it does not exist. */
export function readBounded(path: string, max = 64 * 1024): SmallFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    let size = n;
    if (n > max) {
      // Count the rest without holding it.
      const scratch = Buffer.alloc(64 * 1024);
      for (let got = -1; got !== 0; size += got) got = readSync(fd, scratch, 0, scratch.length, null);
    }
    return { bytes: buf.subarray(0, Math.min(n, max)), size };
  } finally {
    closeSync(fd);
  }
}

export function grace(ms: number, overridden: boolean): string {
  return `${formatDuration(ms)}${overridden ? " (--stop-grace)" : ""}`;
}
