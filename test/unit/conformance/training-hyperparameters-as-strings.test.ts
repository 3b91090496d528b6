import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/hyperparameters-as-strings.js";
import type { RunRequest } from "../../../src/engine/jobs/runner.js";
import { channels, hyperparametersOf, logOf, removeTempDirs, runJobCheck, sandbox, unstarted, NOT_KEPT } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

/** A job that does range(hps["epochs"]) without int(): a TypeError on the string SageMaker passes. */
const usesAsNumber = (req: RunRequest) =>
  typeof hyperparametersOf(req).epochs === "number" ? {} : { exitCode: 1, log: logOf("TypeError: 'str' object cannot be interpreted as an integer\n") };

const hps = { epochs: "10", lr: "0.01", opt: "adam" };

describe("TRN-HP-STRINGS", () => {
  it("does not fire when the job completes on strings, and runs nothing more", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train"), hyperparameters: hps });
    expect(passDetail(await runJobCheck(check, jobs))).toBe('completed with epochs="10", lr="0.01" as strings');
    expect(runner.scenarios).toEqual(["training/success"]);
  });

  it("fires when the job fails on strings and completes on numbers", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train"), hyperparameters: hps }, { "*": usesAsNumber });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(runner.scenarios).toEqual(["training/success", "training/typed-hyperparameters"]);
    expect(f.message).toBe('the job exited 1 after 1.5 s when hyperparameters are strings, as SageMaker passes them, and completes when they are numbers (epochs: "10" vs 10, lr: "0.01" vs 0.01)');
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/input/config/hyperparameters.json" });
    expect(f.evidence.actual).toEqual({ epochs: "10", lr: "0.01" });
    expect(f.evidence.notes).toEqual(["run: training job with your sample data and hyperparameters", "the same job with numbers exited 0 after 1.5 s", NOT_KEPT]);
    expect(f.evidence.log).toBe("TypeError: 'str' object cannot be interpreted as an integer");
    expect(f.evidence.reproduce).toEqual([(await jobs.training("success")).reproduce]);
  });

  it("counts booleans among the values a job may mistake", async () => {
    const { jobs } = sandbox(
      { channels: channels("train"), hyperparameters: { verbose: "true" } },
      { "*": (req) => (typeof hyperparametersOf(req).verbose === "boolean" ? {} : { exitCode: 1 }) },
    );
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain('(verbose: "true" vs true)');
  });

  it("skips when the job fails with numbers too: not a type problem", async () => {
    const { jobs } = sandbox({ channels: channels("train"), hyperparameters: hps }, { "*": () => ({ exitCode: 2 }) });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the job fails with hyperparameters as numbers too (exited 2 after 1.5 s): not a type problem; see TRN-SUCCESS-EXIT");
  });

  it("skips when no value reads as a number or boolean, without running anything", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train"), hyperparameters: { opt: "adam", model: "resnet-50", v: "1e" } });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("no hyperparameter value reads as a number or boolean; give them with --hp KEY=VALUE");
    expect(runner.requests).toEqual([]);
  });

  it("skips without sample data, or when the container did not start", async () => {
    expect(skipReason(await runJobCheck(check, sandbox({ hyperparameters: hps }).jobs))).toContain("no sample data");
    const { jobs } = sandbox({ channels: channels("train"), hyperparameters: hps }, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the container did not start (boom); see TRN-SUCCESS-EXIT");
  });
});
