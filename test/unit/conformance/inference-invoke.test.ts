import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/inference/invoke.js";
import { closeServe, invocations, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { findingsOf, onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const CSV = sample("sample.csv", "text/csv", "1,2,3\n");
const JSON_SAMPLE = sample("sample.json", "application/json", '{"x": 1}');

describe("INF-INVOKE", () => {
  it("does not fire when every sample gets a 2xx", async () => {
    const { endpoints, container } = serveSandbox({ samples: [CSV, JSON_SAMPLE] });
    expect(passDetail(await runServeCheck(check, endpoints))).toMatch(
      /^sample\.csv \(text\/csv\): HTTP 200 in \d+ ms, 22 bytes; sample\.json \(application\/json\): HTTP 200 in \d+ ms, 22 bytes$/,
    );
    expect(container().received.filter((r) => r.startsWith("POST"))).toHaveLength(2);
  });

  it("fires on a 500, with the first line of the answer and the curl line", async () => {
    const { endpoints, root } = serveSandbox(
      { samples: [CSV] },
      { handle: invocations((_req, res) => void res.writeHead(500, { "Content-Type": "text/plain" }).end("Traceback (most recent call last):\n  File \"predictor.py\"\nValueError: bad shape\n")) },
    );
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^sample\.csv \(text\/csv\): HTTP 500 after \d+ ms: Traceback \(most recent call last\):$/);
    expect(f.fix).toBe("Read the log tail and the response: the server must accept this payload and answer it with a 2xx.");
    const e = await endpoints.endpoint("default");
    expect(f.evidence).toMatchObject({
      actual: "HTTP 500",
      expected: "2xx",
      reproduce: [e.reproduce, `curl -sS -i -X POST -H 'Content-Type: text/csv' --data-binary @${root}/serve-default/requests/sample.csv http://127.0.0.1:8080/invocations`],
      notes: ["endpoint: your model", "replay: start the server with the docker run line, then run the curl line(s)", "the model and request files in these lines go when byoc-check ends: add --keep DIR to keep them"],
    });
  });

  it("gives one finding per failing sample", async () => {
    const { endpoints } = serveSandbox(
      { samples: [CSV, JSON_SAMPLE] },
      { handle: invocations((req, res) => void (req.headers["content-type"] === "text/csv" ? res.writeHead(415).end() : res.writeHead(200).end("{}"))) },
    );
    const findings = findingsOf(await runServeCheck(check, endpoints));
    expect(findings.map((f) => f.message.replace(/ after \d+ ms/, ""))).toEqual(["sample.csv (text/csv): HTTP 415"]);
  });

  it("fires when no answer comes within the invocation timeout", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV] }, { handle: invocations(() => {}) }, { limits: { invocationTimeoutMs: 200 } });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toBe("sample.csv (text/csv): no answer within 200 ms");
    expect(f.fix).toBe("Answer within 0.2 s: InvokeEndpoint gives up then.");
    expect(f.evidence.actual).toBe("timeout");
  });

  it("fires when the answer is over the response limit", async () => {
    const { endpoints } = serveSandbox(
      { samples: [CSV] },
      { handle: invocations((_req, res) => void res.writeHead(200, { "Content-Type": "application/json" }).end(`[${"1,".repeat(2_000)}1]`)) },
      { limits: { responseMaxBytes: 1_024 } },
    );
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toBe("sample.csv (text/csv): the response is over the 1024 bytes InvokeEndpoint can return");
    expect(f.fix).toBe("Return less per request (fewer records, a compact encoding), or use batch transform or asynchronous inference for large outputs.");
    expect(f.evidence.actual).toBe("HTTP 200");
  });

  it("fires when the server dies on the sample", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV] }, { handle: invocations((_req, _res, _body, c) => c.exit(139)) });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^sample\.csv \(text\/csv\): the connection was (closed without an answer|reset) after \d+ ms$/);
  });

  it("skips without a sample, and when the server never got ready", async () => {
    expect(skipReason(await runServeCheck(check, serveSandbox().endpoints))).toBe(
      "no sample request: give --sample FILE[@type] (repeatable) with a body your model accepts",
    );
    const notReady = serveSandbox({ samples: [CSV], startupWindowMs: 100 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check, notReady.endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
    expect(notReady.container().received.filter((r) => r.startsWith("POST"))).toEqual([]);
  });

  it("skips when the server has exited since it got ready", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV] });
    const e = await endpoints.endpoint("default");
    await e.stop();
    expect(skipReason(await runServeCheck(check, endpoints))).toBe("the server has exited (0); see the check that ended it");
  });
});
