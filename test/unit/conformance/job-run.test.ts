import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ending, grace, notStarted, readBounded, runEvidence, seconds, succeeded } from "../../../conformance/job-run.js";
import type { JobRun } from "../../../src/engine/jobs/jobs.js";
import type { ContainerOutcome } from "../../../src/engine/jobs/types.js";
import { logOf, outcome, removeTempDirs, tempDir, unstarted } from "../helpers/fake-jobs.js";

afterEach(removeTempDirs);

const run = (o: Partial<ContainerOutcome> = {}): JobRun => ({
  contract: "training",
  scenario: "success",
  what: "your sample data and hyperparameters",
  outcome: outcome(o),
  reproduce: "docker run --rm --hostname algo-1 algo:1 train",
  dir: "/tmp/sandbox",
  kept: true,
  writable: {},
});

describe("seconds", () => {
  it.each([
    [0, "0.0 s"],
    [300, "0.3 s"],
    [1_500, "1.5 s"],
    [9_949, "9.9 s"],
    [10_000, "10 s"],
    [125_400, "125 s"],
  ])("writes %d ms as %s", (ms, text) => {
    expect(seconds(ms)).toBe(text);
  });
});

describe("ending", () => {
  it("says how a run ended, the start error first, then the timeout, then the OOM kill", () => {
    expect(ending(run())).toBe("exited 0 after 1.5 s");
    expect(ending(run({ exitCode: 2, durationMs: 12_300 }))).toBe("exited 2 after 12 s");
    expect(ending(run(unstarted("no such file")))).toBe("could not start: no such file");
    expect(ending(run({ timedOut: true, exitCode: 137, durationMs: 600_000 }))).toBe("was still running after 600 s and was killed (the job timeout)");
    expect(ending(run({ oomKilled: true, exitCode: 137 }))).toBe("was killed for running out of memory after 1.5 s (exit 137)");
    expect(ending(run({ oomKilled: true, timedOut: true, exitCode: 137 }))).toContain("the job timeout");
  });
});

describe("succeeded", () => {
  it("is exit 0 that neither failed to start nor timed out", () => {
    expect(succeeded(run())).toBe(true);
    expect(succeeded(run({ exitCode: 1 }))).toBe(false);
    expect(succeeded(run({ timedOut: true }))).toBe(false);
    expect(succeeded(run(unstarted()))).toBe(false);
  });
});

describe("runEvidence", () => {
  it("carries the reproducing line and what the run gave the job, without a log when there was none", () => {
    expect(runEvidence(run())).toEqual({ reproduce: ["docker run --rm --hostname algo-1 algo:1 train"], notes: ["run: training job with your sample data and hyperparameters"] });
  });

  it("says the line's directories go with the run unless --keep kept them", () => {
    expect(runEvidence({ ...run(), kept: false })?.notes).toContain("the sandbox directories in the docker run line go when byoc-check ends: add --keep DIR to keep them");
  });

  it("adds the log's last lines, what was seen and expected, and more notes", () => {
    const lines = Array.from({ length: 25 }, (_, i) => `epoch ${i + 1}`).join("\n");
    expect(runEvidence(run({ log: logOf(`${lines}\n`) }), { actual: 0, expected: "non-zero", notes: ["more"] })).toEqual({
      actual: 0,
      expected: "non-zero",
      reproduce: ["docker run --rm --hostname algo-1 algo:1 train"],
      log: `[5 earlier lines not shown]\n${lines.split("\n").slice(5).join("\n")}`,
      notes: ["run: training job with your sample data and hyperparameters", "more"],
    });
  });
});

describe("notStarted", () => {
  it("skips, pointing at the check that owns the start, only when the container did not start", () => {
    expect(notStarted(run(), "TRN-SUCCESS-EXIT")).toBeUndefined();
    expect(notStarted(run({ exitCode: 1 }), "TRN-SUCCESS-EXIT")).toBeUndefined();
    expect(notStarted(run(unstarted("exec format error")), "TRN-SUCCESS-EXIT")).toEqual({ status: "skip", reason: "the container did not start (exec format error); see TRN-SUCCESS-EXIT" });
  });
});

describe("readBounded", () => {
  it("gives undefined for a file the job did not write", () => {
    expect(readBounded(join(tempDir(), "failure"))).toBeUndefined();
  });

  it("reads a small file whole", () => {
    const path = join(tempDir(), "failure");
    writeFileSync(path, "bad epochs");
    expect(readBounded(path)).toEqual({ bytes: Buffer.from("bad epochs"), size: 10 });
  });

  it("reads an empty file as empty", () => {
    const path = join(tempDir(), "failure");
    writeFileSync(path, "");
    expect(readBounded(path)).toEqual({ bytes: Buffer.alloc(0), size: 0 });
  });

  it("holds at most the bound of a large file, and counts the rest", () => {
    const path = join(tempDir(), "failure");
    writeFileSync(path, Buffer.alloc(1_000_000, "a"));
    const f = readBounded(path, 1024)!;
    expect(f.bytes.length).toBe(1024);
    expect(f.size).toBe(1_000_000);
    const exact = join(tempDir(), "exact");
    writeFileSync(exact, Buffer.alloc(1024, "b"));
    expect(readBounded(exact, 1024)!).toMatchObject({ size: 1024 });
    expect(readBounded(exact, 1024)!.bytes.length).toBe(1024);
  });

  it("throws on what is not a missing file, such as a directory", () => {
    const d = join(tempDir(), "failure");
    mkdirSync(d);
    expect(() => readBounded(d)).toThrow(/EISDIR/);
  });
});

describe("grace", () => {
  it("writes the grace, and says when --stop-grace set it", () => {
    expect(grace(120_000, false)).toBe("2m");
    expect(grace(5_000, true)).toBe("5s (--stop-grace)");
  });
});
