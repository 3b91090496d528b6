import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { type FindingInput, defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { PROCESSING_OUTPUT_ROOT } from "../../src/engine/jobs/config-files.js";
import { runEvidence, startedRun, succeeded } from "../job-run.js";

const MAX_ENTRIES = 10_000;

/** Regular files and symlinks under a directory, links not followed: SageMaker does not follow them on upload. */
async function count(dir: string): Promise<{ files: number; links: number }> {
  const out = { files: 0, links: 0 };
  let seen = 0;
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      if (++seen > MAX_ENTRIES) return;
      const st = await lstat(join(d, name));
      if (st.isDirectory()) await walk(join(d, name));
      else if (st.isFile()) out.files++;
      else if (st.isSymbolicLink()) out.links++;
    }
  };
  await walk(dir);
  return out;
}

export default defineJobCheck("processing", {
  id: "PRC-OUTPUTS-WRITTEN",
  clauses: ["processing#io.output-dirs", "processing#io.symlinks"],
  severity: "error",
  title: "Every declared output is written",
  rationale:
    "SageMaker creates each ProcessingOutput's LocalPath before the job starts and uploads what is in it afterwards. A job that writes its results elsewhere, or only links to them, completes and uploads nothing.",
  fix: "Write each output's files into the LocalPath the job config declares (/opt/ml/config/processingjobconfig.json).",
  needs: { jobs: true },
  async run({ jobs }) {
    if (jobs.options.outputs.length === 0) return skip("no outputs declared: give --processing-output NAME for each ProcessingOutput");
    const got = await startedRun(jobs, { processing: "success" });
    if ("outcome" in got) return got.outcome;
    const { run } = got;
    if (!succeeded(run)) return skip("the processing job did not complete (see PRC-SUCCESS-EXIT)");
    const findings: FindingInput[] = [];
    const written: string[] = [];
    for (const name of jobs.options.outputs) {
      const path = `${PROCESSING_OUTPUT_ROOT}/${name}`;
      const c = await count(run.writable[path]!);
      if (c.files > 0) {
        written.push(`${name} (${c.files} file${c.files === 1 ? "" : "s"})`);
        continue;
      }
      const elsewhere = run.outcome.changes.filter((p) => p.startsWith("/opt/ml/")).slice(0, 5);
      findings.push({
        message: `output ${name} (${path}) is empty${c.links > 0 ? ` but for ${c.links} symbolic link${c.links === 1 ? "" : "s"}, which the upload does not follow` : ""}${elsewhere.length > 0 ? `; the job wrote ${elsewhere.join(", ")}` : ""}`,
        fix: `Write the results into ${path}, as ProcessingOutputConfig.Outputs[].S3Output.LocalPath says.`,
        where: { kind: "file", path },
        evidence: runEvidence(run),
      });
    }
    if (findings.length > 0) return fail(findings[0]!, ...findings.slice(1));
    return pass(`written: ${written.join(", ")}`);
  },
});
