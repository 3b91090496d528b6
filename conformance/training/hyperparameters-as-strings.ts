import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { typedValue } from "../../src/engine/jobs/config-files.js";
import { ending, notStarted, runEvidence, succeeded } from "../job-run.js";

const readsAsNumber = (v: string) => typeof typedValue(v) !== "string";

export default defineJobCheck("training", {
  id: "TRN-HP-STRINGS",
  clauses: ["training#config.hyperparameters-strings"],
  severity: "error",
  title: "Hyperparameters are read as strings",
  rationale:
    'SageMaker writes every hyperparameter as a JSON string ({"epochs": "10"}), whatever type the caller meant. A job that uses the value as a number without converting it crashes in SageMaker although it worked with a hand-written config.',
  fix: "Convert each hyperparameter explicitly: int(hps['epochs']), float(hps['lr']).",
  needs: { jobs: true },
  async run({ jobs }) {
    const unavailable = jobs.trainingUnavailable("success");
    if (unavailable) return skip(unavailable);
    const numeric = Object.entries(jobs.options.hyperparameters).filter(([, v]) => readsAsNumber(v));
    if (numeric.length === 0) return skip("no hyperparameter value reads as a number or boolean; give them with --hp KEY=VALUE");
    const run = await jobs.training("success");
    const unstarted = notStarted(run, "TRN-SUCCESS-EXIT");
    if (unstarted) return unstarted;
    if (succeeded(run)) return pass(`completed with ${numeric.map(([k, v]) => `${k}="${v}"`).join(", ")} as strings`);
    const typed = await jobs.training("typed-hyperparameters");
    if (!succeeded(typed)) return skip(`the job fails with hyperparameters as numbers too (${ending(typed)}): not a type problem; see TRN-SUCCESS-EXIT`);
    return fail({
      message: `the job ${ending(run)} when hyperparameters are strings, as SageMaker passes them, and completes when they are numbers (${numeric.map(([k, v]) => `${k}: "${v}" vs ${v}`).join(", ")})`,
      fix: "Convert each value where you read it: int(hps['epochs']), float(hps['lr']); or read them with the training toolkit, which does.",
      where: { kind: "file", path: "/opt/ml/input/config/hyperparameters.json" },
      evidence: runEvidence(run, { actual: Object.fromEntries(numeric), notes: [`the same job with numbers ${ending(typed)}`] }),
    });
  },
});
