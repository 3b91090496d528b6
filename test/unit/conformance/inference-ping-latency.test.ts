import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/inference/ping-latency.js";
import { type Handler, closeServe, healthy, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { findingsOf, onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const CSV = sample("sample.csv", "text/csv", "1,2,3\n");

/**
 * One worker for everything: /ping waits while an invocation runs (or ran in the last few ms, as back-to-back
 * requests keep the worker busy), longer than the 0.3 s ping timeout of these tests.
 */
function singleWorker(): Handler {
  let lastEnd = 0;
  return async (req, res, body, c) => {
    if (req.url === "/invocations") {
      c.inFlight++;
      await new Promise((r) => setImmediate(r));
      c.inFlight--;
      lastEnd = performance.now();
      return void res.writeHead(200, { "Content-Type": "application/json" }).end("[0.5]");
    }
    if (req.url === "/ping" && (c.inFlight > 0 || performance.now() - lastEnd < 50)) await new Promise((r) => setTimeout(r, 600));
    healthy(req, res, body, c);
  };
}

describe("INF-PING-LATENCY", () => {
  it("does not fire when /ping answers quickly, idle and under load", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV] });
    const detail = passDetail(await runServeCheck(check, endpoints));
    expect(detail).toMatch(/^accept \(at the published port, through the Engine's proxy\) p50 \d+ ms, p95 \d+ ms, max \d+ ms over 10; idle \/ping p50 \d+ ms, p95 \d+ ms, max \d+ ms over 20; \/ping under 2 concurrent invocations p50 \d+ ms, p95 \d+ ms, max \d+ ms over \d+$/);
  });

  it("measures /ping idle only without a sample", async () => {
    const { endpoints, container } = serveSandbox();
    expect(passDetail(await runServeCheck(check, endpoints))).toMatch(/over 20 \(no --sample: \/ping under load not measured\)$/);
    expect(container().received.filter((r) => r.startsWith("POST"))).toEqual([]);
  });

  it("fires when /ping stops answering while invocations run", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV] }, { handle: singleWorker() });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^\d+ of \d+ \/ping requests while 2 invocations ran failed or took 0\.3 s or more \(no answer within 300 ms\)$/);
    expect(f.fix).toBe("Answer /ping from a thread or worker that inference cannot block, and answer 200 whenever the server can take requests.");
    expect(f.evidence.expected).toBe("every /ping 200 within 0.3 s");
    // The invocation that kept the worker busy, to replay.
    expect(f.evidence.reproduce).toHaveLength(2);
    expect(f.evidence.reproduce![1]).toContain("/invocations");
  });

  it("fires when an idle /ping answers other than 200", async () => {
    let ready = false;
    const { endpoints } = serveSandbox(
      {},
      {
        handle: (req, res, body, c) => {
          if (req.url === "/ping" && ready) return void res.writeHead(500).end("unhealthy");
          if (req.url === "/ping") ready = true;
          healthy(req, res, body, c);
        },
      },
    );
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toBe("20 of 20 /ping requests on an idle server failed or took 0.3 s or more (HTTP 500)");
    expect(f.evidence.actual).toBe("no 200 at all");
    expect(f.evidence.reproduce).toHaveLength(1);
  });

  it("fires when connections are not accepted within the deadline", async () => {
    // No local connection takes 0 ms: every one is late.
    const { endpoints } = serveSandbox({}, {}, { limits: { acceptMs: 0 } });
    const findings = findingsOf(await runServeCheck(check, endpoints));
    expect(findings[0]!.message).toMatch(/^10 of 10 TCP connections were not accepted within 0 ms \(\d+ ms, \d+ ms, \d+ ms\)$/);
    expect(findings[0]!.fix).toBe("Accept connections promptly: a larger listen backlog, and an accept loop that inference cannot block.");
    expect(findings[0]!.evidence.expected).toBe("under 0 ms");
  });

  it("skips when the server never got ready", async () => {
    const notReady = serveSandbox({ startupWindowMs: 100 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check, notReady.endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
  });
});
