import { defineJobCheck, fail, pass } from "../../src/engine/check.js";
import { runEvidence, startedRun } from "../job-run.js";

/** What SageMaker keeps of /opt/ml (§1.5), and what the job may use without expecting it back. */
const NOT_LOST = /^\/opt\/ml\/(model|output|checkpoints|input|code)(\/|$)/;

export default defineJobCheck("training", {
  id: "TRN-WRITES-KEPT",
  clauses: ["training#layout.reserved", "training#output.model", "training#output.data"],
  severity: "warning",
  title: "Nothing is written where SageMaker discards it",
  rationale:
    "SageMaker mounts /opt/ml/model, /opt/ml/output and /opt/ml/checkpoints one by one and uploads only those. A job written for a harness that mounts /opt/ml whole writes reports and artefacts elsewhere under /opt/ml, and they vanish with the instance.",
  fix: "Write the model to /opt/ml/model and other artefacts to /opt/ml/output/data.",
  needs: { jobs: true },
  async run({ jobs }) {
    const got = await startedRun(jobs, { training: "success" });
    if ("outcome" in got) return got.outcome;
    const { run } = got;
    const lost = run.outcome.changes.filter((p) => p.startsWith("/opt/ml/") && !NOT_LOST.test(p));
    // Report the top-most paths: /opt/ml/artifacts, not each file below it.
    const tops = lost.filter((p) => !lost.some((q) => q !== p && p.startsWith(`${q}/`)));
    if (tops.length === 0) return pass("everything the job wrote under /opt/ml is in a directory SageMaker keeps");
    return fail({
      message: `the job wrote ${tops.slice(0, 5).join(", ")}${tops.length > 5 ? ` and ${tops.length - 5} more` : ""}, which SageMaker does not upload`,
      fix: `Write it under /opt/ml/output/data (uploaded as output.tar.gz) or /opt/ml/model instead of ${tops[0]}.`,
      where: { kind: "file", path: tops[0]! },
      evidence: runEvidence(run, { actual: lost.slice(0, 20) }),
    });
  },
});
