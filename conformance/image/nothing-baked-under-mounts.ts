import { defineImageCheck, fail, pass, type FindingInput } from "../../src/engine/check.js";
import { mountedPaths } from "../../src/image/mounts.js";

const EXAMPLES = 10;

export default defineImageCheck({
  id: "IMG-OPTML-SHADOWED",
  clauses: ["training#layout.reserved", "processing#layout.reserved", "inference#model.read-only"],
  severity: "error",
  title: "Nothing is baked into paths SageMaker mounts over",
  rationale:
    "SageMaker mounts its own directories over /opt/ml/input, /opt/ml/model, /opt/ml/output and /opt/ml/checkpoints (training), /opt/ml/model (hosting: the extracted model.tar.gz) and /opt/ml/processing, /opt/ml/config, /opt/ml/output (processing). Files the image ships there vanish at run time: the code that reads them works locally and fails in the job.",
  fix: "Keep code and assets outside the mounted directories (e.g. /opt/program, or /opt/ml/code), and ship models as model.tar.gz.",
  needs: { fs: true },
  timeoutMs: 120_000,
  async run({ fs, contracts }) {
    const findings: FindingInput[] = [];
    const mounted = mountedPaths(contracts);
    for (const [dir, by] of mounted) {
      const { files, truncated } = await fs.listFiles(dir, EXAMPLES);
      if (files.length === 0) continue;
      const shown = files.map((f) => f.path);
      findings.push({
        message: `${truncated ? "at least " : ""}${files.length} file(s) under ${dir}, which ${by.join(" and ")} mount${by.length > 1 ? "" : "s"} over: ${shown.slice(0, 3).join(", ")}${files.length > 3 ? ", ..." : ""}`,
        fix: `Move these files out of ${dir} (e.g. to /opt/program) and read them from there${dir === "/opt/ml/model" ? ", or ship the model as model.tar.gz (ModelDataUrl)" : ""}.`,
        where: { kind: "file", path: files[0]!.path },
        evidence: { actual: shown, notes: truncated ? [`listing stopped after ${files.length} files`] : [] },
      });
    }
    const [first, ...rest] = findings;
    return first ? fail(first, ...rest) : pass(`empty: ${[...mounted.keys()].join(", ")}`);
  },
});
