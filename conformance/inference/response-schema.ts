import { defineServeCheck, fail, pass, skip } from "../../src/engine/check.js";
import { isSuccess, noSamples, readyEndpoint, serveEvidence } from "../serve-run.js";

export default defineServeCheck({
  id: "INF-RESPONSE-SCHEMA",
  clauses: ["inference#http.port"],
  severity: "error",
  title: "JSON answers match the schema given with --expect-schema",
  rationale:
    "The endpoint's clients parse its answers. A server that changes the shape of its response (a bare list instead of an object, a number as a string) breaks every client without any error on the server side.",
  fix: "Answer in the shape your clients expect, or update the schema with them.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const schema = endpoints.options.expectSchema;
    if (!schema) return skip("no schema: give --expect-schema FILE (a JSON Schema) to validate the JSON answers");
    const none = noSamples(endpoints);
    if (none) return none;
    const got = await readyEndpoint(endpoints);
    if ("outcome" in got) return got.outcome;
    const { endpoint } = got;
    const ok = (await endpoint.invokeSamples()).filter((x) => isSuccess(x.outcome));
    if (ok.length === 0) return skip("no sample got a 2xx answer; see INF-INVOKE");
    const findings = [];
    for (const x of ok) {
      if (!x.outcome.ok || x.outcome.bodyOver) continue; // a body cut at 6 MiB is INF-INVOKE's finding
      const text = x.outcome.body.toString("utf8");
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        findings.push({
          message: `${x.label}: the answer (${x.outcome.headers["content-type"] ?? "no Content-Type"}) is not JSON, so ${schema.file} cannot apply: ${text.slice(0, 80).trim()}`,
          fix: "Answer JSON (ask for it with --accept application/json), or leave --expect-schema out for non-JSON answers.",
          evidence: serveEvidence(endpoint, { exchanges: [x], actual: text.slice(0, 200), expected: schema.file }),
        });
        continue;
      }
      const errors = schema.validate(data);
      if (errors.length > 0) {
        findings.push({
          message: `${x.label}: the answer does not match ${schema.file}: ${errors.slice(0, 3).join("; ")}`,
          fix: "Answer in the shape the schema describes, or update the schema together with your clients.",
          evidence: serveEvidence(endpoint, { exchanges: [x], actual: text.slice(0, 500), expected: errors }),
        });
      }
    }
    if (findings.length > 0) return fail(findings[0]!, ...findings.slice(1));
    return pass(`${ok.length} answer${ok.length === 1 ? "" : "s"} match ${schema.file}`);
  },
});
