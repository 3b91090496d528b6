import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/inference/ready.js";
import { LOOPBACK_ONLY, type ServerScript, closeServe, modelDir, runServeCheck, serveSandbox } from "../helpers/fake-server.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const NOT_KEPT = "the model and request files in these lines go when byoc-check ends: add --keep DIR to keep them";
const loading: ServerScript = { handle: (_req, res) => void res.writeHead(503).end("loading model") };

describe("INF-READY", () => {
  it("does not fire when /ping answers 200", async () => {
    const { endpoints } = serveSandbox();
    expect(passDetail(await runServeCheck(check, endpoints))).toMatch(/^\/ping answered 200 \d+ ms after the container started \(\d+ polls?\)$/);
  });

  it("fires when the container cannot start its program", async () => {
    const { endpoints } = serveSandbox({}, { startError: 'exec: "serve": executable file not found in $PATH', log: "" });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    const e = await endpoints.endpoint("default");
    expect(f.message).toBe('the container could not start its program: exec: "serve": executable file not found in $PATH');
    expect(f.fix).toBe("Give the image an exec-form ENTRYPOINT that handles the `serve` argument, or an executable named `serve` on PATH.");
    expect(f.evidence).toEqual({ location: { kind: "config", field: "Config.Entrypoint" }, reproduce: [e.reproduce], notes: ["endpoint: your model", NOT_KEPT] });
  });

  it("fires when the server exits before /ping answers, with its log", async () => {
    const { endpoints } = serveSandbox(
      {},
      {
        ...loading,
        start: (c) => {
          c.say("Loading model from /opt/ml/model");
          c.say("OSError: [Errno 30] Read-only file system: '/opt/ml/model/cache'");
          setTimeout(() => c.exit(1), 60);
        },
      },
    );
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^the server exited with code 1 0\.\d s after it started, before \/ping answered 200$/);
    expect(f.fix).toContain("a write to the read-only /opt/ml/model");
    expect(f.evidence.actual).toBe("exit 1");
    expect(f.evidence.log).toBe("Loading model from /opt/ml/model\nOSError: [Errno 30] Read-only file system: '/opt/ml/model/cache'");
  });

  it("says when the server was killed for memory", async () => {
    const { endpoints } = serveSandbox({}, { ...loading, start: (c) => void setTimeout(() => c.exit(137, { oomKilled: true }), 30) });
    expect(onlyFinding(await runServeCheck(check, endpoints)).message).toMatch(/^the server was killed for running out of memory 0\.\d s after it started/);
  });

  it("fires when /ping has not answered 200 at the window's end, with the last answer", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 250 }, loading);
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^\/ping did not answer 200 within the 250ms \(the platform default\) start-up window \(\d+ polls; the last: HTTP 503: loading model\)$/);
    expect(f.fix).toBe(
      "Serve GET /ping on 0.0.0.0:8080 and answer 200 once ready; if loading the model really takes longer, set ContainerStartupHealthCheckTimeoutInSeconds and pass it here as --startup-timeout.",
    );
    expect(f.evidence).toMatchObject({ actual: "HTTP 503: loading model", expected: "200 within 250ms (the platform default)" });
  });

  it("names --startup-timeout when it set the window", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 250, startupWindowSet: true }, loading);
    expect(onlyFinding(await runServeCheck(check, endpoints)).message).toContain("within the 250ms (--startup-timeout) start-up window");
  });

  it("fires on a server bound to 127.0.0.1, well before the window ends", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 4_000 }, { listen: false, listeners: LOOPBACK_ONLY });
    const t0 = performance.now();
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(f.message).toBe("the server listens on 127.0.0.1:8080 inside the container, a loopback address nothing outside the container can reach; /ping never answered");
    expect(f.fix).toBe('Bind the server to 0.0.0.0:8080 (all interfaces), e.g. gunicorn --bind 0.0.0.0:8080, app.run(host="0.0.0.0").');
    expect(f.evidence).toMatchObject({ actual: ["127.0.0.1:8080"], expected: "0.0.0.0:8080" });
  });

  it("says where the server listens when it is not port 8080", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 200 }, { listen: false, listeners: [{ address: "0.0.0.0", port: 5000, loopback: false }] });
    expect(onlyFinding(await runServeCheck(check, endpoints)).message).toMatch(
      /^\/ping did not answer 200 within the 200ms \(the platform default\) start-up window \(\d+ polls; the last: connection refused\); it listens on 0\.0\.0\.0:5000, not on port 8080$/,
    );
  });

  it("guesses at loopback when the sockets cannot be read", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 200 }, { listen: false, listeners: undefined });
    expect(onlyFinding(await runServeCheck(check, endpoints)).message).toMatch(/; if its log says it listens, it probably binds 127\.0\.0\.1 inside the container instead of 0\.0\.0\.0$/);
  });

  it("skips without a model", async () => {
    const { endpoints, runner } = serveSandbox({ model: undefined });
    expect(skipReason(await runServeCheck(check, endpoints))).toBe("no model: give --model DIR or --model model.tar.gz (--model none for an image that carries its own model)");
    expect(runner.requests).toEqual([]);
  });

  it("skips when the trained model it should serve is not there", async () => {
    const why = "the training job that would have produced the model did not succeed (see TRN-SUCCESS-EXIT); give --model to serve another";
    const { endpoints } = serveSandbox({ model: { kind: "trained" } }, {}, { trainedModel: async () => ({ unavailable: why }) });
    expect(skipReason(await runServeCheck(check, endpoints))).toBe(why);
    expect(await endpoints.unavailable()).toBe(why);
  });

  it("serves the trained model once training made it", async () => {
    const { endpoints, runner } = serveSandbox({ model: { kind: "trained" } }, {}, { trainedModel: async () => ({ dir: modelDir() }) });
    expect(await endpoints.unavailable()).toBeUndefined();
    passDetail(await runServeCheck(check, endpoints));
    expect(runner.requests).toHaveLength(1);
  });
});
