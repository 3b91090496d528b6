import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/fails-on-empty-channel.js";
import type { RunRequest } from "../../../src/engine/jobs/runner.js";
import { channelSizes, channels, removeTempDirs, runJobCheck, sandbox, unstarted, NOT_KEPT } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

/** A job that refuses to train on nothing. */
const needsData = (req: RunRequest) => (Object.values(channelSizes(req)).every((n) => n > 0) ? {} : { exitCode: 1 });

describe("TRN-EMPTY-CHANNEL", () => {
  it("does not fire when the job fails on empty channels", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train", "validation") }, { "*": needsData });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("exited 1 after 1.5 s with empty channels train, validation");
    expect(runner.scenarios).toEqual(["training/empty-channels"]);
  });

  it("uses one empty training channel when no sample data is given", async () => {
    const { jobs } = sandbox({}, { "*": needsData });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("exited 1 after 1.5 s with empty channel training");
  });

  it("fires when the job exits 0 with every channel empty", async () => {
    const { jobs } = sandbox({ channels: channels("train", "validation") });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the job exited 0 with every channel empty (train, validation): SageMaker would mark it Completed");
    expect(f.evidence).toMatchObject({
      location: { kind: "file", path: "/opt/ml/input/data/train" },
      actual: 0,
      expected: "a non-zero exit code",
      notes: ["run: training job with every input channel present but empty", NOT_KEPT],
    });
  });

  it("skips when the container did not start", async () => {
    const { jobs } = sandbox({}, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the container did not start (boom); see TRN-SUCCESS-EXIT");
  });
});
