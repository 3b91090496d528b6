import { defineJobCheck } from "../../src/engine/check.js";
import { judgeStop, startedRun } from "../job-run.js";

export default defineJobCheck("processing", {
  id: "PRC-STOP",
  clauses: ["processing#stop.sigint", "processing#start.exec-form"],
  severity: "warning",
  title: "The processing job exits on SIGINT",
  rationale:
    "StopProcessingJob sends SIGINT, then SIGKILL. The grace between them is not documented: byoc-check assumes training's 120 s. A program behind /bin/sh never sees the SIGINT and is always killed.",
  fix: "Use an exec-form ENTRYPOINT and let SIGINT end the program (Python's default KeyboardInterrupt does).",
  needs: { jobs: true, config: true },
  async run({ jobs, config }) {
    const got = await startedRun(jobs, { processing: "stop" });
    if ("outcome" in got) return got.outcome;
    return judgeStop(got.run, jobs, config, {
      signal: "SIGINT",
      busyWith: "input",
      handleFix: "Let SIGINT end the program that runs as PID 1: a PID 1 without a handler ignores it.",
    });
  },
});
