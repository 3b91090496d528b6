import { defineImageCheck } from "../../src/engine/check.js";
import { analyseStart } from "../../src/image/program.js";
import { startOutcome } from "./start-finding.js";

export default defineImageCheck({
  id: "IMG-SERVE-REACHABLE",
  clauses: ["inference#start.command"],
  severity: "error",
  title: "`docker run IMAGE serve` starts a program",
  rationale:
    "SageMaker starts an endpoint and a batch transform with `docker run IMAGE serve`. With an exec-form ENTRYPOINT, `serve` arrives as its first argument; without one, `serve` must be an executable on the image's PATH. Resolved statically: the program, its #! interpreter, and the script an interpreter is given must exist.",
  fix: "Give the image an exec-form ENTRYPOINT that handles `serve`, or an executable `serve` on PATH.",
  needs: { config: true, fs: true },
  async run({ config, fs }) {
    return startOutcome(await analyseStart(fs, config, ["serve"]), config, "docker run IMAGE serve", "serve");
  },
});
