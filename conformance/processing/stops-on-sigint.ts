import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { shellForm } from "../../src/image/command.js";
import { grace, notStarted, runEvidence, seconds } from "../job-run.js";

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
    const run = await jobs.processing("stop");
    const unstarted = notStarted(run, "PRC-SUCCESS-EXIT");
    if (unstarted) return unstarted;
    const stop = run.outcome.stop!;
    const overridden = jobs.options.stopGraceMs !== undefined;
    if (stop.finishedFirst) {
      return skip(`the job ended by itself after ${seconds(run.outcome.durationMs)}, before the SIGINT due at ${seconds(jobs.options.stopAfterMs)}; give --stop-after a shorter time, or input that keeps it busy longer`);
    }
    if (!stop.killedAtDeadline) return pass(`exited ${run.outcome.exitCode} ${seconds(stop.exitedAfterMs!)} after SIGINT (grace ${grace(stop.graceMs, overridden)})`);
    const shell = shellForm(jobs.options.entrypoint ?? config.entrypoint ?? []);
    return fail({
      message: `the job was still running ${grace(stop.graceMs, overridden)} after SIGINT and was killed with SIGKILL${shell ? `: the shell-form ENTRYPOINT makes ${shell.shell[0]} PID 1, and it does not pass SIGINT on` : ""}`,
      fix: shell ? "Write the ENTRYPOINT in exec form (a JSON array) so your program receives SIGINT itself." : "Let SIGINT end the program that runs as PID 1: a PID 1 without a handler ignores it.",
      where: shell ? { kind: "config", field: "Config.Entrypoint" } : { kind: "option", option: "--stop-after", value: seconds(jobs.options.stopAfterMs) },
      evidence: runEvidence(run, { actual: `killed at ${grace(stop.graceMs, overridden)}`, expected: `exit within ${grace(stop.graceMs, overridden)} of SIGINT` }),
    });
  },
});
