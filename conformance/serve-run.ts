// Shared wording, evidence and measurements for the checks that host the image as an endpoint: every finding shows
// the docker run line that starts the server, the curl lines that replay the requests, and the server's log tail.
import { skip, type FindingInput, type Outcome } from "../src/engine/check.js";
import { lastLines } from "../src/engine/jobs/log-tail.js";
import type { Endpoint, Endpoints, Exchange, HttpOutcome, ServeScenario } from "../src/engine/serve/endpoints.js";

import { seconds } from "./job-run.js";

/** The check whose finding a server that never became ready is. */
export const READY_OWNER = "INF-READY";

export function ms(n: number): string {
  return n < 1000 ? `${Math.round(n)} ms` : seconds(n);
}

/** What came back, in a few words: "HTTP 500 after 12 ms", "the connection was reset after 3.0 s". */
export function answered(o: HttpOutcome): string {
  if (o.ok) return `HTTP ${o.status}${o.bodyOver ? " with a body over the limit" : ""} after ${ms(o.totalMs)}`;
  return `${o.message}${o.kind === "timeout" ? "" : ` after ${ms(o.afterMs)}`}`;
}

export function isSuccess(o: HttpOutcome): boolean {
  return o.ok && o.status >= 200 && o.status < 300;
}

/** What every finding about an endpoint carries. */
export function serveEvidence(
  endpoint: Endpoint,
  more: { exchanges?: Exchange[]; actual?: unknown; expected?: unknown; notes?: string[] } = {},
): FindingInput["evidence"] {
  const notes = [`endpoint: ${endpoint.what}`, ...(more.notes ?? [])];
  if ((more.exchanges ?? []).length > 0) notes.push("replay: start the server with the docker run line, then run the curl line(s)");
  if (!endpoint.kept) notes.push("the model and request files in these lines go when byoc-check ends: add --keep DIR to keep them");
  const log = endpoint.log();
  return {
    ...(more.actual !== undefined ? { actual: more.actual } : {}),
    ...(more.expected !== undefined ? { expected: more.expected } : {}),
    reproduce: [endpoint.reproduce, ...(more.exchanges ?? []).map((x) => x.curl)],
    ...(log.bytes > 0 ? { log: lastLines(log) } : {}),
    notes,
  };
}

/** The scenario's endpoint, started (ready or not), or the skip that stands in for it when there is no model. */
export async function startedEndpoint(endpoints: Endpoints, scenario: ServeScenario = "default"): Promise<{ endpoint: Endpoint } | { outcome: Outcome }> {
  const unavailable = await endpoints.unavailable();
  if (unavailable) return { outcome: skip(unavailable) };
  return { endpoint: await endpoints.endpoint(scenario) };
}

/**
 * The scenario's endpoint for a check that needs a server answering /ping, or the skip that stands in for it: no
 * model was given, the server never became ready (INF-READY's finding), or it has exited since. `judgedAfterExit`
 * names what an earlier check already sent, whose answers this check judges even when they killed the server.
 */
export async function readyEndpoint(
  endpoints: Endpoints,
  scenario: ServeScenario = "default",
  judgedAfterExit?: (endpoint: Endpoint) => boolean,
): Promise<{ endpoint: Endpoint } | { outcome: Outcome }> {
  const got = await startedEndpoint(endpoints, scenario);
  if ("outcome" in got) return got;
  const { endpoint } = got;
  if (endpoint.readiness.kind !== "ready") return { outcome: skip(`the server never answered /ping with 200; see ${READY_OWNER}`) };
  if (!endpoint.running() && !judgedAfterExit?.(endpoint)) return { outcome: skip(`the server has exited (${endpoint.exit()?.exitCode ?? "?"}); see the check that ended it`) };
  return { endpoint };
}

export function noSamples(endpoints: Endpoints): Outcome | undefined {
  return endpoints.options.samples.length === 0 ? skip("no sample request: give --sample FILE[@type] (repeatable) with a body your model accepts") : undefined;
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function percentiles(values: number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { n: sorted.length, p50: at(50), p95: at(95), max: sorted[sorted.length - 1]! };
}

export function formatPercentiles(p: Percentiles): string {
  return `p50 ${ms(p.p50)}, p95 ${ms(p.p95)}, max ${ms(p.max)} over ${p.n}`;
}

/** Several clients invoking at once for a while, with /ping sent every 100 ms while they do. */
export interface LoadRun {
  invocations: Exchange[];
  pings: HttpOutcome[];
}

const loads = new WeakMap<Endpoint, Promise<LoadRun>>();
const PING_UNDER_LOAD_EVERY_MS = 100;
/** The load lasts at least this long (20 pings), unless each client has sent LOAD_MAX_PER_CLIENT requests. */
const LOAD_MIN_MS = 2_000;
const LOAD_MAX_PER_CLIENT = 200;

/** Bodies read under load: enough to see an answer, never 6 MiB times hundreds of requests. */
const LOAD_BODY_BYTES = 64 * 1024;

/** Whether the concurrency run already happened on this endpoint (its results stay readable after a crash). */
export function loadSent(endpoint: Endpoint): boolean {
  return loads.has(endpoint);
}

/** The concurrency run of an endpoint, once: INF-CONCURRENCY judges its invocations, INF-PING-LATENCY its pings. */
export function loadRun(endpoints: Endpoints, endpoint: Endpoint): Promise<LoadRun> {
  let p = loads.get(endpoint);
  if (!p) {
    p = (async () => {
      // Each sample alone first: what fails alone is INF-INVOKE's finding, not the load's.
      await endpoint.invokeSamples();
      const sample = endpoints.options.samples[0]!;
      const n = endpoints.options.concurrency;
      const headers: Record<string, string> = { "Content-Type": sample.contentType, ...(endpoints.options.accept ? { Accept: endpoints.options.accept } : {}) };
      const pings: Promise<HttpOutcome | undefined>[] = [];
      let running = true;
      const pinger = (async () => {
        while (running && endpoint.running()) {
          // A ping that throws (the run interrupted) must not go unobserved: the load's own error says why.
          pings.push(endpoint.ping().catch(() => undefined));
          await new Promise((r) => setTimeout(r, PING_UNDER_LOAD_EVERY_MS));
        }
      })();
      try {
        // N clients, each sending back to back until the load has lasted long enough to ping under it.
        const t0 = performance.now();
        const perClient = await Promise.all(
          Array.from({ length: n }, async (_, i) => {
            const mine: Exchange[] = [];
            do {
              const x = await endpoint.send(`${sample.name} (${sample.contentType}), client ${i + 1} of ${n} at once`, { method: "POST", path: "/invocations", headers, body: sample.body, saveAs: sample.name, maxBodyBytes: LOAD_BODY_BYTES });
              mine.push(x);
              if (!endpoint.running()) break;
            } while (performance.now() - t0 < LOAD_MIN_MS && mine.length < LOAD_MAX_PER_CLIENT);
            return mine;
          }),
        );
        running = false;
        await pinger;
        return { invocations: perClient.flat(), pings: (await Promise.all(pings)).filter((x): x is HttpOutcome => x !== undefined) };
      } finally {
        running = false;
        await pinger;
      }
    })();
    loads.set(endpoint, p);
  }
  return p;
}

/** A Content-Type no model accepts, and a body to go with it. */
export const UNSUPPORTED_TYPE = "application/x-byoc-check-unsupported";
const badTypes = new WeakMap<Endpoint, Promise<{ exchange: Exchange; alive: boolean; ping?: HttpOutcome }>>();

/** Whether the unsupported-type request was already sent to this endpoint (its answer stays readable after a crash). */
export function badTypeSent(endpoint: Endpoint): boolean {
  return badTypes.has(endpoint);
}

/** POST /invocations with an unsupported Content-Type, then whether the server still answers /ping; once. */
export function badTypeRun(endpoint: Endpoint): Promise<{ exchange: Exchange; alive: boolean; ping?: HttpOutcome }> {
  let p = badTypes.get(endpoint);
  if (!p) {
    p = (async () => {
      const exchange = await endpoint.send(`a body of Content-Type ${UNSUPPORTED_TYPE}`, {
        method: "POST",
        path: "/invocations",
        headers: { "Content-Type": UNSUPPORTED_TYPE },
        body: Buffer.from("byoc-check: a content type no model accepts\n"),
        saveAs: "unsupported-type.bin",
      });
      // A crash takes a moment to show: give the process time to die before asking.
      await new Promise((r) => setTimeout(r, 500));
      let ping: HttpOutcome | undefined;
      for (let i = 0; i < 3 && endpoint.running(); i++) {
        ping = await endpoint.ping();
        if (ping.ok && ping.status === 200) break;
      }
      const alive = endpoint.running() && ping !== undefined && ping.ok && ping.status === 200;
      return { exchange, alive, ...(ping ? { ping } : {}) };
    })();
    badTypes.set(endpoint, p);
  }
  return p;
}

/** Whether a response media type satisfies an Accept header (shared with the fuzzer's oracle). */
export { satisfiesAccept } from "../src/engine/serve/media.js";
