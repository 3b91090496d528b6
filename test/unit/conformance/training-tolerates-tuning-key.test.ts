import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/tolerates-tuning-key.js";
import type { RunRequest } from "../../../src/engine/jobs/runner.js";
import { channels, hyperparametersOf, removeTempDirs, runJobCheck, sandbox, unstarted, NOT_KEPT } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

/** A job that validates the key set strictly. */
const strict = (req: RunRequest) => (Object.keys(hyperparametersOf(req)).every((k) => ["epochs", "lr"].includes(k)) ? {} : { exitCode: 2 });
const hps = { epochs: "10", lr: "0.01" };

describe("TRN-HP-UNKNOWN-KEY", () => {
  it("does not fire when the job completes with _tuning_objective_metric added", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train"), hyperparameters: hps });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("completed with _tuning_objective_metric added");
    expect(runner.scenarios).toEqual(["training/success", "training/tuning-key"]);
  });

  it("fires when the job completes without the key and fails with it", async () => {
    const { jobs } = sandbox({ channels: channels("train"), hyperparameters: hps }, { "*": strict });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the job completes on your hyperparameters but exited 2 after 1.5 s once _tuning_objective_metric is added, as automatic model tuning does");
    expect(f.fix).toBe("Accept unknown keys: drop strict validation of the key set, or allow _tuning_objective_metric and sagemaker_* keys.");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/input/config/hyperparameters.json" });
    expect(f.evidence.actual).toEqual({ ...hps, _tuning_objective_metric: "validation:loss" });
    expect(f.evidence.notes).toEqual(["run: training job with the same job plus the _tuning_objective_metric hyperparameter automatic model tuning adds", NOT_KEPT]);
  });

  it("skips when the job does not complete without the key either", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train"), hyperparameters: hps }, { "*": () => ({ exitCode: 1 }) });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the job does not complete without the extra key either (see TRN-SUCCESS-EXIT)");
    expect(runner.scenarios).toEqual(["training/success"]);
  });

  it("skips without sample data, or when the container did not start", async () => {
    expect(skipReason(await runJobCheck(check, sandbox().jobs))).toContain("no sample data");
    const { jobs } = sandbox({ channels: channels("train") }, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the container did not start (boom); see TRN-SUCCESS-EXIT");
  });
});
