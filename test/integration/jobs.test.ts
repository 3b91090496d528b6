import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { list } from "tar";
import { afterEach, describe, expect, it } from "vitest";
import { NOTHING_LEFT, ROOT, expectOneLineError, leftovers, reportOf, runCli, runningWithRole, startCli, testDirs, waitFor } from "./helpers.js";

const IMAGE = "byoc-check-fixture/reference:latest";
const TRAIN = ["-c", "training", "--channel", `train=${join(ROOT, "fixtures", "data", "train")}@text/csv`];

const report = (args: string[]) => reportOf(args, IMAGE);
const jobContainers = () => runningWithRole("job");

describe("the job sandbox", () => {
  const dirs = testDirs("jobs-test-");
  const tempDir = dirs.make;
  afterEach(dirs.clean);

  it("SIGINT while a job runs: exit 130 at once, the job's container and sandbox gone", async () => {
    const run = startCli([...TRAIN, "--hp", "sleep_seconds=120", IMAGE]);
    await waitFor(() => jobContainers().length > 0, 60_000, "the training job's container to run");
    const t0 = Date.now();
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("--keep keeps each sandbox and prints a docker run line that reproduces the run by hand", async () => {
    const keep = join(tempDir(), "kept");
    const r = await runCli([...TRAIN, "--hp", "l2=0.5", "--keep", keep, IMAGE]);
    expect(r.code).toBe(0);
    const line = r.stderr.split("\n").find((l) => l.includes("docker run") && l.includes("/training-success/"))!.trim();
    expect(line).toContain("--hostname algo-1");
    expect(line).toMatch(/-v \S+\/training-success\/config:\/opt\/ml\/input\/config:ro/);
    expect(line).toMatch(/\/opt\/ml\/input\/data\/train:ro/);
    expect(line).toContain(`${IMAGE} train`);
    expect(readdirSync(join(keep, "training-success", "model"))).toEqual(["model.json"]);

    rmSync(join(keep, "training-success", "model", "model.json"));
    const again = execFileSync("sh", ["-c", `${line} 2>&1`], { encoding: "utf8", timeout: 60_000 });
    expect(again).toContain("wrote /opt/ml/model/model.json");
    expect(readdirSync(join(keep, "training-success", "model"))).toEqual(["model.json"]);
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("--keep refuses a directory that is not empty", async () => {
    const r = await runCli([...TRAIN, "--keep", ROOT, IMAGE]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr)).toContain("is not empty");
  });

  it("--save-artifacts writes model.tar.gz as SageMaker packs it: the model's files at its root", async () => {
    const out = tempDir();
    const { code, results } = await report([...TRAIN, "--save-artifacts", out]);
    expect(code).toBe(0);
    expect(results.get("TRN-MODEL-WRITTEN")?.detail).toMatch(/^1 file \(.+\) in \/opt\/ml\/model; model\.tar\.gz \d+ B, saved to /);
    const entries: string[] = [];
    await list({ file: join(out, "model.tar.gz"), onReadEntry: (e) => entries.push(e.path) });
    expect(entries).toEqual(["model.json"]);
  });

  it("Pipe mode: the job reads its channel from the FIFO train_0", async () => {
    const { code, results } = await report([...TRAIN, "--input-mode", "Pipe"]);
    expect(code).toBe(0);
    expect(results.get("TRN-SUCCESS-EXIT")?.status).toBe("pass");
    expect(results.get("TRN-CHANNEL-READONLY")?.status).toBe("skip");
  });

  it("a job that overruns --train-timeout is killed and fails with its log and reproducer", async () => {
    const { code, results } = await report([...TRAIN, "--hp", "sleep_seconds=60", "--train-timeout", "3s", "--stop-after", "1s"]);
    expect(code).toBe(1);
    const success = results.get("TRN-SUCCESS-EXIT")!;
    expect(success.status).toBe("fail");
    expect(success.findings[0]!.message).toMatch(/was still running after 3\.\d s and was killed/);
    expect(success.findings[0]!.evidence.reproduce![0]).toMatch(/^docker run --rm --hostname algo-1 /);
    expect(success.findings[0]!.evidence.log).toContain("train:rows=");
    // The stop test runs alongside: the reference handles SIGTERM.
    expect(results.get("TRN-SIGTERM")?.status).toBe("pass");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("a job that ends before the stop signal is due: the stop check skips and says why", async () => {
    const { results } = await report([...TRAIN, "--stop-after", "30s"]);
    expect(results.get("TRN-SIGTERM")?.status).toBe("skip");
    expect(results.get("TRN-SIGTERM")?.reason).toMatch(/ended by itself after .* before the SIGTERM due at 30 s/);
  });

  it.each([
    [["--channel", "train=/nonexistent/dir"], "is not a directory"],
    [["--channel", "bad name=."], "not a valid channel name"],
    [["--hp", "epochs"], "is not KEY=VALUE"],
    [["--input-mode", "pipe"], "is not one of File, FastFile, Pipe"],
    [["--entrypoint", "[1, 2]"], "must be a non-empty array of strings"],
    [["--train-timeout", "soon"], "is not a duration"],
  ])("a bad job flag %j stops with exit 2 and one line", async (args, needle) => {
    const r = await runCli(["-c", "training", ...args, IMAGE]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr)).toContain(needle);
    expect(existsSync(join(ROOT, "nonexistent"))).toBe(false);
  });
});
