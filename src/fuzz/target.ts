// The fuzzer's view of a hosted endpoint: each case POSTed to /invocations, then /ping, with the log lines the server
// wrote meanwhile; a server that died is started again before the next case, so a crash does not end the search.
import type { Endpoint, Endpoints } from "../engine/serve/endpoints.js";
import type { FuzzCase } from "./cases.js";
import type { CaseResult } from "./oracle.js";
import { type FuzzTarget, StopSearch } from "./run.js";

/** After a failed /ping, how long a dying process gets to be seen dead: a crash, not a slow health check. */
const DEATH_SETTLE_MS = 300;
/**
 * When /ping found nothing to talk to (refused, closed, reset), the process is most likely gone: the Engine reports
 * its exit, and with it the end of its log, only after that, which on a loaded machine takes longer than a ping. A
 * crash reported without the log line that says why is half a finding.
 */
const DEAD_SETTLE_MS = 3_000;
const SETTLE_POLL_MS = 25;
/**
 * After a case that left /ping unhealthy, how long to wait for it to recover before the next case, so that one
 * case's lingering effect is not blamed on the next (which would make shrinking keep cases that do nothing).
 */
const RECOVER_MAX_MS = 10_000;

export interface EndpointTarget extends FuzzTarget {
  execute(c: FuzzCase, options: { timeoutMs: number }): Promise<CaseEvidence>;
  /** Times the server was started again after it died. */
  restarts(): number;
  /** The endpoint the last case went to (for its docker run line and log). */
  current(): Endpoint | undefined;
}

/** The fuzzing server never became ready at its first start (the default server did: a flaky start). */
export class NotReady extends Error {}

export interface CaseEvidence extends CaseResult {
  /** What the server logged while it handled the case. */
  log: string;
}

export interface TargetOptions {
  responseMaxBytes: number;
  /** Starts after a crash before the search gives up: each costs a container start, and one crash is enough to report. */
  maxRestarts: number;
}

export function endpointTarget(endpoints: Endpoints, options: TargetOptions): EndpointTarget {
  let endpoint: Endpoint | undefined;
  let restarts = 0;
  let unhealthy = false;
  const healthy = (p: Awaited<ReturnType<Endpoint["ping"]>>) => p.ok && p.status === 200 && p.totalMs < endpoints.limits.pingTimeoutMs;
  const recover = async (e: Endpoint) => {
    const t0 = performance.now();
    while (e.running() && performance.now() - t0 < RECOVER_MAX_MS) {
      if (healthy(await e.ping())) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const ready = async (): Promise<Endpoint> => {
    if (endpoint?.running()) return endpoint;
    if (endpoint) {
      if (restarts >= options.maxRestarts) throw new StopSearch(`the server died ${restarts + 1} times; the search stopped rather than start it again`);
      restarts++;
    }
    endpoint = endpoint ? await endpoints.restart("fuzz") : await endpoints.endpoint("fuzz");
    if (endpoint.readiness.kind !== "ready") {
      const why = `the server did not ${restarts > 0 ? "come back up after a crash" : "become ready"} for fuzzing (${endpoint.readiness.kind})`;
      if (restarts > 0) throw new StopSearch(why);
      throw new NotReady(why);
    }
    return endpoint;
  };
  return {
    restarts: () => restarts,
    current: () => endpoint,
    async execute(c, { timeoutMs }) {
      const e = await ready();
      if (unhealthy) await recover(e);
      const mark = e.logMark();
      const x = await e.send(c.what, {
        method: "POST",
        path: "/invocations",
        headers: c.headers,
        body: c.body,
        save: false,
        maxBodyBytes: options.responseMaxBytes,
        timeoutMs,
        ...(c.chunked ? { chunked: true } : {}),
      });
      let ping = e.running() ? await e.ping() : undefined;
      if (ping && !ping.ok) {
        const until = performance.now() + (ping.kind === "timeout" ? DEATH_SETTLE_MS : DEAD_SETTLE_MS);
        do await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
        while (e.running() && performance.now() < until);
        if (!e.running()) ping = undefined;
      }
      unhealthy = ping !== undefined && !healthy(ping);
      return { outcome: x.outcome, alive: e.running(), ...(ping ? { ping } : {}), log: e.logSince(mark) };
    },
  };
}
