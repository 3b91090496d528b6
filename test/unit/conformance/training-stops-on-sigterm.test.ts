import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/stops-on-sigterm.js";
import type { RunRequest } from "../../../src/engine/jobs/runner.js";
import { channels, removeTempDirs, runJobCheck, sandbox, unstarted, NOT_KEPT } from "../helpers/fake-jobs.js";
import { config } from "../helpers/memory-image.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

const SHELL_FORM = config({ Entrypoint: ["/bin/sh", "-c", "python3 /opt/program/train.py"] });
const EXEC_FORM = config({ Entrypoint: ["python3", "/opt/program/train.py"] });

const killed = (req: RunRequest) => ({
  exitCode: 137,
  durationMs: 122_000,
  stop: { signal: req.stop!.signal, graceMs: req.stop!.graceMs, finishedFirst: false, sentAfterMs: req.stop!.afterMs, killedAtDeadline: true },
});

describe("TRN-SIGTERM", () => {
  it("does not fire when the job exits within the grace after SIGTERM", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train") });
    expect(passDetail(await runJobCheck(check, jobs, EXEC_FORM))).toBe("exited 0 0.3 s after SIGTERM (grace 2m)");
    expect(runner.scenarios).toEqual(["training/stop"]);
    expect(runner.requests[0]!.stop).toEqual({ signal: "SIGTERM", afterMs: 2_000, graceMs: 120_000 });
  });

  it("says when --stop-grace set the grace", async () => {
    const { jobs } = sandbox({ stopGraceMs: 5_000 }, { "*": (req) => ({ exitCode: 143, stop: { signal: "SIGTERM", graceMs: req.stop!.graceMs, finishedFirst: false, sentAfterMs: 2_000, exitedAfterMs: 1_200, killedAtDeadline: false } }) });
    expect(passDetail(await runJobCheck(check, jobs, EXEC_FORM))).toBe("exited 143 1.2 s after SIGTERM (grace 5s (--stop-grace))");
  });

  it("fires when the job is still running at the end of the grace", async () => {
    const { jobs } = sandbox({}, { "*": killed });
    const f = onlyFinding(await runJobCheck(check, jobs, EXEC_FORM));
    expect(f.message).toBe("the job was still running 2m after SIGTERM and was killed with SIGKILL");
    expect(f.fix).toBe("Handle SIGTERM in the program that runs as PID 1 (a PID 1 without a handler ignores it), or exec the program from your start script.");
    expect(f.evidence).toMatchObject({
      location: { kind: "option", option: "--stop-after", value: "2.0 s" },
      actual: "killed at 2m",
      expected: "exit within 2m of SIGTERM",
      notes: ["run: training job with a stop (StopTrainingJob) while the job runs", NOT_KEPT],
    });
  });

  it("blames a shell-form ENTRYPOINT that keeps SIGTERM from the program", async () => {
    const { jobs } = sandbox({}, { "*": killed });
    const f = onlyFinding(await runJobCheck(check, jobs, SHELL_FORM));
    expect(f.message).toBe("the job was still running 2m after SIGTERM and was killed with SIGKILL: the shell-form ENTRYPOINT makes /bin/sh PID 1, and it does not pass SIGTERM on");
    expect(f.fix).toBe("Write the ENTRYPOINT in exec form (a JSON array) so your program receives SIGTERM itself.");
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Entrypoint" });
  });

  it("judges --entrypoint rather than the image's when one is given", async () => {
    const overShell = sandbox({ entrypoint: ["python3", "/opt/program/train.py"] }, { "*": killed });
    expect(onlyFinding(await runJobCheck(check, overShell.jobs, SHELL_FORM)).message).not.toContain("shell-form");
    const shell = sandbox({ entrypoint: ["bash", "-c", "python3 /opt/program/train.py"] }, { "*": killed });
    expect(onlyFinding(await runJobCheck(check, shell.jobs, EXEC_FORM)).message).toContain("the shell-form ENTRYPOINT makes bash PID 1");
  });

  it("skips when the job ended before the signal was due", async () => {
    const { jobs } = sandbox({ stopAfterMs: 5_000 }, { "*": () => ({ exitCode: 1, durationMs: 800, stop: { signal: "SIGTERM", graceMs: 120_000, finishedFirst: true, killedAtDeadline: false } }) });
    expect(skipReason(await runJobCheck(check, jobs))).toBe(
      "the job ended by itself after 0.8 s, before the SIGTERM due at 5.0 s; give --stop-after a shorter time, or sample data that keeps it busy longer",
    );
  });

  it("skips when the container did not start", async () => {
    const { jobs } = sandbox({}, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the container did not start (boom); see TRN-SUCCESS-EXIT");
  });
});
