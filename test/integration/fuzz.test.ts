import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readFixtures } from "../support/fixtures.js";
import { ROOT, reportOf, runFixture, testDirs, waitFor } from "./helpers.js";

// serve-fuzz-planted's expected.json names this file: its runs are asserted here, with the replays, not twice.
const PLANTED = readFixtures().find((f) => f.name === "serve-fuzz-planted")!.data;
const MODEL = join(ROOT, "fixtures", "data", "model");
const CSV = `${join(ROOT, "fixtures", "data", "inference", "sample.csv")}@text/csv`;
const JSON_SAMPLE = `${join(ROOT, "fixtures", "data", "inference", "sample.json")}@application/json`;

/** The saved request file a curl line sends. */
const bodyFile = (curl: string) => /--data-binary @(\S+)/.exec(curl)![1]!;

describe("fuzzing /invocations on a real server", () => {
  const dirs = testDirs("fuzz-test-");
  afterEach(dirs.clean);

  it("finds each planted bug with the default budget, shrinks it to a few bytes, saves it, and both replays reproduce it", async () => {
    expect(PLANTED.test).toBe("test/integration/fuzz.test.ts");
    const [run] = PLANTED.runs;
    const keep = join(dirs.make(), "kept");
    const { results } = await runFixture("serve-fuzz-planted", run!, ["--keep", keep]);

    const crash = results.get("INF-FUZZ-CRASH")!.findings[0]!;
    const [dockerRun, curl, replay] = crash.evidence.reproduce!;
    const crashBody = readFileSync(bodyFile(curl!));
    expect(bodyFile(curl!).startsWith(keep)).toBe(true);
    expect(crashBody.length).toBeLessThanOrEqual(16);
    expect(crashBody.toString()).toMatch(/"[^"\n]*\n[^"]*"/);
    expect(crash.evidence.log).toContain("fatal: record split across lines");
    expect(readFileSync(bodyFile(results.get("INF-FUZZ-HANG")!.findings[0]!.evidence.reproduce![1]!)).length).toBe(0);
    const serverError = results.get("INF-FUZZ-SERVER-ERROR")!;
    expect(serverError.severity).toBe("warning");
    expect(readFileSync(bodyFile(serverError.findings[0]!.evidence.reproduce![1]!), "utf8")).toBe("[[[[]]]]");

    // By hand: the docker run line starts the server on 127.0.0.1:8080; the curl line kills it.
    const name = `byoc-check-fuzz-replay-${process.pid}`;
    const started = spawnSync("sh", ["-c", dockerRun!.replace("docker run --rm", `docker run -d --name ${name}`)], { encoding: "utf8" });
    expect(started.status, started.stderr).toBe(0);
    try {
      await waitFor(() => spawnSync("curl", ["-sf", "http://127.0.0.1:8080/ping"]).status === 0, 30_000, "the replayed server to answer /ping");
      const sent = spawnSync("sh", ["-c", curl!], { encoding: "utf8" });
      expect(sent.stdout).not.toMatch(/^HTTP\//); // no answer: the process died on it
      await waitFor(() => spawnSync("docker", ["inspect", "--format", "{{.State.Running}}", name], { encoding: "utf8" }).stdout.trim() === "false", 10_000, "the replayed server to exit");
      expect(spawnSync("docker", ["logs", name], { encoding: "utf8" }).stderr).toContain("fatal: record split across lines");
    } finally {
      spawnSync("docker", ["rm", "-f", name]);
    }

    // By byoc-check: the printed seed and path regenerate exactly that case, and only it is sent.
    const [, seed, path] = /--seed (\d+) --replay (\S+)$/.exec(replay!)!;
    const args = run!.args.filter((a, i, all) => a !== "--seed" && all[i - 1] !== "--seed");
    const again = await reportOf([...args, "--seed", seed!, "--replay", path!], "byoc-check-fixture/serve-fuzz-planted:latest");
    expect(again.code).toBe(1);
    const replayed = again.results.get("INF-FUZZ-CRASH")!;
    expect(replayed.status).toBe("fail");
    expect(replayed.findings).toHaveLength(1);
    expect(replayed.findings[0]!.evidence.actual).toBe(crash.evidence.actual);
    expect(replayed.findings[0]!.evidence.notes).toContain("failure: crash");
    expect(again.results.get("INF-FUZZ-SERVER-ERROR")!.detail).toBe(`the replayed case (--seed ${seed} --replay ${path}) did not fail this way`);
  }, 420_000);

  it("--strict makes a 5xx on a malformed request an error", async () => {
    const { code, results } = await reportOf(
      ["-c", "inference", "--model", MODEL, "--sample", JSON_SAMPLE, "--seed", "42", "--fuzz-runs", "50", "--strict", "--stop-grace", "3s"],
      "byoc-check-fixture/serve-bad-type-500:latest",
    );
    expect(code).toBe(1);
    expect(results.get("INF-FUZZ-SERVER-ERROR")).toMatchObject({ status: "fail", severity: "error" });
  }, 180_000);

  it("finds nothing on the robust reference server over ten times the default budget", async () => {
    const { code, results } = await reportOf(
      ["-c", "inference", "--model", MODEL, "--sample", CSV, "--sample", JSON_SAMPLE, "--accept", "application/json", "--fuzz-runs", "2000", "--seed", "7", "--stop-grace", "5s"],
      "byoc-check-fixture/reference:latest",
    );
    expect(code).toBe(0);
    for (const id of ["INF-FUZZ-CRASH", "INF-FUZZ-HANG", "INF-FUZZ-PING", "INF-FUZZ-OVERSIZE", "INF-FUZZ-SERVER-ERROR", "INF-FUZZ-CONTENT-TYPE"]) {
      const r = results.get(id)!;
      expect(r.status, JSON.stringify(r.findings)).toBe("pass");
      expect(r.detail).toMatch(/: 2000 cases and \d+ requests/);
    }
  }, 300_000);
});
