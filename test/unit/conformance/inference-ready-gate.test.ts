import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/inference/ready-gate.js";
import { type ServerScript, closeServe, healthy, runServeCheck, serveSandbox } from "../helpers/fake-server.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

/** /ping answers 503 until `ms` after the container started. */
function readyAfter(ms: number): ServerScript {
  let t0 = 0;
  return {
    start: () => void (t0 = performance.now()),
    handle: (req, res, body, c) => (req.url === "/ping" && performance.now() - t0 < ms ? void res.writeHead(503).end() : healthy(req, res, body, c)),
  };
}

describe("INF-READY-GATE", () => {
  it("does not fire when the server is ready within the gate", async () => {
    const { endpoints } = serveSandbox({ readyGateMs: 1_000 });
    expect(passDetail(await runServeCheck(check, endpoints))).toMatch(/^ready after 0\.\d s, within the 1\.0 s gate$/);
  });

  it("fires when the server is ready past the gate, within the window", async () => {
    const { endpoints } = serveSandbox({ readyGateMs: 100, startupWindowMs: 2_000 }, readyAfter(150));
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^ready after 0\.[1-4] s, past the 0\.1 s gate \(within the 2s window\)$/);
    expect(f.fix).toBe(
      "The platform's default window allows it, but set ContainerStartupHealthCheckTimeoutInSeconds to at least 60 on the production variant so slower instances pass too, or start faster.",
    );
    expect(f.evidence).toMatchObject({ location: { kind: "option", option: "--ready-gate", value: "100ms" }, expected: "at most 100ms" });
    expect(f.evidence.actual).toMatch(/^0\.[1-4] s$/);
  });

  it("points at the window --startup-timeout set", async () => {
    const { endpoints } = serveSandbox({ readyGateMs: 100, startupWindowMs: 2_000, startupWindowSet: true }, readyAfter(150));
    expect(onlyFinding(await runServeCheck(check, endpoints)).fix).toBe(
      "Set ContainerStartupHealthCheckTimeoutInSeconds to at least 60 on the endpoint's production variant (your --startup-timeout window leaves little room), or start faster.",
    );
  });

  it("skips when the server never got ready, or there is no model", async () => {
    const notReady = serveSandbox({ startupWindowMs: 100 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check, notReady.endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
    expect(skipReason(await runServeCheck(check, serveSandbox({ model: undefined }).endpoints))).toMatch(/^no model/);
  });
});
