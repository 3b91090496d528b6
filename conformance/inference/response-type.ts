import { defineServeCheck, fail, pass, skip } from "../../src/engine/check.js";
import { isSuccess, noSamples, readyEndpoint, satisfiesAccept, serveEvidence } from "../serve-run.js";

export default defineServeCheck({
  id: "INF-RESPONSE-TYPE",
  clauses: ["inference#http.response-headers", "inference#toolkit.invocations"],
  severity: "warning",
  title: "Answers carry a Content-Type that satisfies the request's Accept",
  rationale:
    "InvokeEndpoint returns the container's Content-Type to the client, whose SDK deserializer picks a decoder by it. A missing type, or one other than the client asked for, breaks clients that trust it (the SageMaker SDK's predictors do).",
  fix: "Set Content-Type on every answer, and honour Accept: answer in a type it allows, or 406 when none can be.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const none = noSamples(endpoints);
    if (none) return none;
    const got = await readyEndpoint(endpoints);
    if ("outcome" in got) return got.outcome;
    const { endpoint } = got;
    const accept = endpoints.options.accept;
    const ok = (await endpoint.invokeSamples()).filter((x) => isSuccess(x.outcome));
    if (ok.length === 0) return skip("no sample got a 2xx answer; see INF-INVOKE");
    const findings = [];
    for (const x of ok) {
      const type = x.outcome.ok ? x.outcome.headers["content-type"] : undefined;
      if (!type) {
        findings.push({
          message: `${x.label}: the answer has no Content-Type`,
          fix: "Set Content-Type on every answer of POST /invocations.",
          evidence: serveEvidence(endpoint, { exchanges: [x], actual: "(none)", expected: accept ?? "a media type" }),
        });
      } else if (accept && !satisfiesAccept(type, accept)) {
        findings.push({
          message: `${x.label}: the answer is ${type}, which the request's Accept: ${accept} does not allow`,
          fix: "Answer in a type the Accept header allows (or 406 Not Acceptable when none can be produced).",
          evidence: serveEvidence(endpoint, { exchanges: [x], actual: type, expected: accept }),
        });
      }
    }
    if (findings.length > 0) return fail(findings[0]!, ...findings.slice(1));
    const types = [...new Set(ok.map((x) => (x.outcome.ok ? x.outcome.headers["content-type"] : "")))].join(", ");
    return pass(`answered ${types}${accept ? `, as Accept: ${accept} allows` : " (no --accept given: only its presence was checked)"}`);
  },
});
