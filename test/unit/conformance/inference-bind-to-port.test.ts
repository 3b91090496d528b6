import { afterEach, describe, expect, it } from "vitest";
import check, { BIND_LABEL } from "../../../conformance/inference/bind-to-port.js";
import { bindPort, closeServe, runServeCheck, serveSandbox } from "../helpers/fake-server.js";
import { config } from "../helpers/memory-image.js";
import { findingsOf, onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const LABELLED = config({ Entrypoint: ["/opt/program/serve"], Labels: { [BIND_LABEL]: "true" } });

describe("INF-BIND-TO-PORT", () => {
  it("does not fire when the server serves on SAGEMAKER_BIND_TO_PORT only, and stops it after", async () => {
    const { endpoints, container } = serveSandbox();
    expect(passDetail(await runServeCheck(check, endpoints, LABELLED))).toMatch(/^with SAGEMAKER_BIND_TO_PORT=9081 \/ping answered 200 on 9081 after 0\.\d s, and nothing on 8080$/);
    expect(container().removed).toBe(true); // removed, with no grace to wait out
  });

  it("fires when the server keeps to 8080, caught long before the window ends", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 5_000 }, { listenOn: () => [8080] });
    const t0 = performance.now();
    const f = onlyFinding(await runServeCheck(check, endpoints, LABELLED));
    expect(performance.now() - t0).toBeLessThan(2_500);
    expect(f.message).toBe(`the image carries ${BIND_LABEL}=true, but with SAGEMAKER_BIND_TO_PORT=9081 the server still serves on 8080 and never answered on 9081`);
    expect(f.fix).toBe("Read SAGEMAKER_BIND_TO_PORT (default 8080) and bind the server there.");
    expect(f.evidence).toMatchObject({ location: { kind: "config", field: `Config.Labels.${BIND_LABEL}` }, actual: "port 8080", expected: "port 9081" });
  });

  it("fires when the server answers on the port it was given and on 8080 too", async () => {
    const { endpoints } = serveSandbox({}, { listenOn: (c) => [bindPort(c), 8080] });
    const f = onlyFinding(await runServeCheck(check, endpoints, LABELLED));
    expect(f.message).toBe("with SAGEMAKER_BIND_TO_PORT=9081 the server answers on 9081 and still on 8080, outside SAGEMAKER_SAFE_PORT_RANGE=9081-9099");
    expect(f.evidence.actual).toMatch(/^GET \/ping on 8080: HTTP 200 after \d+ ms$/);
  });

  it("fires on another port opened outside the safe range", async () => {
    const listeners = [
      { address: "0.0.0.0", port: 9081, loopback: false },
      { address: "0.0.0.0", port: 9090, loopback: false },
      { address: "127.0.0.1", port: 6379, loopback: true },
    ];
    const { endpoints } = serveSandbox({}, { listeners });
    const findings = findingsOf(await runServeCheck(check, endpoints, LABELLED));
    expect(findings.map((f) => f.message)).toEqual(["the server also listens on 127.0.0.1:6379, outside SAGEMAKER_SAFE_PORT_RANGE=9081-9099"]);
    expect(findings[0]!.evidence.expected).toBe("ports within 9081-9099");
  });

  it("fires when SAGEMAKER_BIND_TO_PORT makes the server exit", async () => {
    const { endpoints } = serveSandbox({}, { start: (c) => void (c.env("SAGEMAKER_BIND_TO_PORT") && c.exit(2)) });
    expect(onlyFinding(await runServeCheck(check, endpoints, LABELLED)).message).toMatch(/^with SAGEMAKER_BIND_TO_PORT=9081 the server exited with code 2 0\.\d s after it started$/);
  });

  it("fires when nothing answers on the port, saying what came back", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 200 }, { listen: false, listeners: [] });
    expect(onlyFinding(await runServeCheck(check, endpoints, LABELLED)).message).toBe("with SAGEMAKER_BIND_TO_PORT=9081 /ping on port 9081 did not answer 200 (the last: connection refused)");
  });

  it("skips an image without the label, without starting anything", async () => {
    const { endpoints, runner } = serveSandbox();
    expect(skipReason(await runServeCheck(check, endpoints, config({ Labels: { [BIND_LABEL]: "false" } })))).toBe(
      `the image does not carry ${BIND_LABEL}=true, so SageMaker never sets SAGEMAKER_BIND_TO_PORT for it (and refuses it in pipelines and multi-container endpoints)`,
    );
    expect(runner.requests).toEqual([]);
  });

  it("skips when the container did not start, or without a model", async () => {
    expect(skipReason(await runServeCheck(check, serveSandbox({}, { startError: "no serve" }).endpoints, LABELLED))).toBe("the container did not start; see INF-READY");
    expect(skipReason(await runServeCheck(check, serveSandbox({ model: undefined }).endpoints, LABELLED))).toMatch(/^no model/);
  });
});
