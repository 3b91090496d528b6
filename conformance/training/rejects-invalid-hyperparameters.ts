import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { ending, notStarted, runEvidence } from "../job-run.js";

export default defineJobCheck("training", {
  id: "TRN-FAILURE-EXIT",
  clauses: ["training#exit.code", "training#output.failure"],
  severity: "error",
  title: "The training job fails on hyperparameters it cannot use",
  rationale:
    "A job that exits 0 after an error is marked Completed: the pipeline goes on to deploy a model that was never trained, and nobody sees why. byoc-check runs the job with the hyperparameters you declare invalid (--invalid-hp) and expects a non-zero exit.",
  fix: "Validate hyperparameters at start-up; on an error, write /opt/ml/output/failure and exit non-zero.",
  needs: { jobs: true },
  async run({ jobs }) {
    const unavailable = jobs.trainingUnavailable("invalid-hyperparameters");
    if (unavailable) return skip(unavailable);
    const run = await jobs.training("invalid-hyperparameters");
    const unstarted = notStarted(run, "TRN-SUCCESS-EXIT");
    if (unstarted) return unstarted;
    const given = Object.entries(jobs.options.invalidHyperparameters).map(([k, v]) => `${k}=${v}`);
    if (run.outcome.exitCode !== 0) return pass(`${ending(run)} on ${given.join(", ")}`);
    return fail({
      message: `the job exited 0 on hyperparameters declared invalid (${given.join(", ")}): SageMaker would mark it Completed`,
      fix: "Reject the value at start-up: write the reason to /opt/ml/output/failure and exit non-zero (sys.exit(1)).",
      where: { kind: "option", option: "--invalid-hp", value: given.join(" ") },
      evidence: runEvidence(run, { actual: 0, expected: "a non-zero exit code" }),
    });
  },
});
