import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/failure-file.js";
import { type Play, channels, removeTempDirs, runJobCheck, sandbox, unstarted, write, NOT_KEPT } from "../helpers/fake-jobs.js";
import { findingsOf, onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

const failsWith =
  (failure: string | Buffer | undefined, exitCode = 1): Play =>
  (req) => {
    if (failure !== undefined) write(req, "/opt/ml/output", "failure", failure);
    return { exitCode };
  };

describe("TRN-FAILURE-FILE", () => {
  it("does not fire when each failed run leaves a short reason", async () => {
    const { jobs, runner } = sandbox(
      { channels: channels("train"), invalidHyperparameters: { epochs: "-1" } },
      { "training/empty-channels": failsWith("no files in /opt/ml/input/data/train\n"), "training/invalid-hyperparameters": failsWith("epochs must be positive, got -1") },
    );
    expect(passDetail(await runJobCheck(check, jobs))).toBe("a reason within 1024 characters after empty-channels, invalid-hyperparameters");
    expect(runner.scenarios).toEqual(["training/empty-channels", "training/invalid-hyperparameters", "training/success"]);
  });

  it("counts characters, not bytes, against the 1024 FailureReason keeps", async () => {
    const { jobs } = sandbox({}, { "training/empty-channels": failsWith("é".repeat(1024)) });
    passDetail(await runJobCheck(check, jobs));
  });

  it("fires when a failed run writes no failure file", async () => {
    const { jobs } = sandbox({}, { "training/empty-channels": failsWith(undefined, 2) });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the job exited 2 after 1.5 s without writing /opt/ml/output/failure: FailureReason would be empty");
    expect(f.fix).toBe("Catch errors at the top of the program, write a one-paragraph reason to /opt/ml/output/failure, then exit non-zero.");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/output/failure" });
    expect(f.evidence.actual).toBeUndefined();
    expect(f.evidence.notes).toEqual(["run: training job with every input channel present but empty", NOT_KEPT]);
  });

  it("fires on a failure file of blank space", async () => {
    const { jobs } = sandbox({}, { "training/empty-channels": failsWith(" \n\t\n") });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the job exited 1 after 1.5 s and left /opt/ml/output/failure empty");
    expect(f.fix).toBe("Write the reason into the failure file, not just the file.");
  });

  it("fires on a reason past 1024 characters, showing what FailureReason would read", async () => {
    const reason = `ValueError: bad input ${"x".repeat(1500)}`;
    const { jobs } = sandbox({}, { "training/empty-channels": failsWith(reason) });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe(`/opt/ml/output/failure holds ${reason.length} characters; FailureReason keeps only the first 1024`);
    expect(f.fix).toBe("Put the reason first and keep the file under 1024 characters; send tracebacks to stderr.");
    expect(f.evidence.actual).toBe(reason.slice(0, 300));
    expect(f.evidence.notes).toEqual([
      "run: training job with every input channel present but empty",
      `FailureReason would read: ${JSON.stringify(reason.slice(0, 200))}...`, NOT_KEPT
    ]);
  });

  it("gives the size in bytes of a failure file too large to read whole", async () => {
    const { jobs } = sandbox({}, { "training/empty-channels": failsWith(Buffer.alloc(100_000, "y")) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toBe("/opt/ml/output/failure holds 100000 bytes; FailureReason keeps only the first 1024");
  });

  it("fires on a failure file beside exit 0", async () => {
    const { jobs } = sandbox({ channels: channels("train") }, { "training/success": failsWith("warning: low accuracy", 0), "training/empty-channels": failsWith("no data") });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the job exited 0 but wrote /opt/ml/output/failure");
    expect(f.fix).toBe("Write the failure file only when the job fails, and then exit non-zero.");
    expect(f.evidence.actual).toBe("warning: low accuracy");
  });

  it("gives one finding per run, in the order the runs are looked at", async () => {
    const { jobs } = sandbox(
      { channels: channels("train"), invalidHyperparameters: { epochs: "-1" } },
      { "training/empty-channels": failsWith(undefined), "training/invalid-hyperparameters": failsWith(""), "training/success": failsWith("oops", 0) },
    );
    expect(findingsOf(await runJobCheck(check, jobs)).map((f) => f.message)).toEqual([
      "the job exited 1 after 1.5 s without writing /opt/ml/output/failure: FailureReason would be empty",
      "the job exited 1 after 1.5 s and left /opt/ml/output/failure empty",
      "the job exited 0 but wrote /opt/ml/output/failure",
    ]);
  });

  it("skips when no run failed", async () => {
    const { jobs, runner } = sandbox();
    expect(skipReason(await runJobCheck(check, jobs))).toBe("no run failed (see TRN-EMPTY-CHANNEL and TRN-FAILURE-EXIT), so there was no failure file to read");
    // Without sample data or invalid values, only the empty-channels run is possible.
    expect(runner.scenarios).toEqual(["training/empty-channels"]);
  });

  it("ignores runs that timed out or never started", async () => {
    const { jobs } = sandbox(
      { invalidHyperparameters: { epochs: "-1" } },
      { "training/empty-channels": () => ({ timedOut: true, exitCode: 137 }), "training/invalid-hyperparameters": () => unstarted("boom") },
    );
    expect(skipReason(await runJobCheck(check, jobs))).toContain("no run failed");
  });
});
