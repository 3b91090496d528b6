import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { shellForm } from "../../src/image/command.js";
import { grace, notStarted, runEvidence, seconds } from "../job-run.js";

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
    const run = await jobs.training("stop");
    const unstarted = notStarted(run, "TRN-SUCCESS-EXIT");
    if (unstarted) return unstarted;
    const stop = run.outcome.stop!;
    const overridden = jobs.options.stopGraceMs !== undefined;
    if (stop.finishedFirst) {
      return skip(`the job ended by itself after ${seconds(run.outcome.durationMs)}, before the SIGTERM due at ${seconds(jobs.options.stopAfterMs)}; give --stop-after a shorter time, or sample data that keeps it busy longer`);
    }
    if (!stop.killedAtDeadline) return pass(`exited ${run.outcome.exitCode} ${seconds(stop.exitedAfterMs!)} after SIGTERM (grace ${grace(stop.graceMs, overridden)})`);
    const shell = shellForm(jobs.options.entrypoint ?? config.entrypoint ?? []);
    return fail({
      message: `the job was still running ${grace(stop.graceMs, overridden)} after SIGTERM and was killed with SIGKILL${shell ? `: the shell-form ENTRYPOINT makes ${shell.shell[0]} PID 1, and it does not pass SIGTERM on` : ""}`,
      fix: shell
        ? `Write the ENTRYPOINT in exec form (a JSON array) so your program receives SIGTERM itself.`
        : "Handle SIGTERM in the program that runs as PID 1 (a PID 1 without a handler ignores it), or exec the program from your start script.",
      where: shell ? { kind: "config", field: "Config.Entrypoint" } : { kind: "option", option: "--stop-after", value: seconds(jobs.options.stopAfterMs) },
      evidence: runEvidence(run, { actual: `killed at ${grace(stop.graceMs, overridden)}`, expected: `exit within ${grace(stop.graceMs, overridden)} of SIGTERM` }),
    });
  },
});
