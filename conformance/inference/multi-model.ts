import { defineServeCheck, fail, pass, skip, type FindingInput } from "../../src/engine/check.js";
import { MME_MODELS, type Endpoint, type Exchange, type HttpOutcome } from "../../src/engine/serve/endpoints.js";
import { answered, isSuccess, serveEvidence, startedEndpoint } from "../serve-run.js";

export const MME_LABEL = "com.amazonaws.sagemaker.capabilities.multi-models";

function json(o: HttpOutcome): unknown {
  if (!o.ok) return undefined;
  try {
    return JSON.parse(o.body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Whether a model description has the documented shape: {"modelName": ..., "modelUrl": ...}. */
function describes(data: unknown, name: string): boolean {
  const d = data as { modelName?: unknown; modelUrl?: unknown } | undefined;
  return typeof d === "object" && d !== null && d.modelName === name && typeof d.modelUrl === "string";
}

export default defineServeCheck({
  id: "INF-MME-API",
  clauses: ["inference#mme.load", "inference#mme.list", "inference#mme.describe", "inference#mme.unload", "inference#mme.invoke", "inference#mme.model-path", "inference#mme.label"],
  severity: "error",
  title: "With multi-models, the model management API answers as SageMaker expects",
  rationale:
    "A multi-model endpoint loads and unloads models through the container's API: POST /models (409 when already loaded), GET /models (a list, paged with nextPageToken), GET and DELETE /models/<name> (404 when not loaded), POST /models/<name>/invoke. SageMaker decides from these status codes whether to load, retry or evict; a wrong code makes it load models twice or send traffic to a model that is not there.",
  fix: "Implement the multi-model API as documented, with its status codes: 409 on a second load, 404 for a model not loaded.",
  needs: { endpoints: true, config: true },
  async run({ endpoints, config }) {
    if (config.labels[MME_LABEL] !== "true") return skip(`the image does not carry ${MME_LABEL}=true, so SageMaker does not host it as a multi-model endpoint`);
    const started = await startedEndpoint(endpoints, "multi-model");
    if ("outcome" in started) return started.outcome;
    const e = started.endpoint;
    try {
      if (e.readiness.kind !== "ready") {
        return fail({
          message: `with SAGEMAKER_MULTI_MODEL=true the server did not become ready (${e.readiness.kind === "exited" ? `exit ${e.readiness.exit.exitCode}` : e.readiness.kind === "not-ready" ? e.readiness.last : e.readiness.message})`,
          fix: "With SAGEMAKER_MULTI_MODEL=true, start with no model loaded and answer /ping; models arrive through POST /models.",
          evidence: serveEvidence(e),
        });
      }
      return await exercise(e, endpoints.options.samples[0], endpoints.limits.responseMaxBytes);
    } finally {
      await e.remove(); // done with it: no grace to wait out
    }
  },
});

async function exercise(e: Endpoint, sample: { body: Buffer; contentType: string; name: string } | undefined, maxBody: number) {
  const [a, b] = MME_MODELS;
  const findings: FindingInput[] = [];
  const expect = (x: Exchange, ok: boolean, wanted: string, fix: string) => {
    if (ok) return;
    findings.push({ message: `${x.label}: ${answered(x.outcome)}, expected ${wanted}`, fix, evidence: serveEvidence(e, { exchanges: [x], actual: x.outcome.ok ? `HTTP ${x.outcome.status}: ${x.outcome.body.toString("utf8", 0, 200)}` : x.outcome.kind, expected: wanted }) });
  };
  const status = (x: Exchange) => (x.outcome.ok ? x.outcome.status : 0);
  const jsonHeaders = { "Content-Type": "application/json", Accept: "application/json" };
  const load = (name: string) =>
    e.send(`POST /models ${name}`, { method: "POST", path: "/models", headers: jsonHeaders, body: Buffer.from(JSON.stringify({ model_name: name, url: `/opt/ml/models/${name}/model` })), saveAs: `load-${name}.json` });

  const first = await load(a);
  expect(first, isSuccess(first.outcome), "a 2xx: the model loaded", "Load the model from the url given (/opt/ml/models/<name>/model) and answer 200.");
  const again = await load(a);
  expect(again, status(again) === 409, "409: the model is already loaded", "Answer 409 Conflict when the model is already loaded; SageMaker relies on it to avoid loading twice.");
  const missing = await e.send(`GET /models/${b} (not loaded)`, { method: "GET", path: `/models/${b}` });
  expect(missing, status(missing) === 404, "404: that model is not loaded", "Answer 404 for a model that is not loaded.");
  const invokeHeaders = (name: string): Record<string, string> => (sample ? { "Content-Type": sample.contentType, "X-Amzn-SageMaker-Target-Model": `${name}.tar.gz` } : {});
  if (sample) {
    const nope = await e.send(`POST /models/${b}/invoke (not loaded)`, { method: "POST", path: `/models/${b}/invoke`, headers: invokeHeaders(b), body: sample.body, saveAs: sample.name });
    expect(nope, status(nope) === 404, "404: that model is not loaded", "Answer 404 when the model to invoke is not loaded; SageMaker then loads it.");
  }
  const second = await load(b);
  expect(second, isSuccess(second.outcome), "a 2xx: the model loaded", "Load each model under its own name, next to those already loaded.");
  // One model per page, following nextPageToken as SageMaker does: every loaded model must turn up exactly once.
  const listed: unknown[] = [];
  let path = "/models?limit=1";
  for (let page = 0; page < 5; page++) {
    const list = await e.send(`GET ${path}`, { method: "GET", path, headers: { Accept: "application/json" } });
    const body = json(list.outcome) as { models?: unknown; nextPageToken?: unknown } | undefined;
    if (!isSuccess(list.outcome) || !Array.isArray(body?.models)) {
      expect(list, false, '200 with {"models": [{"modelName": ..., "modelUrl": ...}]}', 'Answer GET /models with {"models": [{"modelName": ..., "modelUrl": ...}], "nextPageToken"?: ...}.');
      break;
    }
    listed.push(...body.models);
    if (body.nextPageToken === undefined || body.nextPageToken === null) break;
    if (typeof body.nextPageToken !== "string" || body.nextPageToken === "") {
      expect(list, false, "nextPageToken a non-empty string, or absent on the last page", "Give nextPageToken as an opaque string, and leave it out on the last page.");
      break;
    }
    path = `/models?limit=1&next_page_token=${encodeURIComponent(body.nextPageToken)}`;
  }
  const seen = MME_MODELS.filter((name) => listed.filter((m) => describes(m, name)).length === 1);
  if (findings.length === 0 && seen.length !== MME_MODELS.length) {
    findings.push({
      message: `GET /models, page by page, listed ${JSON.stringify(listed).slice(0, 200)}: not ${MME_MODELS.join(" and ")} once each`,
      fix: 'List every loaded model once as {"modelName": ..., "modelUrl": ...}, across pages linked by nextPageToken.',
      evidence: serveEvidence(e, { actual: listed.slice(0, 10), expected: MME_MODELS.map((name) => ({ modelName: name, modelUrl: `/opt/ml/models/${name}/model` })) }),
    });
  }
  const one = await e.send(`GET /models/${a}`, { method: "GET", path: `/models/${a}`, headers: { Accept: "application/json" } });
  expect(one, isSuccess(one.outcome) && describes(json(one.outcome), a), `200 with {"modelName": "${a}", "modelUrl": ...}`, 'Answer GET /models/<name> with {"modelName": ..., "modelUrl": ...}.');
  if (sample) {
    const inv = await e.send(`POST /models/${a}/invoke with ${sample.name}`, { method: "POST", path: `/models/${a}/invoke`, headers: invokeHeaders(a), body: sample.body, saveAs: sample.name, maxBodyBytes: maxBody });
    expect(inv, isSuccess(inv.outcome), "a 2xx", "Serve POST /models/<name>/invoke with the named model, as /invocations serves the single model.");
  }
  const unload = await e.send(`DELETE /models/${a}`, { method: "DELETE", path: `/models/${a}` });
  expect(unload, isSuccess(unload.outcome), "a 2xx: the model unloaded", "Unload the model, free its memory, and answer 200.");
  const gone = await e.send(`GET /models/${a} after DELETE`, { method: "GET", path: `/models/${a}` });
  expect(gone, status(gone) === 404, "404: the model was unloaded", "Forget an unloaded model: GET /models/<name> answers 404 after DELETE.");
  const twice = await e.send(`DELETE /models/${a} again`, { method: "DELETE", path: `/models/${a}` });
  expect(twice, status(twice) === 404, "404: the model is not loaded", "Answer 404 to DELETE for a model that is not loaded.");
  if (findings.length > 0) return fail(findings[0]!, ...findings.slice(1));
  return pass(`load, 409 on a second load, 404 when not loaded, a list paged by nextPageToken, describe${sample ? ", invoke" : ""}, unload: all as documented`);
}
