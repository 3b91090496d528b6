import { defineServeCheck, fail, pass, skip, type FindingInput } from "../../src/engine/check.js";
import { BATCH_ENV } from "../../src/engine/serve/endpoints.js";
import { answered, isSuccess, serveEvidence, startedEndpoint } from "../serve-run.js";

const STRATEGIES = ["MULTI_RECORD", "SINGLE_RECORD"];

/** What is wrong with an /execution-parameters answer, per the documented keys and limits (§3). */
export function executionParameterProblems(data: unknown, maxPayloadMb: number, productMaxMb: number): string[] {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return ["the answer is not a JSON object"];
  const o = data as Record<string, unknown>;
  const problems: string[] = [];
  const mct = o.MaxConcurrentTransforms;
  const mp = o.MaxPayloadInMB;
  if (!Number.isInteger(mct) || (mct as number) < 1) problems.push(`MaxConcurrentTransforms is ${JSON.stringify(mct)}, not a whole number of at least 1`);
  if (!STRATEGIES.includes(o.BatchStrategy as string)) {
    const hint = o.BatchStrategy === "MultiRecord" || o.BatchStrategy === "SingleRecord" ? " (that is the API's spelling; this answer uses MULTI_RECORD or SINGLE_RECORD)" : "";
    problems.push(`BatchStrategy is ${JSON.stringify(o.BatchStrategy)}, not MULTI_RECORD or SINGLE_RECORD${hint}`);
  }
  if (!Number.isInteger(mp) || (mp as number) < 0 || (mp as number) > maxPayloadMb) problems.push(`MaxPayloadInMB is ${JSON.stringify(mp)}, not a whole number from 0 to ${maxPayloadMb}`);
  if (Number.isInteger(mct) && Number.isInteger(mp) && (mct as number) * (mp as number) > productMaxMb) {
    problems.push(`MaxConcurrentTransforms x MaxPayloadInMB is ${(mct as number) * (mp as number)} MB, over the ${productMaxMb} MB allowed`);
  }
  return problems;
}

export default defineServeCheck({
  id: "INF-BATCH",
  clauses: ["inference#batch.execution-parameters", "inference#batch.payload", "inference#batch.start", "inference#batch.env"],
  severity: "error",
  title: "Under batch transform the server starts, answers the samples, and any /execution-parameters is valid",
  rationale:
    "A transform job starts the same image with SAGEMAKER_BATCH=true and its payload, strategy and concurrency variables, then asks GET /execution-parameters before the first record. A 404 leaves the job's settings and the defaults in force; a 200 with keys misspelled or values past the limits (MaxPayloadInMB at most 100, its product with MaxConcurrentTransforms at most 100) fails the job.",
  fix: "Answer /execution-parameters with 404, or with {\"MaxConcurrentTransforms\": N, \"BatchStrategy\": \"MULTI_RECORD\" | \"SINGLE_RECORD\", \"MaxPayloadInMB\": M} within the limits; read SAGEMAKER_BATCH case-insensitively.",
  needs: { endpoints: true },
  async run({ endpoints, spec }) {
    const started = await startedEndpoint(endpoints);
    if ("outcome" in started) return started.outcome;
    const plain = started.endpoint;
    if (plain.readiness.kind !== "ready") return skip("the server never answered /ping with 200; see INF-READY");
    const e = await endpoints.endpoint("batch");
    try {
      const env = BATCH_ENV.map(([k, v]) => `${k}=${v}`).join(" ");
      if (e.readiness.kind !== "ready") {
        return fail({
          message: `with ${env} the server did not become ready (${e.readiness.kind === "exited" ? `exit ${e.readiness.exit.exitCode}` : e.readiness.kind === "not-ready" ? e.readiness.last : e.readiness.message}), though it does without them`,
          fix: "Read the batch variables as strings (SAGEMAKER_BATCH may be true or True) and start as for an endpoint.",
          evidence: serveEvidence(e),
        });
      }
      const findings: FindingInput[] = [];
      const x = await e.send("GET /execution-parameters", { method: "GET", path: "/execution-parameters", timeoutMs: endpoints.limits.invocationTimeoutMs, maxBodyBytes: 64 * 1024 });
      let detail: string;
      if (!e.running()) {
        return fail({
          message: `the server exited (code ${e.exit()?.exitCode}) on GET /execution-parameters (${answered(x.outcome)})`,
          fix: "Answer GET /execution-parameters with 404 if you do not implement it; a transform job calls it before the first record.",
          evidence: serveEvidence(e, { exchanges: [x], actual: `exit ${e.exit()?.exitCode}`, expected: "200 with the parameters, or 404" }),
        });
      }
      if (x.outcome.ok && x.outcome.status === 200) {
        let data: unknown;
        try {
          data = JSON.parse(x.outcome.body.toString("utf8"));
        } catch {
          data = undefined;
        }
        const limit = (name: string) => spec.limit("inference#batch.payload", name).value;
        const problems = data === undefined ? ["the answer is not JSON"] : executionParameterProblems(data, limit("maxPayload"), limit("concurrencyTimesPayloadMax"));
        for (const p of problems) {
          findings.push({
            message: `GET /execution-parameters answered 200, but ${p}`,
            fix: 'Answer {"MaxConcurrentTransforms": N, "BatchStrategy": "MULTI_RECORD" or "SINGLE_RECORD", "MaxPayloadInMB": M} within the limits, or 404 to leave the job\'s settings in force.',
            evidence: serveEvidence(e, { exchanges: [x], actual: x.outcome.body.toString("utf8", 0, 500), expected: "MaxConcurrentTransforms >= 1, BatchStrategy MULTI_RECORD|SINGLE_RECORD, MaxPayloadInMB 0..100, product <= 100" }),
          });
        }
        detail = `/execution-parameters: ${x.outcome.body.toString("utf8", 0, 200).trim()}`;
      } else {
        detail = `/execution-parameters not implemented (${answered(x.outcome)}): the job's settings and the defaults apply`;
      }
      const before = endpoints.options.samples.length > 0 ? await plain.invokeSamples().catch(() => []) : [];
      for (const [i, sample] of endpoints.options.samples.entries()) {
        if (!before[i] || !isSuccess(before[i]!.outcome)) continue;
        const headers = before[i]!.headers;
        const y = await e.send(`${before[i]!.label} under batch transform`, { method: "POST", path: "/invocations", headers, body: sample.body, saveAs: sample.name, maxBodyBytes: endpoints.limits.responseMaxBytes });
        if (!isSuccess(y.outcome)) {
          findings.push({
            message: `${y.label}: ${answered(y.outcome)}, where the endpoint answered it with a 2xx`,
            fix: "Serve /invocations the same way when SAGEMAKER_BATCH is set.",
            evidence: serveEvidence(e, { exchanges: [y], actual: y.outcome.ok ? `HTTP ${y.outcome.status}` : y.outcome.kind, expected: "2xx" }),
          });
        }
      }
      if (findings.length > 0) return fail(findings[0]!, ...findings.slice(1));
      return pass(`${detail}${before.length > 0 ? "; the samples answered as on the endpoint" : ""}`);
    } finally {
      await e.remove(); // done with it: no grace to wait out
    }
  },
});
