import { defineServeCheck, fail, pass, skip } from "../../src/engine/check.js";
import type { Endpoint } from "../../src/engine/serve/endpoints.js";
import { answered, isSuccess, serveEvidence, startedEndpoint } from "../serve-run.js";

/** What went wrong with the read-only model, if anything: a start that never got ready, or failed sample requests. */
async function trouble(endpoint: Endpoint): Promise<string | undefined> {
  const r = endpoint.readiness;
  if (r.kind === "exited") return `the server exited with code ${r.exit.exitCode} during start-up`;
  if (r.kind === "not-ready") return "the server never answered /ping with 200";
  if (r.kind !== "ready") return undefined;
  const failed = (await endpoint.invokeSamples().catch(() => [])).filter((x) => !isSuccess(x.outcome));
  return failed.length > 0 ? `${failed[0]!.label} got ${answered(failed[0]!.outcome)}` : undefined;
}

export default defineServeCheck({
  id: "INF-MODEL-READONLY",
  clauses: ["inference#model.read-only"],
  severity: "error",
  title: "The server works with /opt/ml/model read-only",
  rationale:
    "SageMaker unpacks the model into /opt/ml/model and gives the container read-only access to it. A server that writes there (a cache, a converted model, a lock file) works in local tests that mount it writable and fails on the endpoint. When the read-only run went wrong, byoc-check runs the server once more on a writable copy to see whether it writes there.",
  fix: "Write caches and converted models to /tmp or another writable directory, never under /opt/ml/model.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const started = await startedEndpoint(endpoints);
    if ("outcome" in started) return started.outcome;
    const ro = started.endpoint;
    if (ro.readiness.kind === "start-error") return skip("the container did not start; see INF-READY");
    const why = await trouble(ro);
    if (!why) return pass(`served from a read-only /opt/ml/model${endpoints.options.samples.length > 0 ? " and answered the samples" : ""}`);
    const rw = await endpoints.endpoint("writable-model");
    if (rw.readiness.kind === "ready") await rw.invokeSamples().catch(() => []);
    const changed = rw.modelChanges();
    await rw.remove();
    if (changed.length === 0) return pass(`with a writable copy it wrote nothing under /opt/ml/model: what went wrong (${why}) has another cause`);
    return fail({
      message: `the server writes to /opt/ml/model (${changed.slice(0, 5).join(", ")}${changed.length > 5 ? `, and ${changed.length - 5} more` : ""}), which SageMaker mounts read-only: with it read-only, ${why}`,
      fix: "Write caches and converted models to /tmp or another writable directory, never under /opt/ml/model.",
      where: { kind: "file", path: `/opt/ml/model/${changed[0]!}` },
      evidence: serveEvidence(ro, { actual: changed.slice(0, 20), expected: "nothing written under /opt/ml/model", notes: [`a second run on a writable copy wrote those files: ${rw.reproduce}`] }),
    });
  },
});
