import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { TUNING_KEY } from "../../src/engine/jobs/jobs.js";
import { ending, notStarted, runEvidence, succeeded } from "../job-run.js";

export default defineJobCheck("training", {
  id: "TRN-HP-UNKNOWN-KEY",
  clauses: ["training#config.hyperparameters-unknown-keys"],
  severity: "error",
  title: "Unknown hyperparameters are tolerated",
  rationale: `Automatic model tuning adds ${TUNING_KEY} to the hyperparameters, and the SDK adds its own sagemaker_* keys. A job that rejects keys it does not know works alone and fails in every tuning job.`,
  fix: "Ignore (or log) hyperparameters you do not know instead of failing on them.",
  needs: { jobs: true },
  async run({ jobs }) {
    const unavailable = jobs.trainingUnavailable("tuning-key");
    if (unavailable) return skip(unavailable);
    const base = await jobs.training("success");
    const unstarted = notStarted(base, "TRN-SUCCESS-EXIT");
    if (unstarted) return unstarted;
    if (!succeeded(base)) return skip("the job does not complete without the extra key either (see TRN-SUCCESS-EXIT)");
    const run = await jobs.training("tuning-key");
    if (succeeded(run)) return pass(`completed with ${TUNING_KEY} added`);
    return fail({
      message: `the job completes on your hyperparameters but ${ending(run)} once ${TUNING_KEY} is added, as automatic model tuning does`,
      fix: `Accept unknown keys: drop strict validation of the key set, or allow ${TUNING_KEY} and sagemaker_* keys.`,
      where: { kind: "file", path: "/opt/ml/input/config/hyperparameters.json" },
      evidence: runEvidence(run, { actual: run.hyperparameters }),
    });
  },
});
