import { defineServeCheck, fail, pass } from "../../src/engine/check.js";
import type { HttpOutcome } from "../../src/engine/serve/endpoints.js";
import { type Percentiles, formatPercentiles, loadRun, ms, percentiles, readyEndpoint, serveEvidence } from "../serve-run.js";

const IDLE_PINGS = 20;
const ACCEPTS = 10;

function latencies(pings: HttpOutcome[]): { times: number[]; failed: HttpOutcome[] } {
  const times: number[] = [];
  const failed: HttpOutcome[] = [];
  for (const p of pings) {
    if (p.ok && p.status === 200) times.push(p.totalMs);
    else failed.push(p);
  }
  return { times, failed };
}

export default defineServeCheck({
  id: "INF-PING-LATENCY",
  clauses: ["inference#ping.timeout", "inference#http.accept"],
  severity: "error",
  title: "/ping answers within 2 s, idle and while invocations run, and connections are accepted within 250 ms",
  rationale:
    "SageMaker's health checks time out after 2 s and keep coming while the endpoint serves traffic. A server that answers /ping from the same single worker that runs the model stops answering while it predicts, and the platform takes the instance for unhealthy and replaces it under load. Connections must be accepted within 250 ms.",
  fix: "Answer /ping from a thread or worker that inference cannot block (more workers, a threaded server, or a front proxy), and keep it cheap.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const got = await readyEndpoint(endpoints);
    if ("outcome" in got) return got.outcome;
    const { endpoint } = got;
    const { pingTimeoutMs, acceptMs } = endpoints.limits;
    const accepts = [];
    for (let i = 0; i < ACCEPTS; i++) accepts.push(await endpoint.accept());
    const idle: HttpOutcome[] = [];
    for (let i = 0; i < IDLE_PINGS; i++) idle.push(await endpoint.ping());
    const load = endpoints.options.samples.length > 0 ? await loadRun(endpoints, endpoint) : undefined;

    const acceptTimes = accepts.filter((a) => a.ok).map((a) => a.ms);
    const idleL = latencies(idle);
    const loadL = load ? latencies(load.pings) : undefined;
    const stats: string[] = [];
    const pa = percentiles(acceptTimes);
    const pi = percentiles(idleL.times);
    const pl = loadL ? percentiles(loadL.times) : undefined;
    if (pa) stats.push(`accept (${accepts[0]!.via === "container" ? "at the container's address" : "at the published port, through the Engine's proxy"}) ${formatPercentiles(pa)}`);
    if (pi) stats.push(`idle /ping ${formatPercentiles(pi)}`);
    if (pl) stats.push(`/ping under ${endpoints.options.concurrency} concurrent invocations ${formatPercentiles(pl)}`);

    const findings = [];
    const slowAccept = accepts.filter((a) => !a.ok || a.ms > acceptMs);
    if (slowAccept.length > 0) {
      findings.push({
        message: `${slowAccept.length} of ${ACCEPTS} TCP connections were not accepted within ${acceptMs} ms (${slowAccept.map((a) => (a.ok ? ms(a.ms) : a.message)).slice(0, 3).join(", ")})`,
        fix: "Accept connections promptly: a larger listen backlog, and an accept loop that inference cannot block.",
        evidence: serveEvidence(endpoint, { actual: pa ? formatPercentiles(pa) : "none accepted", expected: `under ${acceptMs} ms` }),
      });
    }
    const judge = (what: string, l: { times: number[]; failed: HttpOutcome[] }, p: Percentiles | undefined, total: number) => {
      const slow = l.times.filter((t) => t >= pingTimeoutMs);
      const bad = [...l.failed.map((f) => (f.ok ? `HTTP ${f.status}` : f.message)), ...slow.map((t) => ms(t))];
      if (bad.length === 0) return;
      findings.push({
        message: `${bad.length} of ${total} /ping requests ${what} failed or took ${pingTimeoutMs / 1000} s or more (${[...new Set(bad)].slice(0, 3).join("; ")})`,
        fix: "Answer /ping from a thread or worker that inference cannot block, and answer 200 whenever the server can take requests.",
        evidence: serveEvidence(endpoint, {
          ...(load && what.includes("while") ? { exchanges: load.invocations.slice(0, 1) } : {}),
          actual: p ? formatPercentiles(p) : "no 200 at all",
          expected: `every /ping 200 within ${pingTimeoutMs / 1000} s`,
        }),
      });
    };
    judge("on an idle server", idleL, pi, idle.length);
    // A server that died under the load is INF-CONCURRENCY's finding: its pings say nothing about latency.
    const diedUnderLoad = load !== undefined && !endpoint.running();
    if (load && loadL && !diedUnderLoad) judge(`while ${endpoints.options.concurrency} invocations ran`, loadL, pl, load.pings.length);
    if (diedUnderLoad) stats.push("the server exited under the load (see INF-CONCURRENCY): /ping under load not judged");
    if (findings.length > 0) return fail(findings[0]!, ...findings.slice(1));
    return pass(`${stats.join("; ")}${load ? "" : " (no --sample: /ping under load not measured)"}`);
  },
});
