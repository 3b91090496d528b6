import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DockerSession } from "../../src/docker/session.js";
import { type EngineProxy, startEngineProxy } from "./engine-proxy.js";
import { NOTHING_LEFT, leftovers, runCli, startCli, waitFor } from "./helpers.js";

const IMAGE = "byoc-check-fixture/reference:latest";
// Reading the image's files goes through the archive endpoint, after the inspection container exists.
const holdArchive = (_method: string, url: string) => url.includes("/archive");

describe("nothing is left behind, however a run ends", () => {
  let proxy: EngineProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await runCli(["cleanup", "--all"]);
  });

  async function frozenRun(extraArgs: string[] = [], hold = holdArchive) {
    proxy = await startEngineProxy(hold);
    const run = startCli([...extraArgs, IMAGE], { DOCKER_HOST: proxy.dockerHost });
    await waitFor(() => proxy!.held.length > 0, 30_000, "byoc-check to read the image's files");
    expect(leftovers().containers).toHaveLength(1); // the inspection container, mid-run
    return run;
  }

  it.each(["SIGINT", "SIGTERM"] as const)("%s mid-run: exit 130, containers removed", async (signal) => {
    const run = await frozenRun();
    run.child.kill(signal);
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`byoc-check: ${signal}: stopping and cleaning up`);
    expect(r.stdout).toBe("");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("a second SIGINT exits at once; the next run sweeps what it left", async () => {
    // Container removal is held too, so the cleanup the first SIGINT starts cannot finish.
    const run = await frozenRun([], (method, url) => holdArchive(method, url) || method === "DELETE");
    run.child.kill("SIGINT");
    await waitFor(() => proxy!.held.some((h) => h.startsWith("DELETE")), 30_000, "cleanup to start");
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("again: exiting without cleaning up");
    // A fresh run, straight to the engine, removes the dead run's container before doing its own work.
    const next = await runCli([IMAGE]);
    expect(next.code).toBe(0);
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("SIGKILL mid-run leaves the container; `byoc-check cleanup` removes it", async () => {
    const run = await frozenRun();
    run.child.kill("SIGKILL");
    await run.done;
    expect(leftovers().containers).toHaveLength(1);
    const c = await runCli(["cleanup"]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain("removed 1 container(s)");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("the --timeout deadline: exit 3, one line, cleaned up", async () => {
    const run = await frozenRun(["--timeout", "1s"]);
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("the --timeout of 1s passed");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("a run in progress is not swept by another one", async () => {
    const held = await frozenRun();
    const other = await runCli([IMAGE]);
    expect(other.code).toBe(0);
    expect(leftovers().containers).toHaveLength(1); // still the held run's
    proxy!.release();
    const r = await held.done;
    expect(r.code).toBe(0);
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });
});

describe("temp dirs", () => {
  it("a session's temp dir goes with close(); cleanup sweeps those of dead runs and keeps live ones", async () => {
    const session = await DockerSession.open();
    const live = session.tempDir("probe");
    const deadPid = spawnSync("true").pid!; // a process that has exited
    const dead = mkdtempSync(join(tmpdir(), "byoc-check-dead-"));
    writeFileSync(join(dead, ".owner"), JSON.stringify({ host: hostname(), pid: deadPid }));

    const r = await runCli(["cleanup"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 temp dir(s)");
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);

    expect(await session.close()).toEqual([]);
    expect(existsSync(live)).toBe(false);
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });
});
