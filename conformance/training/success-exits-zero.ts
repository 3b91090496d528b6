import { join } from "node:path";
import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { ending, readBounded, runEvidence, seconds, succeeded } from "../job-run.js";

export default defineJobCheck("training", {
  id: "TRN-SUCCESS-EXIT",
  clauses: ["training#exit.code", "training#start.command"],
  severity: "error",
  title: "The training job completes on sample data",
  rationale:
    "SageMaker marks a training job Completed only when the container exits 0, and Failed on anything else. byoc-check runs `docker run IMAGE train` with your sample channels and hyperparameters in the same /opt/ml layout SageMaker gives the container.",
  fix: "Run the reproducing docker run line and fix what the log shows; exit 0 only when the model is saved.",
  needs: { jobs: true },
  async run({ jobs }) {
    const unavailable = jobs.trainingUnavailable("success");
    if (unavailable) return skip(unavailable);
    const run = await jobs.training("success");
    if (succeeded(run)) return pass(`exit 0 after ${seconds(run.outcome.durationMs)}`);
    const reason = readBounded(join(run.writable["/opt/ml/output"]!, "failure"), 1024);
    return fail({
      message: `the training job ${ending(run)}${reason && reason.size > 0 ? `; its failure file says: ${reason.bytes.toString("utf8").trim().split("\n")[0]!.slice(0, 200)}` : ""}`,
      fix:
        run.outcome.startError !== undefined
          ? "Make `train` start: an exec-form ENTRYPOINT that accepts the train argument, or an executable named train on PATH."
          : run.outcome.timedOut
            ? "Make the job finish on the sample data within --train-timeout, or give it a longer one."
            : "Run the reproducing line, read the log and fix the job; it must exit 0 when training succeeds.",
      where: { kind: "option", option: "--channel", value: run.channels?.map((c) => `${c.name}=${c.dir}`).join(" ") ?? "" },
      evidence: runEvidence(run, { actual: run.outcome.exitCode, expected: 0 }),
    });
  },
});
