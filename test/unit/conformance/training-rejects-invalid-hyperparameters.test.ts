import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/rejects-invalid-hyperparameters.js";
import type { RunRequest } from "../../../src/engine/jobs/runner.js";
import { hyperparametersOf, removeTempDirs, runJobCheck, sandbox, unstarted, NOT_KEPT } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

/** A job that validates epochs at start-up. */
const validates = (req: RunRequest) => (Number(hyperparametersOf(req).epochs) > 0 ? {} : { exitCode: 1 });
const invalid = { epochs: "-1", lr: "abc" };

describe("TRN-FAILURE-EXIT", () => {
  it("does not fire when the job exits non-zero on the declared invalid values", async () => {
    const { jobs, runner } = sandbox({ hyperparameters: { epochs: "10" }, invalidHyperparameters: invalid }, { "*": validates });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("exited 1 after 1.5 s on epochs=-1, lr=abc");
    expect(runner.scenarios).toEqual(["training/invalid-hyperparameters"]);
  });

  it("fires when the job exits 0 on them", async () => {
    const { jobs } = sandbox({ invalidHyperparameters: invalid });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the job exited 0 on hyperparameters declared invalid (epochs=-1, lr=abc): SageMaker would mark it Completed");
    expect(f.fix).toBe("Reject the value at start-up: write the reason to /opt/ml/output/failure and exit non-zero (sys.exit(1)).");
    expect(f.evidence).toMatchObject({
      location: { kind: "option", option: "--invalid-hp", value: "epochs=-1 lr=abc" },
      actual: 0,
      expected: "a non-zero exit code",
      notes: ["run: training job with the hyperparameters you declared invalid (--invalid-hp)", NOT_KEPT],
    });
  });

  it("skips when no invalid hyperparameters were declared", async () => {
    const { jobs, runner } = sandbox();
    expect(skipReason(await runJobCheck(check, jobs))).toBe("no invalid hyperparameters declared: give --invalid-hp KEY=VALUE with a value your job must reject");
    expect(runner.requests).toEqual([]);
  });

  it("skips when the container did not start", async () => {
    const { jobs } = sandbox({ invalidHyperparameters: invalid }, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the container did not start (boom); see TRN-SUCCESS-EXIT");
  });
});
