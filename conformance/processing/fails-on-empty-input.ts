import { defineJobCheck, fail, pass } from "../../src/engine/check.js";
import { ending, notStarted, runEvidence } from "../job-run.js";

export default defineJobCheck("processing", {
  id: "PRC-EMPTY-INPUT",
  clauses: ["processing#exit.code"],
  severity: "warning",
  title: "The processing job fails when its inputs are empty",
  rationale:
    "A wrong S3 prefix gives a processing job empty inputs. A job that then exits 0 lets the pipeline go on with empty results. Some jobs legitimately need no input, hence a warning.",
  fix: "Check that the inputs you need hold data; if not, write the reason to /opt/ml/output/message and exit non-zero.",
  needs: { jobs: true },
  async run({ jobs }) {
    const run = await jobs.processing("empty-inputs");
    const unstarted = notStarted(run, "PRC-SUCCESS-EXIT");
    if (unstarted) return unstarted;
    if (run.outcome.exitCode !== 0) return pass(`${ending(run)} with every input empty`);
    return fail({
      message: "the job exited 0 with every input empty: SageMaker would mark it Completed",
      fix: "Fail when an input you need holds no files: write the reason to /opt/ml/output/message and exit non-zero.",
      where: { kind: "file", path: "/opt/ml/processing/input" },
      evidence: runEvidence(run, { actual: 0, expected: "a non-zero exit code" }),
    });
  },
});
