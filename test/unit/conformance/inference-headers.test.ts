import { afterEach, describe, expect, it } from "vitest";
import check, { sagemakerHeaders } from "../../../conformance/inference/headers.js";
import { closeServe, healthy, invocations, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const CSV = sample("sample.csv", "text/csv", "1,2,3\n");

describe("INF-HEADERS", () => {
  it("sends SageMaker's headers as a real client does", () => {
    const h = sagemakerHeaders();
    expect(h["X-Amzn-SageMaker-Custom-Attributes"]).toBe("trace_id=byoc-check,attempt=1");
    expect(h["X-Amzn-SageMaker-Inference-Id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sagemakerHeaders()["X-Amzn-SageMaker-Inference-Id"]).not.toBe(h["X-Amzn-SageMaker-Inference-Id"]);
  });

  it("does not fire when the answers with the headers are as without them", async () => {
    const seen: Array<string | undefined> = [];
    const { endpoints } = serveSandbox(
      { samples: [CSV] },
      {
        handle: (req, res, body, c) => {
          seen.push(req.headers["x-amzn-sagemaker-custom-attributes"] as string | undefined);
          healthy(req, res, body, c);
        },
      },
    );
    expect(passDetail(await runServeCheck(check, endpoints))).toBe("2 requests answered as without the headers");
    expect(seen).toContain("trace_id=byoc-check,attempt=1");
  });

  it("checks /ping alone without a sample", async () => {
    const { endpoints } = serveSandbox();
    expect(passDetail(await runServeCheck(check, endpoints))).toBe("1 request answered as without the headers (only /ping: no --sample given)");
  });

  it("fires on a server that parses X-Amzn-SageMaker-Custom-Attributes as JSON", async () => {
    const { endpoints } = serveSandbox(
      { samples: [CSV] },
      {
        handle: invocations((req, res) => {
          const attrs = req.headers["x-amzn-sagemaker-custom-attributes"] as string | undefined;
          try {
            if (attrs) JSON.parse(attrs);
            res.writeHead(200, { "Content-Type": "application/json" }).end("[0.5]");
          } catch {
            res.writeHead(500).end("JSONDecodeError: Expecting value: line 1 column 1");
          }
        }),
      },
    );
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^sample\.csv \(text\/csv\) with SageMaker's headers: HTTP 500 after \d+ ms, where without them it got HTTP 200 after \d+ ms$/);
    expect(f.fix).toBe("Ignore headers you do not use; read X-Amzn-SageMaker-Custom-Attributes as an opaque string, never as JSON.");
    expect(f.evidence).toMatchObject({ actual: "HTTP 500", expected: "the same 2xx" });
    // The docker run line, then the request with the headers, then the one without.
    expect(f.evidence.reproduce).toHaveLength(3);
    expect(f.evidence.reproduce![1]).toContain("-H 'X-Amzn-SageMaker-Custom-Attributes: trace_id=byoc-check,attempt=1'");
    expect(f.evidence.reproduce![2]).not.toContain("X-Amzn");
  });

  it("fires on a /ping that refuses the headers", async () => {
    const { endpoints } = serveSandbox({}, { handle: (req, res, body, c) => (req.headers["x-forwarded-for"] ? void res.writeHead(400).end() : healthy(req, res, body, c)) });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^GET \/ping with SageMaker's headers: HTTP 400 after \d+ ms$/);
  });

  it("does not compare a sample that failed without the headers (INF-INVOKE's finding)", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV] }, { handle: invocations((_req, res) => void res.writeHead(500).end()) });
    expect(passDetail(await runServeCheck(check, endpoints))).toBe("1 request answered as without the headers");
  });

  it("skips when the server never got ready", async () => {
    const notReady = serveSandbox({ startupWindowMs: 100 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check, notReady.endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
  });
});
