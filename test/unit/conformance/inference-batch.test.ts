import { afterEach, describe, expect, it } from "vitest";
import check, { executionParameterProblems } from "../../../conformance/inference/batch-execution-parameters.js";
import { type Handler, type ServerScript, closeServe, healthy, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { findingsOf, onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const CSV = sample("sample.csv", "text/csv", "1,2,3\n");

/** /execution-parameters answered with `status` and `body` under SAGEMAKER_BATCH; the rest as a healthy server. */
function executionParameters(status: number, body: string): ServerScript {
  const handle: Handler = (req, res, b, c) =>
    req.url === "/execution-parameters" && c.env("SAGEMAKER_BATCH") === "true" ? void res.writeHead(status, { "Content-Type": "application/json" }).end(body) : healthy(req, res, b, c);
  return { handle };
}

describe("executionParameterProblems", () => {
  it("accepts the documented keys within the limits", () => {
    expect(executionParameterProblems({ MaxConcurrentTransforms: 4, BatchStrategy: "MULTI_RECORD", MaxPayloadInMB: 6 }, 100, 100)).toEqual([]);
    expect(executionParameterProblems({ MaxConcurrentTransforms: 1, BatchStrategy: "SINGLE_RECORD", MaxPayloadInMB: 100 }, 100, 100)).toEqual([]);
    expect(executionParameterProblems({ MaxConcurrentTransforms: 2, BatchStrategy: "SINGLE_RECORD", MaxPayloadInMB: 0 }, 100, 100)).toEqual([]);
  });

  it("names what is wrong, one problem each", () => {
    expect(executionParameterProblems([], 100, 100)).toEqual(["the answer is not a JSON object"]);
    expect(executionParameterProblems(null, 100, 100)).toEqual(["the answer is not a JSON object"]);
    expect(executionParameterProblems({ MaxConcurrentTransforms: "4", BatchStrategy: "MultiRecord", MaxPayloadInMB: 101 }, 100, 100)).toEqual([
      'MaxConcurrentTransforms is "4", not a whole number of at least 1',
      'BatchStrategy is "MultiRecord", not MULTI_RECORD or SINGLE_RECORD (that is the API\'s spelling; this answer uses MULTI_RECORD or SINGLE_RECORD)',
      "MaxPayloadInMB is 101, not a whole number from 0 to 100",
    ]);
    expect(executionParameterProblems({ MaxConcurrentTransforms: 0, BatchStrategy: "BATCH", MaxPayloadInMB: 1.5 }, 100, 100)).toEqual([
      "MaxConcurrentTransforms is 0, not a whole number of at least 1",
      'BatchStrategy is "BATCH", not MULTI_RECORD or SINGLE_RECORD',
      "MaxPayloadInMB is 1.5, not a whole number from 0 to 100",
    ]);
  });

  it("bounds the product of concurrency and payload", () => {
    expect(executionParameterProblems({ MaxConcurrentTransforms: 11, BatchStrategy: "MULTI_RECORD", MaxPayloadInMB: 10 }, 100, 100)).toEqual([
      "MaxConcurrentTransforms x MaxPayloadInMB is 110 MB, over the 100 MB allowed",
    ]);
  });
});

describe("INF-BATCH", () => {
  it("does not fire without /execution-parameters, and answers the samples as the endpoint did; stops the batch server", async () => {
    const { endpoints, runner, container } = serveSandbox({ samples: [CSV] });
    expect(passDetail(await runServeCheck(check, endpoints))).toMatch(
      /^\/execution-parameters not implemented \(HTTP 404 after \d+ ms\): the job's settings and the defaults apply; the samples answered as on the endpoint$/,
    );
    expect(runner.requests.map((r) => r.spec.env.some(([k]) => k === "SAGEMAKER_BATCH"))).toEqual([false, true]);
    expect(container(1).received.filter((r) => r !== "GET /ping")).toEqual(["GET /execution-parameters", "POST /invocations"]);
    expect(container(1).removed).toBe(true); // removed, with no grace to wait out
    expect(container(0).running()).toBe(true);
  });

  it("does not fire on valid execution parameters", async () => {
    const body = '{"MaxConcurrentTransforms": 2, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}';
    const { endpoints } = serveSandbox({}, executionParameters(200, body));
    expect(passDetail(await runServeCheck(check, endpoints))).toBe(`/execution-parameters: ${body}`);
  });

  it("fires on execution parameters past the limits, one finding each", async () => {
    const { endpoints } = serveSandbox({}, executionParameters(200, '{"MaxConcurrentTransforms": 8, "BatchStrategy": "MultiRecord", "MaxPayloadInMB": 20}'));
    const findings = findingsOf(await runServeCheck(check, endpoints));
    expect(findings.map((f) => f.message)).toEqual([
      'GET /execution-parameters answered 200, but BatchStrategy is "MultiRecord", not MULTI_RECORD or SINGLE_RECORD (that is the API\'s spelling; this answer uses MULTI_RECORD or SINGLE_RECORD)',
      "GET /execution-parameters answered 200, but MaxConcurrentTransforms x MaxPayloadInMB is 160 MB, over the 100 MB allowed",
    ]);
    expect(findings[0]!.evidence.location).toBeUndefined();
  });

  it("fires on execution parameters that are not JSON", async () => {
    const { endpoints } = serveSandbox({}, executionParameters(200, "MaxConcurrentTransforms=2"));
    expect(onlyFinding(await runServeCheck(check, endpoints)).message).toBe("GET /execution-parameters answered 200, but the answer is not JSON");
  });

  it("fires when the server does not start under the batch variables", async () => {
    const { endpoints } = serveSandbox({}, { start: (c) => void (c.env("SAGEMAKER_BATCH") && c.exit(1)) });
    expect(onlyFinding(await runServeCheck(check, endpoints)).message).toBe(
      "with SAGEMAKER_BATCH=true SAGEMAKER_MAX_PAYLOAD_IN_MB=6 SAGEMAKER_BATCH_STRATEGY=MULTI_RECORD SAGEMAKER_MAX_CONCURRENT_TRANSFORMS=1 the server did not become ready (exit 1), though it does without them",
    );
  });

  it("fires on a sample the endpoint answered and the batch server does not", async () => {
    const handle: Handler = (req, res, b, c) => (req.url === "/invocations" && c.env("SAGEMAKER_BATCH") ? void res.writeHead(500).end("batch") : healthy(req, res, b, c));
    const { endpoints } = serveSandbox({ samples: [CSV] }, { handle });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^sample\.csv \(text\/csv\) under batch transform: HTTP 500 after \d+ ms, where the endpoint answered it with a 2xx$/);
    expect(f.fix).toBe("Serve /invocations the same way when SAGEMAKER_BATCH is set.");
  });

  it("skips when the plain endpoint never got ready, or without a model", async () => {
    const notReady = serveSandbox({ startupWindowMs: 100 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check, notReady.endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
    expect(notReady.runner.requests).toHaveLength(1);
    expect(skipReason(await runServeCheck(check, serveSandbox({ model: undefined }).endpoints))).toMatch(/^no model/);
  });
});
