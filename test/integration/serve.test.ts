import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packModel } from "../../src/image/model-archive.js";
import { NOTHING_LEFT, ROOT, expectOneLineError, leftovers, reportOf, runCli, runningWithRole, startCli, testDirs, waitFor } from "./helpers.js";

const IMAGE = "byoc-check-fixture/reference:latest";
const MODEL = join(ROOT, "fixtures", "data", "model");
const CSV = `${join(ROOT, "fixtures", "data", "inference", "sample.csv")}@text/csv`;
// Fuzzing has its own tests (fuzz.test.ts); here it would only add seconds to each run.
const SERVE = ["-c", "inference", "--sample", CSV, "--stop-grace", "5s", "--fuzz-runs", "0"];

const report = (args: string[], image = IMAGE) => reportOf(args, image);
const serverContainers = () => runningWithRole("server");

describe("the endpoint sandbox", () => {
  const dirs = testDirs("serve-test-");
  const tempDir = dirs.make;
  afterEach(dirs.clean);

  it("serves a model.tar.gz unpacked as SageMaker unpacks it, and leaves nothing behind", async () => {
    const archive = await packModel(MODEL, join(tempDir(), "model.tar.gz"));
    const { code, results } = await report([...SERVE, "--model", archive]);
    expect(code).toBe(0);
    expect(results.get("INF-READY")!.status).toBe("pass");
    expect(results.get("INF-INVOKE")!.status).toBe("pass");
    expect(results.get("INF-MODEL-READONLY")!.status).toBe("pass");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("with -c training,inference and sample data, serves the model the training job just wrote", async () => {
    const keep = join(tempDir(), "kept");
    const r = await runCli(["-c", "training,inference", "--channel", `train=${join(ROOT, "fixtures", "data", "train")}@text/csv`, "--sample", CSV, "--stop-grace", "5s", "--keep", keep, IMAGE]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PASS\s+INF-INVOKE/);
    const line = r.stderr.split("\n").find((l) => l.includes("docker run") && l.includes(":/opt/ml/model:ro"))!;
    expect(line).toContain(`-v ${keep}/training-success/model:/opt/ml/model:ro`);
  });

  it("--keep keeps the endpoint's sandbox: its docker run line and a failing request's curl line reproduce the finding by hand", async () => {
    const keep = join(tempDir(), "kept");
    const { code, results, stderr } = await report([...SERVE, "--model", MODEL, "--keep", keep], "byoc-check-fixture/serve-invoke-500:latest");
    expect(code).toBe(1);
    const finding = results.get("INF-INVOKE")!.findings[0]!;
    const [run, curl] = finding.evidence.reproduce!;
    expect(run).toBe(`docker run --rm -p 127.0.0.1:8080:8080 -v ${MODEL}:/opt/ml/model:ro byoc-check-fixture/serve-invoke-500:latest serve`);
    expect(stderr).toContain(run);
    expect(existsSync(join(keep, "serve-default", "run.sh"))).toBe(true);
    const file = /--data-binary @(\S+)/.exec(curl!)![1]!;
    expect(readFileSync(file, "utf8")).toBe(readFileSync(CSV.replace(/@text\/csv$/, ""), "utf8"));
    // By hand: the printed line starts the same server on 127.0.0.1:8080; the curl line gets the same 500.
    const name = `byoc-check-replay-${process.pid}`;
    const started = spawnSync("sh", ["-c", run!.replace("docker run --rm", `docker run -d --name ${name} --rm`)], { encoding: "utf8" });
    expect(started.status, started.stderr).toBe(0);
    try {
      let answer = "";
      await waitFor(() => {
        answer = spawnSync("sh", ["-c", curl!], { encoding: "utf8" }).stdout;
        return answer.startsWith("HTTP/");
      }, 30_000, "the replayed server to answer");
      expect(answer).toMatch(/^HTTP\/1\.[01] 500/);
    } finally {
      spawnSync("docker", ["rm", "-f", name]);
    }
  });

  it("SIGINT while waiting for /ping: exit 130 at once, the server's container gone", async () => {
    // It loads for 5 s before it listens: the interrupt lands while byoc-check polls /ping.
    const run = startCli(["-c", "inference", "--model", MODEL, "byoc-check-fixture/serve-slow-start:latest"]);
    await waitFor(() => serverContainers().length > 0, 60_000, "the server's container to run");
    // On the session's own network, not Docker's default bridge: it cannot reach the machine's other containers.
    const [id] = serverContainers();
    const networks = execFileSync("docker", ["inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", id!], { encoding: "utf8" }).trim();
    expect(networks).toMatch(/^byoc-check-[0-9a-f-]{12}$/);
    const t0 = Date.now();
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("without a model, the runtime inference checks skip and say how to give one", async () => {
    const { code, results } = await report(["-c", "inference"]);
    expect(code).toBe(0);
    expect(results.get("INF-READY")!.status).toBe("skip");
    expect(results.get("INF-READY")!.reason).toContain("--model");
    expect(serverContainers()).toEqual([]);
  });

  it("a --model archive that is not a gzipped tar stops with exit 2 before any container starts", async () => {
    const bad = join(tempDir(), "model.tar.gz");
    writeFileSync(bad, "not an archive");
    const r = await runCli(["-c", "inference", "--model", bad, IMAGE]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr)).toContain("is not a gzipped tar archive");
  });

  it.each([
    [["-c", "inference", "--model", MODEL, "--startup-timeout", "30s"], "--startup-timeout 30s"],
    [["-c", "inference", "--model", join(ROOT, "no-such-model")], "--model"],
    [["-c", "inference", "--model", MODEL, "--sample", join(ROOT, "README.md")], "no content type"],
    [["-c", "training", "--sample", CSV], "inference is not among the contracts"],
    [["-c", "inference", "--model", MODEL, "--concurrency", "1"], "--concurrency 1"],
  ])("bad endpoint flags stop with exit 2 and a one-line hint: %j", async (args, text) => {
    const r = await runCli([...args, IMAGE]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr)).toContain(text);
  });
});
