import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTHING_LEFT, expectOneLineError, leftovers, reportOf, runCli } from "./helpers.js";

// Images read from files, with no engine involved in the reading: a `docker save` of fixtures, checked as
// docker-archive:FILE, must give what the same image in the engine gives for every check that reads the image.
const FLAWED = "byoc-check-fixture/layers-flawed:latest";
const GPU = "byoc-check-fixture/gpu-cuda12-sm80:latest";
const STATIC = ["--only", "IMG-*,GPU-*", "-i", "ml.p5.48xlarge", "--inference-ami", "al2-ami-sagemaker-inference-gpu-3-1"];

describe("docker-archive: sources", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "byoc-archive-"));
    for (const [image, file] of [[FLAWED, "flawed.tar"], [GPU, "gpu.tar"]] as const) execFileSync("docker", ["save", "-o", join(dir, file), image]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [FLAWED, "flawed.tar", "IMG-SECRETS-LAYERS"],
    [GPU, "gpu.tar", "GPU-KERNEL-IMAGE"],
  ])("%s: the archive gives the engine's verdicts, check by check", async (image, file, failing) => {
    const engine = await reportOf(STATIC, image);
    const archive = await reportOf(STATIC, `docker-archive:${join(dir, file)}`);
    expect(archive.code).toBe(engine.code);
    const verdicts = (r: typeof engine) => Object.fromEntries([...r.results].map(([id, x]) => [id, { status: x.status, findings: x.findings.map((f) => f.message) }]));
    expect(verdicts(archive)).toEqual(verdicts(engine));
    // Not two empty reports agreeing: the fixture's flaw is found both ways.
    expect(archive.results.get(failing)?.status).toBe("fail");
  });

  it("skips the checks that run the image, saying why, and starts nothing", async () => {
    const r = await reportOf(["-c", "training"], `docker-archive:${join(dir, "flawed.tar")}`);
    const success = r.results.get("TRN-SUCCESS-EXIT")!;
    expect(success.status).toBe("skip");
    expect(success.reason).toContain("read from docker-archive:, it is not run");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("a missing file and a file that is no image: one line, exit 2", async () => {
    const missing = await runCli([`docker-archive:${join(dir, "nope.tar")}`]);
    expect(missing.code).toBe(2);
    expect(expectOneLineError(missing.stderr)).toContain("does not exist");
    const notImage = await runCli([`oci-archive:${join(dir, "..")}`]);
    expect(notImage.code).toBe(2);
    expectOneLineError(notImage.stderr);
  });
});
