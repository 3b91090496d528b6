import { randomUUID } from "node:crypto";
import { defineServeCheck, fail, pass } from "../../src/engine/check.js";
import type { Exchange } from "../../src/engine/serve/endpoints.js";
import { answered, isSuccess, readyEndpoint, serveEvidence } from "../serve-run.js";

/** What SageMaker forwards (§2.4) and what it "might add" (§2.3), with values a real client sends. */
export function sagemakerHeaders(): Record<string, string> {
  return {
    "X-Amzn-SageMaker-Custom-Attributes": "trace_id=byoc-check,attempt=1",
    "X-Amzn-SageMaker-Target-Model": "model.tar.gz",
    "X-Amzn-SageMaker-Inference-Id": randomUUID(),
    "X-Amzn-SageMaker-Target-Variant": "AllTraffic",
    "X-Amzn-SageMaker-Byoc-Check-Unknown": "1",
    "X-Forwarded-For": "10.0.0.1",
  };
}

export default defineServeCheck({
  id: "INF-HEADERS",
  clauses: ["inference#http.extra-headers", "inference#http.request-headers"],
  severity: "error",
  title: "SageMaker's request headers, and headers it may add, are ignored safely",
  rationale:
    "InvokeEndpoint forwards X-Amzn-SageMaker-Custom-Attributes verbatim (a free-form string, not JSON), X-Amzn-SageMaker-Target-Model and others, and SageMaker may add headers of its own; the contract says containers must ignore what they do not use. A server that parses them strictly fails only in production.",
  fix: "Ignore headers you do not use; treat X-Amzn-SageMaker-Custom-Attributes as an opaque string (at most 1024 visible ASCII characters).",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const got = await readyEndpoint(endpoints);
    if ("outcome" in got) return got.outcome;
    const { endpoint } = got;
    const extra = sagemakerHeaders();
    const compared: Array<{ plain?: Exchange; with: Exchange }> = [];
    const samples = endpoints.options.samples;
    const baseline = samples.length > 0 ? await endpoint.invokeSamples() : [];
    for (const [i, sample] of samples.entries()) {
      const plain = baseline[i]!;
      if (!isSuccess(plain.outcome)) continue; // nothing to compare with: INF-INVOKE says why
      const headers = { ...plain.headers, ...extra };
      compared.push({ plain, with: await endpoint.send(`${plain.label} with SageMaker's headers`, { method: "POST", path: "/invocations", headers, body: sample.body, saveAs: sample.name, maxBodyBytes: endpoints.limits.responseMaxBytes }) });
    }
    compared.push({ with: await endpoint.send("GET /ping with SageMaker's headers", { method: "GET", path: "/ping", headers: extra, timeoutMs: endpoints.limits.pingTimeoutMs }) });
    const broken = compared.filter((c) => !isSuccess(c.with.outcome));
    if (broken.length === 0) {
      return pass(`${compared.length} request${compared.length === 1 ? "" : "s"} answered as without the headers${samples.length === 0 ? " (only /ping: no --sample given)" : ""}`);
    }
    const findings = broken.map((c) => ({
      message: `${c.with.label}: ${answered(c.with.outcome)}${c.plain ? `, where without them it got ${answered(c.plain.outcome)}` : ""}`,
      fix: "Ignore headers you do not use; read X-Amzn-SageMaker-Custom-Attributes as an opaque string, never as JSON.",
      evidence: serveEvidence(endpoint, { exchanges: [c.with, ...(c.plain ? [c.plain] : [])], actual: c.with.outcome.ok ? `HTTP ${c.with.outcome.status}` : c.with.outcome.kind, expected: "the same 2xx" }),
    }));
    return fail(findings[0]!, ...findings.slice(1));
  },
});
