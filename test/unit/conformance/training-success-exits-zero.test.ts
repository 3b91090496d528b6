import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/success-exits-zero.js";
import { channels, logOf, removeTempDirs, runJobCheck, sandbox, unstarted, write, NOT_KEPT } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

describe("TRN-SUCCESS-EXIT", () => {
  it("skips without sample data, saying which flag gives it", async () => {
    const { jobs, runner } = sandbox();
    expect(skipReason(await runJobCheck(check, jobs))).toBe("no sample data: give --channel NAME=DIR (repeatable) to run the training job's success path");
    expect(runner.requests).toEqual([]);
  });

  it("does not fire when the job exits 0 on the sample data", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train") });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("exit 0 after 1.5 s");
    expect(runner.scenarios).toEqual(["training/success"]);
  });

  it("fires on a non-zero exit, quoting the failure file's first line and the log", async () => {
    const ch = channels("train", "validation");
    const { jobs } = sandbox(
      { channels: ch },
      {
        "training/success": (req) => {
          write(req, "/opt/ml/output", "failure", "  ValueError: no column named label\nTraceback (most recent call last):\n");
          return { exitCode: 1, durationMs: 2_300, log: logOf("loading\nValueError: no column named label\n") };
        },
      },
    );
    const f = onlyFinding(await runJobCheck(check, jobs));
    const run = await jobs.training("success");
    expect(f.message).toBe("the training job exited 1 after 2.3 s; its failure file says: ValueError: no column named label");
    expect(f.fix).toBe("Run the reproducing line, read the log and fix the job; it must exit 0 when training succeeds.");
    expect(f.evidence).toEqual({
      location: { kind: "option", option: "--channel", value: `train=${ch[0]!.dir} validation=${ch[1]!.dir}` },
      actual: 1,
      expected: 0,
      reproduce: [run.reproduce],
      log: "loading\nValueError: no column named label",
      notes: ["run: training job with your sample data and hyperparameters", NOT_KEPT],
    });
  });

  it("fires on a non-zero exit without a failure file, or with an empty one, quoting nothing", async () => {
    const bare = sandbox({ channels: channels("train") }, { "training/success": () => ({ exitCode: 3 }) });
    expect(onlyFinding(await runJobCheck(check, bare.jobs)).message).toBe("the training job exited 3 after 1.5 s");
    const empty = sandbox({ channels: channels("train") }, { "training/success": (req) => (write(req, "/opt/ml/output", "failure", ""), { exitCode: 3 }) });
    expect(onlyFinding(await runJobCheck(check, empty.jobs)).message).toBe("the training job exited 3 after 1.5 s");
  });

  it("fires when the container cannot start, and says how to make train start", async () => {
    const { jobs } = sandbox({ channels: channels("train") }, { "*": () => unstarted() });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe('the training job could not start: exec: "train": executable file not found in $PATH');
    expect(f.fix).toBe("Make `train` start: an exec-form ENTRYPOINT that accepts the train argument, or an executable named train on PATH.");
    expect(f.evidence.actual).toBeNull();
  });

  it("fires when the job outruns --train-timeout, even if it was killed cleanly", async () => {
    const { jobs } = sandbox({ channels: channels("train") }, { "*": () => ({ timedOut: true, exitCode: 0, durationMs: 600_000 }) });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the training job was still running after 600 s and was killed (the job timeout)");
    expect(f.fix).toBe("Make the job finish on the sample data within --train-timeout, or give it a longer one.");
  });

  it("fires on an out-of-memory kill", async () => {
    const { jobs } = sandbox({ channels: channels("train") }, { "*": () => ({ oomKilled: true, exitCode: 137 }) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toBe("the training job was killed for running out of memory after 1.5 s (exit 137)");
  });
});
