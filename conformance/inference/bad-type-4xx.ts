import { defineServeCheck, fail, pass } from "../../src/engine/check.js";
import { UNSUPPORTED_TYPE, answered, badTypeRun, badTypeSent, readyEndpoint, serveEvidence } from "../serve-run.js";

export default defineServeCheck({
  id: "INF-BAD-TYPE-4XX",
  clauses: ["inference#http.error-mapping", "inference#toolkit.errors"],
  severity: "warning",
  title: "An unsupported Content-Type gets a 4xx (415), not a 5xx",
  rationale:
    "The client sent something the model cannot take: that is the client's error. A 5xx makes it look like the model failed, sets off alarms on the endpoint's error metrics, and invites retries that cannot succeed. The SageMaker inference toolkit answers 500 here; AWS's own BYOC example answers 415.",
  fix: "Answer 415 Unsupported Media Type (any 4xx will do) for a Content-Type you do not support.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    // The request INF-BAD-TYPE-SURVIVES sent is judged here too, even when it killed the server.
    const got = await readyEndpoint(endpoints, "default", badTypeSent);
    if ("outcome" in got) return got.outcome;
    const { endpoint } = got;
    const { exchange } = await badTypeRun(endpoint);
    const o = exchange.outcome;
    if (o.ok && o.status >= 400 && o.status < 500) return pass(`answered ${o.status}${o.status === 415 ? "" : " (415 Unsupported Media Type says it best)"}`);
    if (o.ok && o.status < 400) return pass(`answered ${o.status}: the server takes any Content-Type`);
    return fail({
      message: `a request of Content-Type ${UNSUPPORTED_TYPE} got ${o.ok ? answered(o) : `no answer (${answered(o)})`}, not a 4xx`,
      fix: "Answer 415 Unsupported Media Type (any 4xx will do) for a Content-Type you do not support.",
      evidence: serveEvidence(endpoint, { exchanges: [exchange], actual: o.ok ? `HTTP ${o.status}` : o.kind, expected: "415" }),
    });
  },
});
