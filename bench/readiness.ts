// How far byoc-check's reported time to ready lies from the moment the server itself says it listens.
//
// The fixture prints "listening on ..." once its socket accepts connections; the Engine stamps each log line as it
// arrives (docker logs --timestamps). byoc-check reports the first 200 from /ping relative to the container's start.
// Both are put on this machine's wall clock and subtracted, over several starts of the same image.
import { execFileSync, spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { DockerSession } from "../src/docker/session.js";
import { serverRunner } from "../src/docker/run-server.js";
import { createEndpoints } from "../src/engine/serve/endpoints.js";
import { serveLimits } from "../src/cli/serve-options.js";
import { loadSpec } from "../src/spec/load.js";

const LISTENING = /listening on \S+:8080/i;

export interface ReadinessSample {
  loggedMs: number;
  reportedMs: number;
  errorMs: number;
}

export async function measureReadiness(image: string, starts: number, modelDir: string): Promise<ReadinessSample[]> {
  const spec = loadSpec();
  const session = await DockerSession.open();
  const samples: ReadinessSample[] = [];
  try {
    for (let i = 0; i < starts; i++) {
      const endpoints = createEndpoints({
        image,
        imageId: image,
        options: { model: { kind: "dir", path: modelDir }, samples: [], startupWindowMs: 120_000, startupWindowSet: true, readyGateMs: 60_000, concurrency: 4, env: [], fuzz: { runs: 0, timeMs: 60_000, seed: 1, strict: false } },
        limits: serveLimits(spec),
        runner: serverRunner(session),
        root: session.tempDir("bench"),
        signal: new AbortController().signal,
      });
      try {
        const e = await endpoints.endpoint("default");
        if (e.readiness.kind !== "ready") throw new Error(`${image} did not become ready: ${JSON.stringify(e.readiness)}`);
        const [id] = execFileSync("docker", ["ps", "-q", "--no-trunc", "--filter", `label=dev.byoc-check.session=${session.id}`], { encoding: "utf8" }).split("\n");
        const state = JSON.parse(execFileSync("docker", ["inspect", "--format", "{{json .State.StartedAt}}", id!], { encoding: "utf8" })) as string;
        const got = spawnSync("docker", ["logs", "--timestamps", id!], { encoding: "utf8" });
        const logs = `${got.stdout}\n${got.stderr}`;
        const line = logs.split("\n").find((l) => LISTENING.test(l));
        if (!line) throw new Error(`${image} never logged that it listens on 8080`);
        const logged = Date.parse(line.slice(0, line.indexOf(" ")));
        const started = Date.parse(state);
        // byoc-check's zero is when the Engine's start call returned: put its report on the wall clock.
        const reportedWall = performance.timeOrigin + (e.readiness.afterMs + startedAtOf(e));
        samples.push({ loggedMs: logged - started, reportedMs: reportedWall - started, errorMs: reportedWall - logged });
      } finally {
        await endpoints.close();
      }
    }
  } finally {
    await session.close();
  }
  return samples;
}

/** The performance.now() of the container's start, as the sandbox measured it (the poll loop's zero). */
function startedAtOf(e: { startedAt?: number }): number {
  if (e.startedAt === undefined) throw new Error("the endpoint does not expose its start time");
  return e.startedAt;
}

export function machine(): string {
  return `${cpus().length} CPU (${cpus()[0]?.model.trim() ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}
