import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/channels-read-only.js";
import { channels, logOf, removeTempDirs, runJobCheck, sandbox, unstarted, write, NOT_KEPT } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

const EROFS_LINE = "OSError: [Errno 30] Read-only file system: '/opt/ml/input/data/train/.cache.lock'";

describe("TRN-CHANNEL-READONLY", () => {
  it("does not fire when no run shows a write into a channel", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train") }, { "training/empty-channels": () => ({ exitCode: 1, log: logOf("no data in /opt/ml/input/data/train\n") }) });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("no write into a channel seen (success, empty-channels)");
    expect(runner.scenarios).toEqual(["training/success", "training/empty-channels"]);
  });

  it("looks at the empty-channels run alone without sample data", async () => {
    const { jobs, runner } = sandbox();
    expect(passDetail(await runJobCheck(check, jobs))).toBe("no write into a channel seen (empty-channels)");
    expect(runner.scenarios).toEqual(["training/empty-channels"]);
  });

  it("fires when a failed run's log shows EROFS on a channel path", async () => {
    const { jobs } = sandbox({ channels: channels("train") }, { "training/success": () => ({ exitCode: 1, log: logOf(`Traceback (most recent call last):\n  ${EROFS_LINE}\n`) }) });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe(`the job exited 1 after 1.5 s after a write into a read-only input channel: ${EROFS_LINE}`);
    expect(f.fix).toBe("Write scratch and cache files under /tmp instead of next to the input data.");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/input/data" });
    expect(f.evidence.notes).toEqual(["run: training job with your sample data and hyperparameters", NOT_KEPT]);
  });

  it("prefers the line that names a channel over another EROFS line", async () => {
    const log = "mkdir: cannot create directory '/etc/x': Read-only file system\ncp: cannot create regular file '/opt/ml/input/data/train/x': Read-only file system\n";
    const { jobs } = sandbox({ channels: channels("train") }, { "training/success": () => ({ exitCode: 1, log: logOf(log) }) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain("cp: cannot create regular file '/opt/ml/input/data/train/x'");
  });

  it("takes an EROFS line without a path, in Go's and busybox's words", async () => {
    const { jobs } = sandbox({ channels: channels("train") }, { "training/success": () => ({ exitCode: 2, log: logOf("open data.lock: read-only file system\n") }) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain(": open data.lock: read-only file system");
  });

  it("finds the error in the failure file when the log has none", async () => {
    const { jobs } = sandbox(
      { channels: channels("train") },
      { "training/empty-channels": (req) => (write(req, "/opt/ml/output", "failure", `could not index the input: ${EROFS_LINE}\n`), { exitCode: 1 }) },
    );
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe(`the job exited 1 after 1.5 s after a write into a read-only input channel: could not index the input: ${EROFS_LINE}`);
    expect(f.evidence.notes![0]).toBe("run: training job with every input channel present but empty");
  });

  it("ignores EROFS in the log of a run that exited 0, or of one that never started", async () => {
    const { jobs } = sandbox(
      { channels: channels("train") },
      { "training/success": () => ({ log: logOf(`${EROFS_LINE} (retried in /tmp)\n`) }), "training/empty-channels": () => unstarted("boom") },
    );
    passDetail(await runJobCheck(check, jobs));
  });

  it("shortens a very long line to 300 characters", async () => {
    const long = `EROFS: ${"x".repeat(1000)}`;
    const { jobs } = sandbox({ channels: channels("train") }, { "training/success": () => ({ exitCode: 1, log: logOf(`${long}\n`) }) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toMatch(/: EROFS: x{293}$/);
  });

  it("skips in Pipe mode, running nothing", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train"), inputMode: "Pipe" });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("Pipe mode gives the job FIFOs, not channel directories");
    expect(runner.requests).toEqual([]);
  });
});
