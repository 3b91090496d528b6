import { join } from "node:path";
import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import type { TrainingScenario } from "../../src/engine/jobs/jobs.js";
import { ending, readBounded, runEvidence } from "../job-run.js";

/** How glibc, Python, Go, Java and busybox word EROFS. */
const EROFS = /read-only file system|EROFS/i;

export default defineJobCheck("training", {
  id: "TRN-CHANNEL-READONLY",
  clauses: ["training#input.fastfile-read-only"],
  severity: "error",
  title: "The job does not write into its input channels",
  rationale:
    "FastFile channels are mounted read-only, and File-mode channels are SageMaker's copy of your S3 data. byoc-check mounts every channel read-only (it never lets a job change your sample data); a job that writes lock, cache or temp files next to its input fails there.",
  fix: "Write scratch files under /tmp and outputs under /opt/ml/model or /opt/ml/output/data, never into /opt/ml/input/data.",
  needs: { jobs: true },
  async run({ jobs }) {
    if (jobs.options.inputMode === "Pipe") return skip("Pipe mode gives the job FIFOs, not channel directories");
    const looked: string[] = [];
    for (const s of ["success", "empty-channels"] as TrainingScenario[]) {
      if (jobs.trainingUnavailable(s)) continue;
      const run = await jobs.training(s);
      if (run.outcome.startError !== undefined || run.outcome.exitCode === 0) {
        looked.push(s);
        continue;
      }
      const failure = readBounded(join(run.writable["/opt/ml/output"]!, "failure"), 4096)?.bytes.toString("utf8") ?? "";
      const erofs = [...run.outcome.log.text.split("\n"), ...failure.split("\n")].filter((l) => EROFS.test(l));
      const line = erofs.find((l) => l.includes("/opt/ml/input/data")) ?? erofs[0];
      if (line) {
        return fail({
          message: `the job ${ending(run)} after a write into a read-only input channel: ${line.trim().slice(0, 300)}`,
          fix: "Write scratch and cache files under /tmp instead of next to the input data.",
          where: { kind: "file", path: "/opt/ml/input/data" },
          evidence: runEvidence(run),
        });
      }
      looked.push(s);
    }
    return pass(`no write into a channel seen (${looked.join(", ")})`);
  },
});
