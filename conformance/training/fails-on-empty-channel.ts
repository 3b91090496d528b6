import { defineJobCheck, fail, pass } from "../../src/engine/check.js";
import { ending, notStarted, runEvidence } from "../job-run.js";

export default defineJobCheck("training", {
  id: "TRN-EMPTY-CHANNEL",
  clauses: ["training#exit.code", "training#input.file-mode"],
  severity: "warning",
  title: "The training job fails when its channels are empty",
  rationale:
    "A wrong S3 prefix gives a job empty channels. A job that then exits 0 publishes an untrained model as if all went well. Some algorithms legitimately need no data, hence a warning.",
  fix: "Check that each channel you need holds data; if not, write /opt/ml/output/failure and exit non-zero.",
  needs: { jobs: true },
  async run({ jobs }) {
    const run = await jobs.training("empty-channels");
    const unstarted = notStarted(run, "TRN-SUCCESS-EXIT");
    if (unstarted) return unstarted;
    const names = (run.channels ?? []).map((c) => c.name).join(", ");
    if (run.outcome.exitCode !== 0) return pass(`${ending(run)} with empty channel${run.channels?.length === 1 ? "" : "s"} ${names}`);
    return fail({
      message: `the job exited 0 with every channel empty (${names}): SageMaker would mark it Completed`,
      fix: "Fail when a channel you need holds no data: write the reason to /opt/ml/output/failure and exit non-zero.",
      where: { kind: "file", path: `/opt/ml/input/data/${run.channels?.[0]?.name ?? ""}` },
      evidence: runEvidence(run, { actual: 0, expected: "a non-zero exit code" }),
    });
  },
});
