// Shared wording and evidence for the checks that run the image as a job: every finding about a run shows how the
// run ended, the tail of its log and the `docker run` line that reproduces it.
import { closeSync, openSync, readSync } from "node:fs";
import { formatDuration } from "../src/cli/duration.js";
import type { FindingInput, Outcome } from "../src/engine/check.js";
import { skip } from "../src/engine/check.js";
import type { JobRun } from "../src/engine/jobs/jobs.js";
import { lastLines } from "../src/engine/jobs/log-tail.js";

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
