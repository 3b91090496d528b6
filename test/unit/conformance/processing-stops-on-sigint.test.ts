import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/processing/stops-on-sigint.js";
import type { RunRequest } from "../../../src/engine/jobs/runner.js";
import { removeTempDirs, runJobCheck, sandbox, unstarted, NOT_KEPT } from "../helpers/fake-jobs.js";
import { config } from "../helpers/memory-image.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

const SHELL_FORM = config({ Entrypoint: ["/bin/sh", "-c", "python3 /opt/program/process.py"] });
const EXEC_FORM = config({ Entrypoint: ["python3", "/opt/program/process.py"] });

const killed = (req: RunRequest) => ({
  exitCode: 137,
  stop: { signal: req.stop!.signal, graceMs: req.stop!.graceMs, finishedFirst: false, sentAfterMs: req.stop!.afterMs, killedAtDeadline: true },
});

describe("PRC-STOP", () => {
  it("does not fire when the job exits within the grace after SIGINT", async () => {
    const { jobs, runner } = sandbox();
    expect(passDetail(await runJobCheck(check, jobs, EXEC_FORM))).toBe("exited 0 0.3 s after SIGINT (grace 2m)");
    expect(runner.scenarios).toEqual(["processing/stop"]);
    expect(runner.requests[0]!.stop).toEqual({ signal: "SIGINT", afterMs: 2_000, graceMs: 120_000 });
  });

  it("says when --stop-grace set the grace", async () => {
    const { jobs } = sandbox({ stopGraceMs: 10_000 });
    expect(passDetail(await runJobCheck(check, jobs, EXEC_FORM))).toBe("exited 0 0.3 s after SIGINT (grace 10s (--stop-grace))");
  });

  it("fires when the job is still running at the end of the grace", async () => {
    const { jobs } = sandbox({ stopAfterMs: 1_000 }, { "*": killed });
    const f = onlyFinding(await runJobCheck(check, jobs, EXEC_FORM));
    expect(f.message).toBe("the job was still running 2m after SIGINT and was killed with SIGKILL");
    expect(f.fix).toBe("Let SIGINT end the program that runs as PID 1: a PID 1 without a handler ignores it.");
    expect(f.evidence).toMatchObject({
      location: { kind: "option", option: "--stop-after", value: "1.0 s" },
      actual: "killed at 2m",
      expected: "exit within 2m of SIGINT",
      notes: ["run: processing job with a stop (StopProcessingJob) while the job runs", NOT_KEPT],
    });
  });

  it("blames a shell-form ENTRYPOINT, the image's or --entrypoint", async () => {
    const image = sandbox({}, { "*": killed });
    const f = onlyFinding(await runJobCheck(check, image.jobs, SHELL_FORM));
    expect(f.message).toBe("the job was still running 2m after SIGINT and was killed with SIGKILL: the shell-form ENTRYPOINT makes /bin/sh PID 1, and it does not pass SIGINT on");
    expect(f.fix).toBe("Write the ENTRYPOINT in exec form (a JSON array) so your program receives SIGINT itself.");
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Entrypoint" });
    const flag = sandbox({ entrypoint: ["/bin/sh", "-c", "python3 /opt/program/process.py"] }, { "*": killed });
    expect(onlyFinding(await runJobCheck(check, flag.jobs, EXEC_FORM)).message).toContain("shell-form ENTRYPOINT");
  });

  it("skips when the job ended before the signal was due", async () => {
    const { jobs } = sandbox({}, { "*": () => ({ durationMs: 400, stop: { signal: "SIGINT", graceMs: 120_000, finishedFirst: true, killedAtDeadline: false } }) });
    expect(skipReason(await runJobCheck(check, jobs))).toBe(
      "the job ended by itself after 0.4 s, before the SIGINT due at 2.0 s; give --stop-after a shorter time, or input that keeps it busy longer",
    );
  });

  it("skips when the container did not start", async () => {
    const { jobs } = sandbox({}, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the container did not start (boom); see PRC-SUCCESS-EXIT");
  });
});
