// Fuzz cases per second against an echo container, beside wrk's requests per second on the same container at the
// same concurrency (1: the fuzzer sends one case, then /ping, then the next).
//
// The fuzzer's figure is the real search (fast-check generation, the full case mix with its 6 MiB bodies, the /ping
// after every case on a new connection, as SageMaker's health checker makes); wrk POSTs the sample again and again on
// one kept-alive connection. Both reach the container through the port the Engine publishes on 127.0.0.1.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerSession } from "../src/docker/session.js";
import { serverRunner } from "../src/docker/run-server.js";
import { createEndpoints } from "../src/engine/serve/endpoints.js";
import { serveLimits } from "../src/cli/serve-options.js";
import { caseArbitrary } from "../src/fuzz/cases.js";
import { fuzz } from "../src/fuzz/run.js";
import { endpointTarget } from "../src/fuzz/target.js";
import { loadSpec } from "../src/spec/load.js";

export const ECHO_IMAGE = "byoc-check-bench/echo:latest";

export interface FuzzSample {
  /** Time inside the target (request, /ping, bookkeeping) per case family: where the seconds go. */
  byFamily: Array<{ family: string; cases: number; meanMs: number }>;
  cases: number;
  requests: number;
  seconds: number;
  casesPerSecond: number;
  wrkRequestsPerSecond: number;
  wrkSeconds: number;
}

/** Builds the echo image from bench/echo (FROM the python base that scripts/build-images.sh makes). */
export function buildEcho(root: string): void {
  const got = spawnSync("docker", ["build", "-q", "-t", ECHO_IMAGE, join(root, "bench", "echo")], { encoding: "utf8" });
  if (got.status !== 0) throw new Error(`docker build of ${ECHO_IMAGE} failed (run scripts/build-images.sh --bases first): ${got.stderr.trim().split("\n").pop()}`);
}

export async function measureFuzz(runs: number, wrkSeconds: number, sampleBody: Buffer): Promise<FuzzSample> {
  if (spawnSync("wrk", ["--version"]).error) throw new Error("wrk is not installed: apt-get install wrk (Debian's package)");
  const spec = loadSpec();
  const limits = serveLimits(spec);
  const session = await DockerSession.open();
  const scratch = mkdtempSync(join(tmpdir(), "bench-fuzz-"));
  try {
    const sample = { file: "sample.json", name: "sample.json", contentType: "application/json", body: sampleBody };
    const endpoints = createEndpoints({
      image: ECHO_IMAGE,
      imageId: ECHO_IMAGE,
      options: { model: { kind: "none" }, samples: [sample], startupWindowMs: 120_000, startupWindowSet: true, readyGateMs: 60_000, concurrency: 1, env: [], fuzz: { runs, timeMs: 600_000, seed: 1, strict: false } },
      limits,
      runner: serverRunner(session),
      root: session.tempDir("bench"),
      signal: new AbortController().signal,
    });
    try {
      const inner = endpointTarget(endpoints, { responseMaxBytes: limits.responseMaxBytes, maxRestarts: 0 });
      const spent = new Map<string, { cases: number; ms: number }>();
      const target: typeof inner = {
        ...inner,
        async execute(c, o) {
          const t0 = performance.now();
          try {
            return await inner.execute(c, o);
          } finally {
            const f = spent.get(c.family) ?? { cases: 0, ms: 0 };
            f.cases++;
            f.ms += performance.now() - t0;
            spent.set(c.family, f);
          }
        },
      };
      const arb = caseArbitrary([sample], { requestMaxBytes: limits.requestMaxBytes });
      // Start the server first: its start-up is not the fuzzer's speed.
      await target.execute({ what: "warm-up", family: "json", headers: { "Content-Type": "application/json" }, body: sampleBody, malformed: false }, { timeoutMs: 10_000 });
      spent.clear();
      const report = await fuzz(arb, target, { seed: 1, runs }, { pingTimeoutMs: limits.pingTimeoutMs, invocationTimeoutMs: limits.invocationTimeoutMs, knownHangTimeoutMs: 5_000, shrinkMaxMs: 30_000 });
      if (report.found.length > 0) throw new Error(`the echo server failed a case: ${report.found.map((f) => f.failure.detail).join("; ")}`);

      const [id] = execFileSync("docker", ["ps", "-q", "--no-trunc", "--filter", `label=dev.byoc-check.session=${session.id}`], { encoding: "utf8" }).split("\n");
      const port = execFileSync("docker", ["port", id!, "8080/tcp"], { encoding: "utf8" }).split("\n")[0]!.trim();
      const script = join(scratch, "post.lua");
      writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(sampleBody.toString("utf8"))}\nwrk.headers["Content-Type"] = "application/json"\n`);
      const wrk = spawnSync("wrk", ["-t1", "-c1", `-d${wrkSeconds}s`, "-s", script, `http://${port}/invocations`], { encoding: "utf8" });
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)?.[1];
      if (wrk.status !== 0 || !rps) throw new Error(`wrk failed: ${wrk.stderr || wrk.stdout}`);
      const seconds = report.elapsedMs / 1000;
      return {
        byFamily: [...spent].map(([family, f]) => ({ family, cases: f.cases, meanMs: f.ms / f.cases })),
        cases: report.casesSent,
        requests: report.casesSent * 2,
        seconds,
        casesPerSecond: report.casesSent / seconds,
        wrkRequestsPerSecond: Number(rps),
        wrkSeconds,
      };
    } finally {
      await endpoints.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await session.close();
  }
}
