import { copyFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { inspectModelDir, packModel } from "../../src/image/model-archive.js";
import { runEvidence, startedRun, succeeded } from "../job-run.js";

/** Paths in the container's own filesystem that are scratch, not misplaced artefacts. */
const SCRATCH = /^\/(tmp|var|run|proc|dev|root\/\.cache)(\/|$)|__pycache__|\.pyc$/;

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

export default defineJobCheck("training", {
  id: "TRN-MODEL-WRITTEN",
  clauses: ["training#output.model"],
  severity: "error",
  title: "The model is saved to /opt/ml/model and packs into model.tar.gz",
  rationale:
    "At the end of a job SageMaker tars and gzips /opt/ml/model into model.tar.gz and uploads it; nothing else becomes the model. An empty model directory, a device or socket in it, or a link pointing outside it leaves hosting without a usable model.",
  fix: "Save the model files under /opt/ml/model (SM_MODEL_DIR in the training toolkit).",
  needs: { jobs: true },
  async run({ jobs }) {
    const got = await startedRun(jobs, { training: "success" });
    if ("outcome" in got) return got.outcome;
    const { run } = got;
    if (!succeeded(run)) return skip("the training job did not complete (see TRN-SUCCESS-EXIT), so it saved no model to judge");
    const modelDir = run.writable["/opt/ml/model"]!;
    const listing = await inspectModelDir(modelDir);
    if (listing.files === 0) {
      const written = run.outcome.changes.filter((p) => !SCRATCH.test(p));
      // Files, not the directories holding them: /opt/model/model.json rather than /opt/model too.
      const elsewhere = written.filter((p) => !written.some((q) => q.startsWith(`${p}/`))).slice(0, 8);
      return fail({
        message: `the job exited 0 but left no regular file in /opt/ml/model${elsewhere.length > 0 ? `; it wrote ${elsewhere.join(", ")}` : ""}`,
        fix: elsewhere.length > 0 ? `Write the model under /opt/ml/model instead (${elsewhere[0]} is lost when the job ends).` : "Write the trained model under /opt/ml/model before exiting 0.",
        where: { kind: "file", path: "/opt/ml/model" },
        evidence: runEvidence(run, { actual: listing.entries, expected: "at least one regular file" }),
      });
    }
    if (listing.problems.length > 0) {
      return fail(
        ...(listing.problems.map((p) => ({
          message: `/opt/ml/model/${p.path} ${p.why}`,
          fix: p.kind === "link" ? "Copy the file into /opt/ml/model instead of linking to it, or make the link relative and inside the model directory." : "Write only regular files, directories and links inside /opt/ml/model.",
          where: { kind: "file" as const, path: `/opt/ml/model/${p.path}` },
          evidence: runEvidence(run),
        })) as [Parameters<typeof fail>[0], ...Parameters<typeof fail>]),
      );
    }
    const archive = await packModel(modelDir, join(run.dir, "model.tar.gz"));
    let saved = "";
    if (jobs.options.saveArtifactsDir) {
      const dest = join(jobs.options.saveArtifactsDir, "model.tar.gz");
      copyFileSync(archive, dest);
      saved = `, saved to ${dest}`;
    }
    return pass(`${listing.files} file${listing.files === 1 ? "" : "s"} (${bytes(listing.bytes)}) in /opt/ml/model; model.tar.gz ${bytes(statSync(archive).size)}${saved}`);
  },
});
