import { join } from "node:path";
import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { ending, readBounded, runEvidence, seconds, succeeded } from "../job-run.js";

export default defineJobCheck("processing", {
  id: "PRC-SUCCESS-EXIT",
  clauses: ["processing#exit.code", "processing#start.command"],
  severity: "error",
  title: "The processing job completes on sample input",
  rationale:
    "A processing job completes only if its container exits 0. byoc-check runs the image with its own ENTRYPOINT and CMD (or --entrypoint / --arg), your inputs read-only under /opt/ml/processing/input and the job's config in /opt/ml/config.",
  fix: "Run the reproducing docker run line and fix what the log shows.",
  needs: { jobs: true },
  async run({ jobs }) {
    const unavailable = jobs.processingUnavailable("success");
    if (unavailable) return skip(unavailable);
    const run = await jobs.processing("success");
    if (succeeded(run)) return pass(`exit 0 after ${seconds(run.outcome.durationMs)}`);
    const message = readBounded(join(run.writable["/opt/ml/output"]!, "message"), 1024);
    return fail({
      message: `the processing job ${ending(run)}${message && message.size > 0 ? `; its message says: ${message.bytes.toString("utf8").trim().split("\n")[0]!.slice(0, 200)}` : ""}`,
      fix: run.outcome.startError !== undefined ? "Make the image's ENTRYPOINT (or --entrypoint) start." : "Run the reproducing line, read the log and fix the job.",
      where: { kind: "option", option: "--input", value: jobs.options.inputs.map((i) => `${i.name}=${i.dir}`).join(" ") },
      evidence: runEvidence(run, { actual: run.outcome.exitCode, expected: 0 }),
    });
  },
});
