import { defineJobCheck } from "../../src/engine/check.js";
import { judgeStop, startedRun } from "../job-run.js";

export default defineJobCheck("training", {
  id: "TRN-SIGTERM",
  clauses: ["training#stop.sigterm", "training#start.exec-form"],
  severity: "error",
  title: "The training job exits on SIGTERM within the grace",
  rationale:
    "StopTrainingJob (and a spot interruption) sends SIGTERM and kills the container 120 s later. A program that never sees SIGTERM, typically because /bin/sh sits in front of it as PID 1, loses the chance to save a checkpoint and is always killed.",
  fix: "Use an exec-form ENTRYPOINT so your program is PID 1, and handle SIGTERM: save what you need and exit.",
  needs: { jobs: true, config: true },
  async run({ jobs, config }) {
    const got = await startedRun(jobs, { training: "stop" });
    if ("outcome" in got) return got.outcome;
    return judgeStop(got.run, jobs, config, {
      signal: "SIGTERM",
      busyWith: "sample data",
      handleFix: "Handle SIGTERM in the program that runs as PID 1 (a PID 1 without a handler ignores it), or exec the program from your start script.",
    });
  },
});
