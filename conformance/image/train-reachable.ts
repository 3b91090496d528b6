import { defineImageCheck } from "../../src/engine/check.js";
import { analyseStart } from "../../src/image/program.js";
import { startOutcome } from "./start-finding.js";

export default defineImageCheck({
  id: "IMG-TRAIN-REACHABLE",
  clauses: ["training#start.command"],
  severity: "error",
  title: "`docker run IMAGE train` starts a program",
  rationale:
    "SageMaker starts a training job with `docker run IMAGE train`. With an exec-form ENTRYPOINT, `train` arrives as its first argument; without one, `train` must be an executable on the image's PATH. Resolved statically: the program, its #! interpreter, and the script an interpreter is given must exist.",
  fix: "Give the image an exec-form ENTRYPOINT that handles `train`, or an executable `train` on PATH.",
  needs: { config: true, fs: true },
  async run({ config, fs }) {
    return startOutcome(await analyseStart(fs, config, ["train"]), config, "docker run IMAGE train", "train");
  },
});
