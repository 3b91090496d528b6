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

describe("INF-BAD-TYPE-SURVIVES", () => {
  it("does not fire when the server answers and keeps serving", async () => {
    const { endpoints } = serveSandbox({}, status(415));
    expect(passDetail(await runServeCheck(checkSurvives, endpoints))).toMatch(/^answered HTTP 415 after \d+ ms, and \/ping still answers 200$/);
  });

  it("does not fire on a 500 that leaves the server up (INF-BAD-TYPE-4XX's finding)", async () => {
    expect(passDetail(await runServeCheck(checkSurvives, serveSandbox({}, status(500)).endpoints))).toMatch(/^answered HTTP 500 after \d+ ms/);
  });

  it("fires when the server dies on the request, with its log", async () => {
    const { endpoints } = serveSandbox({}, crash);
    const f = onlyFinding(await runServeCheck(checkSurvives, endpoints));
    expect(f.message).toMatch(/^the server exited \(code 1\) after a request of Content-Type application\/x-byoc-check-unsupported \(the connection was (closed without an answer|reset) after \d+ ms\)$/);
    expect(f.fix).toBe("Catch the error per request: answer 415 Unsupported Media Type and keep serving.");
    expect(f.evidence).toMatchObject({ actual: "exit 1", expected: "still serving" });
    expect(f.evidence.log).toContain("ValueError: unsupported content type");
  });

  it("fires when /ping stops answering 200 after the request", async () => {
    let broken = false;
    const { endpoints } = serveSandbox(
      {},
      {
        handle: (req, res, body, c) => {
          if (req.headers["content-type"] === UNSUPPORTED_TYPE) broken = true;
          if (req.url === "/ping" && broken) return void res.writeHead(500).end("worker died");
          healthy(req, res, body, c);
        },
      },
    );
    const f = onlyFinding(await runServeCheck(checkSurvives, endpoints));
    expect(f.message).toMatch(/^\/ping stopped answering 200 after a request of Content-Type application\/x-byoc-check-unsupported \(HTTP 500 after \d+ ms\)$/);
    expect(f.evidence.actual).toBe("unhealthy");
  });

  it("sends the request once for both checks", async () => {
    const { endpoints, container } = serveSandbox({}, status(415));
    await runServeCheck(check4xx, endpoints);
    await runServeCheck(checkSurvives, endpoints);
    expect(container().received.filter((r) => r === "POST /invocations")).toHaveLength(1);
  });
});
