import { join } from "node:path";
import { type FindingInput, defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import type { JobRun, TrainingScenario } from "../../src/engine/jobs/jobs.js";
import { ending, readBounded, runEvidence } from "../job-run.js";

/** The runs that may end in failure, in the order they are looked at. */
const RUNS: TrainingScenario[] = ["empty-channels", "invalid-hyperparameters", "success"];

export default defineJobCheck("training", {
  id: "TRN-FAILURE-FILE",
  clauses: ["training#output.failure", "training#exit.code"],
  severity: "warning",
  title: "A failed job says why in /opt/ml/output/failure",
  rationale:
    "DescribeTrainingJob's FailureReason is the first 1024 characters of /opt/ml/output/failure. Without the file, a failed job shows only an exit code; with the reason past character 1024, it is cut off; a failure file beside exit 0 contradicts itself.",
  fix: "On failure write one short paragraph, reason first, to /opt/ml/output/failure, then exit non-zero.",
  needs: { jobs: true },
  async run({ jobs, spec }) {
    const limit = spec.limit("training#output.failure", "reasonChars").value;
    const findings: FindingInput[] = [];
    const failed: string[] = [];
    for (const s of RUNS) {
      if (jobs.trainingUnavailable(s)) continue;
      const run = await jobs.training(s);
      const o = run.outcome;
      if (o.startError !== undefined || o.timedOut) continue;
      const file = readBounded(join(run.writable["/opt/ml/output"]!, "failure"), 64 * 1024);
      if (o.exitCode === 0) {
        if (file) findings.push(finding(run, `the job exited 0 but wrote /opt/ml/output/failure`, "Write the failure file only when the job fails, and then exit non-zero.", file));
        continue;
      }
      failed.push(s);
      if (!file) {
        findings.push(finding(run, `the job ${ending(run)} without writing /opt/ml/output/failure: FailureReason would be empty`, "Catch errors at the top of the program, write a one-paragraph reason to /opt/ml/output/failure, then exit non-zero."));
        continue;
      }
      const text = file.bytes.toString("utf8");
      const chars = [...text];
      if (text.trim() === "") {
        findings.push(finding(run, `the job ${ending(run)} and left /opt/ml/output/failure empty`, "Write the reason into the failure file, not just the file.", file));
      } else if (file.size > file.bytes.length || chars.length > limit) {
        const kept = chars.slice(0, limit).join("");
        findings.push(
          finding(
            run,
            `/opt/ml/output/failure holds ${file.size > file.bytes.length ? `${file.size} bytes` : `${chars.length} characters`}; FailureReason keeps only the first ${limit}`,
            `Put the reason first and keep the file under ${limit} characters; send tracebacks to stderr.`,
            file,
            [`FailureReason would read: ${JSON.stringify(kept.slice(0, 200))}${kept.length > 200 ? "..." : ""}`],
          ),
        );
      }
    }
    if (findings.length > 0) return fail(findings[0]!, ...findings.slice(1));
    if (failed.length === 0) return skip("no run failed (see TRN-EMPTY-CHANNEL and TRN-FAILURE-EXIT), so there was no failure file to read");
    return pass(`a reason within ${limit} characters after ${failed.join(", ")}`);
  },
});

function finding(run: JobRun, message: string, fix: string, file?: { bytes: Buffer; size: number }, notes: string[] = []): FindingInput {
  return {
    message,
    fix,
    where: { kind: "file", path: "/opt/ml/output/failure" },
    evidence: runEvidence(run, { ...(file ? { actual: file.bytes.toString("utf8").slice(0, 300) } : {}), notes }),
  };
}
