import { defineServeCheck, fail, pass, skip } from "../../src/engine/check.js";
import { answered, formatPercentiles, isSuccess, loadRun, loadSent, noSamples, percentiles, readyEndpoint, serveEvidence } from "../serve-run.js";

export default defineServeCheck({
  id: "INF-CONCURRENCY",
  clauses: ["inference#invocations.timeout"],
  severity: "error",
  title: "Several invocations at once all get a 2xx, as the sample does alone",
  rationale:
    "An endpoint receives requests concurrently from as many clients as call it. A server with one busy worker that answers 503 or drops the connection fails real traffic that a one-request test never shows.",
  fix: "Queue requests instead of refusing them (more workers or threads, a backlog), and size workers to the instance.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const none = noSamples(endpoints);
    if (none) return none;
    // A load INF-PING-LATENCY already ran is judged here, even when it killed the server.
    const got = await readyEndpoint(endpoints, "default", loadSent);
    if ("outcome" in got) return got.outcome;
    const { endpoint } = got;
    const [alone] = await endpoint.invokeSamples();
    if (alone && !isSuccess(alone.outcome)) return skip(`the sample already fails on its own (${answered(alone.outcome)}); see INF-INVOKE`);
    const n = endpoints.options.concurrency;
    const { invocations } = await loadRun(endpoints, endpoint);
    // The sample got a 2xx alone: anything else under load (a 5xx, a 429, a reset) fails real traffic.
    const bad = invocations.filter((x) => !isSuccess(x.outcome));
    if (bad.length === 0) {
      const times = percentiles(invocations.flatMap((x) => (x.outcome.ok ? [x.outcome.totalMs] : [])));
      return pass(`${n} clients at once, ${invocations.length} requests, every one answered with a 2xx${times ? `; ${formatPercentiles(times)}` : ""}`);
    }
    const what = [...new Set(bad.map((x) => answered(x.outcome).replace(/ after .*$/, "")))].join(", ");
    const exit = endpoint.exit();
    return fail({
      message: `${bad.length} of ${invocations.length} invocations from ${n} clients at once failed: ${what}${exit ? `; the server exited (code ${exit.exitCode})` : ""}, where the sample alone got a 2xx`,
      fix: "Queue requests instead of refusing them: more workers or threads, or a server that holds requests until a worker is free.",
      where: { kind: "option", option: "--concurrency", value: String(n) },
      evidence: serveEvidence(endpoint, { exchanges: bad.slice(0, 2), actual: bad.slice(0, 20).map((x) => answered(x.outcome)), expected: "a 2xx for every request" }),
    });
  },
});
