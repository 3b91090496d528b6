import { defineImageCheck } from "../../src/engine/check.js";
import { analyseStart } from "../../src/image/program.js";
import { startOutcome } from "./start-finding.js";

export default defineImageCheck({
  id: "IMG-PROCESS-REACHABLE",
  clauses: ["processing#start.command"],
  severity: "error",
  title: "The image's ENTRYPOINT or CMD starts a program for processing",
  rationale:
    "A processing job runs the image's own ENTRYPOINT and CMD, with no train or serve argument, unless the job sets ContainerEntrypoint. An image with neither, or whose program is missing, fails at start.",
  fix: "Give the image an exec-form ENTRYPOINT (or CMD) naming a program that exists and is executable.",
  needs: { config: true, fs: true },
  async run({ config, fs }) {
    return startOutcome(await analyseStart(fs, config, []), config, "a processing job", null);
  },
});
