import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/inference/concurrency.js";
import { closeServe, invocations, runServeCheck, sample, serveSandbox, sleep } from "../helpers/fake-server.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const CSV = sample("sample.csv", "text/csv", "1,2,3\n");

describe("INF-CONCURRENCY", () => {
  it("does not fire when every client gets an answer", async () => {
    let most = 0;
    const { endpoints } = serveSandbox(
      { samples: [CSV], concurrency: 2 },
      {
        handle: invocations(async (_req, res, _body, c) => {
          most = Math.max(most, ++c.inFlight);
          await new Promise((r) => setTimeout(r, 5)); // long enough for the other client to overlap
          c.inFlight--;
          res.writeHead(200, { "Content-Type": "application/json" }).end("[0.5]");
        }),
      },
    );
    expect(passDetail(await runServeCheck(check, endpoints))).toMatch(/^2 clients at once, (\d+) requests, every one answered with a 2xx; p50 \d+ ms, p95 \d+ ms, max \d+ ms over \1$/);
    expect(most).toBeGreaterThan(1);
  });

  it("fires on a single worker that answers 503 while busy", async () => {
    const { endpoints } = serveSandbox(
      { samples: [CSV], concurrency: 2 },
      {
        handle: invocations(async (_req, res, _body, c) => {
          if (c.inFlight > 0) return void res.writeHead(503, { "Content-Type": "text/plain" }).end("busy");
          c.inFlight++;
          await sleep(1);
          c.inFlight--;
          res.writeHead(200, { "Content-Type": "application/json" }).end("[0.5]");
        }),
      },
    );
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^\d+ of \d+ invocations from 2 clients at once failed: HTTP 503, where the sample alone got a 2xx$/);
    expect(f.fix).toBe("Queue requests instead of refusing them: more workers or threads, or a server that holds requests until a worker is free.");
    expect(f.evidence.location).toEqual({ kind: "option", option: "--concurrency", value: "2" });
    expect(f.evidence.expected).toBe("a 2xx for every request");
    expect((f.evidence.actual as string[])[0]).toMatch(/^HTTP 503 after \d+ ms$/);
    expect(f.evidence.reproduce!.length).toBeLessThanOrEqual(3);
  });

  it("fires on a 429 under load: any answer but a 2xx reaches the client as a ModelError", async () => {
    const { endpoints } = serveSandbox(
      { samples: [CSV], concurrency: 2 },
      {
        handle: invocations(async (_req, res, _body, c) => {
          if (c.inFlight > 0) return void res.writeHead(429, { "Content-Type": "text/plain" }).end("slow down");
          c.inFlight++;
          await sleep(1);
          c.inFlight--;
          res.writeHead(200, { "Content-Type": "application/json" }).end("[0.5]");
        }),
      },
    );
    expect(onlyFinding(await runServeCheck(check, endpoints)).message).toMatch(/failed: HTTP 429, where the sample alone got a 2xx$/);
  });

  it("fires when the server dies under load", async () => {
    let n = 0;
    const { endpoints } = serveSandbox(
      { samples: [CSV], concurrency: 2 },
      { handle: invocations((_req, res, _body, c) => (++n === 5 ? c.exit(137) : void res.writeHead(200).end("[0.5]"))) },
    );
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^\d+ of \d+ invocations from 2 clients at once failed: /);
    expect(f.message).toMatch(/the connection was|connection refused/);
  });

  it("skips when the sample fails on its own (INF-INVOKE's finding), without a load", async () => {
    const { endpoints, container } = serveSandbox({ samples: [CSV] }, { handle: invocations((_req, res) => void res.writeHead(400).end("bad")) });
    expect(skipReason(await runServeCheck(check, endpoints))).toMatch(/^the sample already fails on its own \(HTTP 400 after \d+ ms\); see INF-INVOKE$/);
    expect(container().received.filter((r) => r.startsWith("POST"))).toHaveLength(1);
  });

  it("skips without a sample, and when the server never got ready", async () => {
    expect(skipReason(await runServeCheck(check, serveSandbox().endpoints))).toMatch(/^no sample request/);
    const notReady = serveSandbox({ samples: [CSV], startupWindowMs: 100 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check, notReady.endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
  });

  it("skips, rather than errs, with samples but no model", async () => {
    expect(skipReason(await runServeCheck(check, serveSandbox({ samples: [CSV], model: undefined }).endpoints))).toMatch(/^no model/);
  });
});
