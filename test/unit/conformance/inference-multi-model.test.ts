import { afterEach, describe, expect, it } from "vitest";
import check, { MME_LABEL } from "../../../conformance/inference/multi-model.js";
import { type Handler, closeServe, healthy, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { config } from "../helpers/memory-image.js";
import { findingsOf, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const LABELLED = config({ Entrypoint: ["/opt/program/serve"], Labels: { [MME_LABEL]: "true" } });
const CSV = sample("sample.csv", "text/csv", "1,2,3\n");

/** The multi-model API as documented; `quirks` bend it. */
function mme(quirks: { noConflict?: boolean; deleteForgets?: boolean; pageRepeats?: boolean } = {}): Handler {
  const loaded = new Map<string, string>();
  const json = (res: Parameters<Handler>[1], status: number, body: unknown) => void res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  return (req, res, body, c) => {
    const url = new URL(req.url ?? "/", "http://x");
    const m = /^\/models(?:\/([^/]+))?(\/invoke)?$/.exec(url.pathname);
    if (!m) return healthy(req, res, body, c);
    const [, name, invoke] = m;
    if (!name && req.method === "POST") {
      const { model_name, url } = JSON.parse(body.toString()) as { model_name: string; url: string };
      if (loaded.has(model_name) && !quirks.noConflict) return json(res, 409, { error: "already loaded" });
      loaded.set(model_name, url);
      return json(res, 200, { message: "loaded" });
    }
    if (!name) {
      // Paged as MMS pages: limit models from the offset in next_page_token.
      const all = [...loaded].sort().map(([modelName, modelUrl]) => ({ modelName, modelUrl }));
      const limit = Number(url.searchParams.get("limit") ?? 100);
      const from = quirks.pageRepeats ? 0 : Number(url.searchParams.get("next_page_token") ?? 0);
      const page = all.slice(from, from + limit);
      return json(res, 200, { models: page, ...(from + limit < all.length ? { nextPageToken: String(from + limit) } : {}) });
    }
    if (!loaded.has(name)) return json(res, 404, { error: "not loaded" });
    if (invoke) return json(res, 200, { predictions: [0.5] });
    if (req.method === "DELETE") {
      if (quirks.deleteForgets !== false) loaded.delete(name);
      return json(res, 200, { message: "unloaded" });
    }
    return json(res, 200, { modelName: name, modelUrl: loaded.get(name) });
  };
}

describe("INF-MME-API", () => {
  it("does not fire on the documented API, and stops the server after", async () => {
    const { endpoints, container } = serveSandbox({ samples: [CSV] }, { handle: mme() });
    expect(passDetail(await runServeCheck(check, endpoints, LABELLED))).toBe("load, 409 on a second load, 404 when not loaded, a list paged by nextPageToken, describe, invoke, unload: all as documented");
    expect(container().received.filter((r) => r !== "GET /ping")).toEqual([
      "POST /models",
      "POST /models",
      "GET /models/model-b",
      "POST /models/model-b/invoke",
      "POST /models",
      "GET /models?limit=1",
      "GET /models?limit=1&next_page_token=1",
      "GET /models/model-a",
      "POST /models/model-a/invoke",
      "DELETE /models/model-a",
      "GET /models/model-a",
      "DELETE /models/model-a",
    ]);
    expect(container().removed).toBe(true); // removed, with no grace to wait out
  });

  it("leaves out the invocations without a sample", async () => {
    const { endpoints } = serveSandbox({}, { handle: mme() });
    expect(passDetail(await runServeCheck(check, endpoints, LABELLED))).toBe("load, 409 on a second load, 404 when not loaded, a list paged by nextPageToken, describe, unload: all as documented");
  });

  it("fires on a second load answered 200 instead of 409", async () => {
    const { endpoints } = serveSandbox({}, { handle: mme({ noConflict: true }) });
    const findings = findingsOf(await runServeCheck(check, endpoints, LABELLED));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/^POST \/models model-a: HTTP 200 after \d+ ms, expected 409: the model is already loaded$/);
    expect(findings[0]!.fix).toBe("Answer 409 Conflict when the model is already loaded; SageMaker relies on it to avoid loading twice.");
    expect(findings[0]!.evidence.actual).toBe('HTTP 200: {"message":"loaded"}');
  });

  it("fires on paging that gives the first page again for every token", async () => {
    const { endpoints } = serveSandbox({}, { handle: mme({ pageRepeats: true }) });
    const findings = findingsOf(await runServeCheck(check, endpoints, LABELLED));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/^GET \/models, page by page, listed .*: not model-a and model-b once each$/);
  });

  it("fires on a model that stays after DELETE", async () => {
    const { endpoints } = serveSandbox({}, { handle: mme({ deleteForgets: false }) });
    const messages = findingsOf(await runServeCheck(check, endpoints, LABELLED)).map((f) => f.message.replace(/ after \d+ ms/, ""));
    expect(messages).toEqual([
      "GET /models/model-a after DELETE: HTTP 200, expected 404: the model was unloaded",
      "DELETE /models/model-a again: HTTP 200, expected 404: the model is not loaded",
    ]);
  });

  it("fires when the server does not start in multi-model mode", async () => {
    const { endpoints } = serveSandbox({}, { handle: mme(), start: (c) => void (c.env("SAGEMAKER_MULTI_MODEL") && c.exit(1)) });
    const findings = findingsOf(await runServeCheck(check, endpoints, LABELLED));
    expect(findings.map((f) => f.message)).toEqual(["with SAGEMAKER_MULTI_MODEL=true the server did not become ready (exit 1)"]);
  });

  it("skips an image without the label, without starting anything", async () => {
    const { endpoints, runner } = serveSandbox();
    expect(skipReason(await runServeCheck(check, endpoints))).toBe(`the image does not carry ${MME_LABEL}=true, so SageMaker does not host it as a multi-model endpoint`);
    expect(runner.requests).toEqual([]);
  });

  it("skips without a model", async () => {
    expect(skipReason(await runServeCheck(check, serveSandbox({ model: undefined }).endpoints, LABELLED))).toMatch(/^no model/);
  });
});
