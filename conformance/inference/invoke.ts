import { defineServeCheck, fail, pass } from "../../src/engine/check.js";
import { answered, isSuccess, ms, noSamples, readyEndpoint, serveEvidence } from "../serve-run.js";

export default defineServeCheck({
  id: "INF-INVOKE",
  clauses: ["inference#invocations.timeout", "inference#invocations.payload", "inference#http.port"],
  severity: "error",
  title: "Each sample request gets a 2xx answer within 60 s, at most 6 MiB",
  rationale:
    "InvokeEndpoint waits 60 s for the container and returns at most 6 MiB; a 4xx or 5xx from the container reaches the client as ModelError (HTTP 424). Your own samples are the requests your clients will send.",
  fix: "Make POST /invocations answer your sample payloads with a 2xx within 60 s and a body of at most 6 MiB.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const none = noSamples(endpoints);
    if (none) return none;
    const got = await readyEndpoint(endpoints);
    if ("outcome" in got) return got.outcome;
    const { endpoint } = got;
    const exchanges = await endpoint.invokeSamples();
    const bad = exchanges.filter((x) => !isSuccess(x.outcome) || (x.outcome.ok && x.outcome.bodyOver));
    if (bad.length === 0) {
      return pass(exchanges.map((x) => `${x.label}: ${x.outcome.ok ? `HTTP ${x.outcome.status} in ${ms(x.outcome.totalMs)}, ${x.outcome.body.length} bytes` : ""}`).join("; "));
    }
    const { invocationTimeoutMs, responseMaxBytes } = endpoints.limits;
    const findings = bad.map((x) => {
      const o = x.outcome;
      const over = o.ok && o.bodyOver;
      const body = o.ok ? o.body.toString("utf8", 0, Math.min(o.body.length, 300)).trim() : "";
      return {
        message: over
          ? `${x.label}: the response is over the ${responseMaxBytes} bytes InvokeEndpoint can return`
          : `${x.label}: ${answered(o)}${body ? `: ${body.split("\n")[0]}` : ""}`,
        fix: over
          ? "Return less per request (fewer records, a compact encoding), or use batch transform or asynchronous inference for large outputs."
          : !o.ok && o.kind === "timeout"
            ? `Answer within ${invocationTimeoutMs / 1000} s: InvokeEndpoint gives up then.`
            : "Read the log tail and the response: the server must accept this payload and answer it with a 2xx.",
        evidence: serveEvidence(endpoint, { exchanges: [x], actual: o.ok ? `HTTP ${o.status}` : o.kind, expected: "2xx" }),
      };
    });
    return fail(findings[0]!, ...findings.slice(1));
  },
});
