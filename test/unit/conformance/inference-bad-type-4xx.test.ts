import { afterEach, describe, expect, it } from "vitest";
import check4xx from "../../../conformance/inference/bad-type-4xx.js";
import checkSurvives from "../../../conformance/inference/bad-type-survives.js";
import { UNSUPPORTED_TYPE } from "../../../conformance/serve-run.js";
import { type Handler, type ServerScript, closeServe, healthy, invocations, runServeCheck, serveSandbox } from "../helpers/fake-server.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

/** Answers the unsupported type with `bad`, anything else as a healthy server does. */
const onBadType = (bad: Handler): ServerScript => ({
  handle: invocations((req, res, body, c) => (req.headers["content-type"] === UNSUPPORTED_TYPE ? bad(req, res, body, c) : healthy(req, res, body, c))),
});
const status = (code: number): ServerScript => onBadType((_req, res) => void res.writeHead(code, { "Content-Type": "text/plain" }).end(`status ${code}`));
const crash = onBadType((_req, _res, _body, c) => {
  c.say("Traceback (most recent call last):");
  c.say("ValueError: unsupported content type application/x-byoc-check-unsupported");
  c.exit(1);
});

describe("INF-BAD-TYPE-4XX", () => {
  it("judges the request INF-BAD-TYPE-SURVIVES sent, after it killed the server, as in a real run's order", async () => {
    const { endpoints } = serveSandbox({}, crash);
    expect((await runServeCheck(checkSurvives, endpoints)).status).toBe("fail");
    const f = onlyFinding(await runServeCheck(check4xx, endpoints));
    expect(f.message).toMatch(/got no answer \(the connection was closed without an answer after \d+ ms\), not a 4xx$/);
  });

  it("does not fire on a 415", async () => {
    const { endpoints, container } = serveSandbox({}, status(415));
    expect(passDetail(await runServeCheck(check4xx, endpoints))).toBe("answered 415");
    expect(container().received).toContain("POST /invocations");
  });

  it("does not fire on another 4xx, naming the better one", async () => {
    expect(passDetail(await runServeCheck(check4xx, serveSandbox({}, status(400)).endpoints))).toBe("answered 400 (415 Unsupported Media Type says it best)");
  });

  it("does not fire on a server that takes any Content-Type", async () => {
    expect(passDetail(await runServeCheck(check4xx, serveSandbox().endpoints))).toBe("answered 200: the server takes any Content-Type");
  });

  it("fires on a 500", async () => {
    const { endpoints, root } = serveSandbox({}, status(500));
    const f = onlyFinding(await runServeCheck(check4xx, endpoints));
    expect(f.message).toMatch(/^a request of Content-Type application\/x-byoc-check-unsupported got HTTP 500 after \d+ ms, not a 4xx$/);
    expect(f.fix).toBe("Answer 415 Unsupported Media Type (any 4xx will do) for a Content-Type you do not support.");
    expect(f.evidence).toMatchObject({ actual: "HTTP 500", expected: "415" });
    expect(f.evidence.reproduce![1]).toBe(
      `curl -sS -i -X POST -H 'Content-Type: application/x-byoc-check-unsupported' --data-binary @${root}/serve-default/requests/unsupported-type.bin http://127.0.0.1:8080/invocations`,
    );
  });

  it("fires when the connection drops instead of an answer", async () => {
    const f = onlyFinding(await runServeCheck(check4xx, serveSandbox({}, crash).endpoints));
    expect(f.message).toMatch(/^a request of Content-Type application\/x-byoc-check-unsupported got no answer \(the connection was (closed without an answer|reset) after \d+ ms\), not a 4xx$/);
    expect(["closed", "reset"]).toContain(f.evidence.actual);
  });

  it("skips when the server never got ready", async () => {
    const notReady = serveSandbox({ startupWindowMs: 100 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check4xx, notReady.endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
  });
});
