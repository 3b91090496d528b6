import { defineServeCheck, fail, pass } from "../../src/engine/check.js";
import { UNSUPPORTED_TYPE, answered, badTypeRun, readyEndpoint, serveEvidence } from "../serve-run.js";

export default defineServeCheck({
  id: "INF-BAD-TYPE-SURVIVES",
  clauses: ["inference#ping.healthy", "inference#http.error-mapping"],
  severity: "error",
  title: "A request of an unsupported Content-Type leaves the server running",
  rationale:
    "Any client can send any Content-Type. A server that dies on one takes the instance out of service for every other client until SageMaker notices and replaces it.",
  fix: "Catch the error per request: answer 415 Unsupported Media Type and keep serving.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const got = await readyEndpoint(endpoints);
    if ("outcome" in got) return got.outcome;
    const { endpoint } = got;
    const r = await badTypeRun(endpoint);
    if (r.alive) return pass(`answered ${answered(r.exchange.outcome)}, and /ping still answers 200`);
    const exit = endpoint.exit();
    return fail({
      message: exit
        ? `the server exited (code ${exit.exitCode}) after a request of Content-Type ${UNSUPPORTED_TYPE} (${answered(r.exchange.outcome)})`
        : `/ping stopped answering 200 after a request of Content-Type ${UNSUPPORTED_TYPE} (${r.ping ? answered(r.ping) : "no answer"})`,
      fix: "Catch the error per request: answer 415 Unsupported Media Type and keep serving.",
      evidence: serveEvidence(endpoint, { exchanges: [r.exchange], actual: exit ? `exit ${exit.exitCode}` : "unhealthy", expected: "still serving" }),
    });
  },
});
