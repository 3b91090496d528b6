import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Endpoint, Readiness } from "../../../../src/engine/serve/endpoints.js";
import { ConfigError } from "../../../../src/errors.js";
import { packModel } from "../../../../src/image/model-archive.js";
import { sampleDir, tempDir } from "../../helpers/fake-jobs.js";
import {
  ALL_INTERFACES,
  IMAGE_ID,
  IMAGE_TAG,
  LOOPBACK_ONLY,
  type ServerScript,
  closeServe,
  healthy,
  invocations,
  modelDir,
  sample,
  serveSandbox,
} from "../../helpers/fake-server.js";

afterEach(closeServe);

function ready(r: Readiness): Extract<Readiness, { kind: "ready" }> {
  expect(r.kind, JSON.stringify(r)).toBe("ready");
  if (r.kind !== "ready") throw new Error("not ready");
  return r;
}

function notReady(r: Readiness): Extract<Readiness, { kind: "not-ready" }> {
  expect(r.kind, JSON.stringify(r)).toBe("not-ready");
  if (r.kind !== "not-ready") throw new Error("ready");
  return r;
}

/** A server whose /ping answers 503 until `ms` after it started, then 200. */
function readyAfter(ms: number): ServerScript {
  let t0 = 0;
  return {
    start: () => void (t0 = performance.now()),
    handle: (req, res, body, c) => (req.url === "/ping" && performance.now() - t0 < ms ? void res.writeHead(503).end("loading") : healthy(req, res, body, c)),
  };
}

describe("createEndpoints: starting the server", () => {
  it("starts `serve` with the model read-only at /opt/ml/model and port 8080 published, the image by id", async () => {
    const model = modelDir();
    const { endpoints, runner } = serveSandbox({ model: { kind: "dir", path: model }, env: [["MODEL_NAME", "m"]] });
    const e = await endpoints.endpoint("default");
    expect(runner.requests).toHaveLength(1);
    expect(runner.requests[0]!.spec).toEqual({
      image: IMAGE_ID,
      env: [["MODEL_NAME", "m"]],
      mounts: [{ source: model, target: "/opt/ml/model", readOnly: true }],
      network: "bridge",
      ports: [8080],
      cmd: ["serve"],
    });
    expect(e.reproduce).toBe(`docker run --rm -p 127.0.0.1:8080:8080 -e MODEL_NAME=m -v ${model}:/opt/ml/model:ro ${IMAGE_TAG} serve`);
    expect(e).toMatchObject({ scenario: "default", what: "your model", kept: false });
  });

  it("is ready as soon as /ping answers 200, with a plausible time and the polls counted", async () => {
    const { endpoints, container } = serveSandbox();
    const e = await endpoints.endpoint("default");
    const r = ready(e.readiness);
    expect(r.afterMs).toBeGreaterThanOrEqual(0);
    expect(r.afterMs).toBeLessThan(500);
    expect(r.polls).toBeGreaterThanOrEqual(1);
    expect(container().received.filter((x) => x === "GET /ping").length).toBeGreaterThanOrEqual(1);
    expect(e.running()).toBe(true);
  });

  it("polls every 25 ms until /ping answers 200, and times the 200", async () => {
    const { endpoints, container } = serveSandbox({}, readyAfter(150));
    const r = ready((await endpoints.endpoint("default")).readiness);
    expect(r.afterMs).toBeGreaterThanOrEqual(150);
    expect(r.afterMs).toBeLessThan(400);
    // 150 ms at one poll per 25 ms: about 7 polls (timers may run late, never early).
    expect(r.polls).toBeGreaterThanOrEqual(5);
    expect(r.polls).toBeLessThanOrEqual(16);
    expect(container().received.filter((x) => x === "GET /ping").length).toBeGreaterThanOrEqual(r.polls - 1);
  });

  it("reports an exit during start-up", async () => {
    const { endpoints } = serveSandbox({}, { start: (c) => void setTimeout(() => c.exit(3), 80), handle: (_req, res) => void res.writeHead(503).end() });
    const e = await endpoints.endpoint("default");
    expect(e.readiness).toMatchObject({ kind: "exited", exit: { exitCode: 3, oomKilled: false } });
    expect(e.running()).toBe(false);
    expect(e.exit()?.exitCode).toBe(3);
  });

  it("reports an exec failure (the program could not run) as a start error", async () => {
    const why = 'exec: "serve": executable file not found in $PATH';
    const { endpoints } = serveSandbox({}, { start: (c) => void setTimeout(() => c.exit(127, { execFailed: why }), 10), listen: false });
    expect((await endpoints.endpoint("default")).readiness).toEqual({ kind: "start-error", message: why });
  });

  it("reports a container the Engine could not start; its endpoint refuses requests", async () => {
    const { endpoints } = serveSandbox({ samples: [sample()] }, { startError: "OCI runtime create failed: no such file", log: "boom\n" });
    const e = await endpoints.endpoint("default");
    expect(e.readiness).toEqual({ kind: "start-error", message: "OCI runtime create failed: no such file" });
    expect(e.running()).toBe(false);
    expect(e.exit()).toBeUndefined();
    expect(e.log().text).toBe("boom\n");
    expect(await e.listeners()).toBeUndefined();
    await expect(e.invokeSamples()).rejects.toThrow("the server did not start: OCI runtime create failed: no such file");
    await expect(e.ping()).rejects.toThrow("the server did not start");
    expect(await e.stop()).toEqual({ signal: "SIGTERM", graceMs: 0, finishedFirst: true, killedAtDeadline: false });
    expect(e.modelChanges()).toEqual([]);
    expect(endpoints.started()).toEqual([e]);
  });

  it("is not ready at the window's end, with the last answer and the sockets", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 300 }, { handle: (_req, res) => void res.writeHead(503).end("  loading\n the model ") });
    const r = notReady((await endpoints.endpoint("default")).readiness);
    expect(r.afterMs).toBeGreaterThanOrEqual(300);
    expect(r.afterMs).toBeLessThan(800);
    expect(r.polls).toBeGreaterThanOrEqual(8);
    expect(r.last).toBe("HTTP 503: loading the model");
    expect(r.listeners).toEqual(ALL_INTERFACES);
    expect(r.loopbackOnly).toBe(false);
  });

  it("is not ready when nothing accepts connections, saying so", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 200 }, { listen: false, listeners: [] });
    const r = notReady((await endpoints.endpoint("default")).readiness);
    expect(r.last).toBe("connection refused");
    expect(r.listeners).toEqual([]);
    expect(r.loopbackOnly).toBe(false);
  });

  it("leaves out the sockets where they cannot be read", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 200 }, { listen: false, listeners: undefined });
    const r = notReady((await endpoints.endpoint("default")).readiness);
    expect(r.listeners).toBeUndefined();
    expect(r.loopbackOnly).toBe(false);
  });

  it("reports a server bound to loopback only as soon as its sockets show it, long before the window ends", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 4_000 }, { listen: false, listeners: LOOPBACK_ONLY });
    const t0 = performance.now();
    const r = notReady((await endpoints.endpoint("default")).readiness);
    expect(r.loopbackOnly).toBe(true);
    expect(r.listeners).toEqual(LOOPBACK_ONLY);
    // Two readings of the sockets, one second apart.
    expect(r.afterMs).toBeLessThan(2_000);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it("does not call a server loopback-only when it also listens on all interfaces", async () => {
    const listeners = [...LOOPBACK_ONLY, { address: "::", port: 8080, loopback: false }];
    const { endpoints } = serveSandbox({ startupWindowMs: 300 }, { listen: false, listeners });
    expect(notReady((await endpoints.endpoint("default")).readiness).loopbackOnly).toBe(false);
  });

  it("is not ready when the Engine published no port", async () => {
    const { endpoints } = serveSandbox({}, { publish: false });
    expect((await endpoints.endpoint("default")).readiness).toEqual({ kind: "not-ready", afterMs: 0, polls: 0, last: "the Engine published no port for the container", loopbackOnly: false });
  });

  it("stops waiting when the run is aborted", async () => {
    const ac = new AbortController();
    const { endpoints } = serveSandbox({ startupWindowMs: 5_000 }, { handle: (_req, res) => void res.writeHead(503).end() }, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("interrupted by SIGINT")), 50);
    await expect(endpoints.endpoint("default")).rejects.toThrow("interrupted by SIGINT");
  });

  it("starts each scenario once", async () => {
    const { endpoints, runner } = serveSandbox();
    const [a, b] = await Promise.all([endpoints.endpoint("default"), endpoints.endpoint("default")]);
    expect(a).toBe(b);
    expect(runner.requests).toHaveLength(1);
    const w = await endpoints.endpoint("writable-model");
    expect(endpoints.started()).toEqual([a, w]);
  });
});

describe("the endpoint's model", () => {
  it("is needed: without one the sandbox says why", async () => {
    expect(await serveSandbox({ model: undefined }).endpoints.unavailable()).toBe(
      "no model: give --model DIR or --model model.tar.gz (--model none for an image that carries its own model)",
    );
    expect(await serveSandbox().endpoints.unavailable()).toBeUndefined();
  });

  it("mounts an empty directory for --model none", async () => {
    const { endpoints, runner, root } = serveSandbox({ model: { kind: "none" } });
    await endpoints.endpoint("default");
    const m = runner.requests[0]!.spec.mounts[0]!;
    expect(m).toEqual({ source: join(root, "model-none"), target: "/opt/ml/model", readOnly: true });
    expect(readdirSync(m.source)).toEqual([]);
  });

  it("unpacks a model.tar.gz and mounts what it holds", async () => {
    const src = sampleDir({ "model.json": '{"w": 1}', "weights/layer-0.bin": "0123" });
    const archive = await packModel(src, join(tempDir("unit-serve-"), "model.tar.gz"));
    const { endpoints, runner, root } = serveSandbox({ model: { kind: "archive", path: archive } });
    await endpoints.endpoint("default");
    await endpoints.endpoint("writable-model");
    const sources = runner.requests.map((r) => r.spec.mounts[0]!.source);
    expect(sources[0]).toBe(join(root, "model-unpacked"));
    expect(readFileSync(join(sources[0]!, "model.json"), "utf8")).toBe('{"w": 1}');
    expect(readFileSync(join(sources[0]!, "weights", "layer-0.bin"), "utf8")).toBe("0123");
    // Unpacked once; the writable scenario copies it.
    expect(readFileSync(join(sources[1]!, "weights", "layer-0.bin"), "utf8")).toBe("0123");
  });

  it("refuses an archive that is not a gzipped tar", async () => {
    const bad = join(tempDir("unit-serve-"), "model.tar.gz");
    writeFileSync(bad, "not a tar");
    const { endpoints } = serveSandbox({ model: { kind: "archive", path: bad } });
    const e = await endpoints.endpoint("default").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toBe(`--model ${bad} is not a gzipped tar archive`);
  });

  it("asks training for its model once, and says why when there is none", async () => {
    let asked = 0;
    const why = "the training job that would have produced the model did not succeed (see TRN-SUCCESS-EXIT); give --model to serve another";
    const { endpoints, runner } = serveSandbox({ model: { kind: "trained" } }, {}, { trainedModel: async () => (asked++, { unavailable: why }) });
    expect(await endpoints.unavailable()).toBe(why);
    expect(await endpoints.unavailable()).toBe(why);
    expect(asked).toBe(1);
    expect(runner.requests).toEqual([]);
  });

  it("mounts the model the training run wrote", async () => {
    const trained = modelDir({ "model.pkl": "x" });
    const { endpoints, runner } = serveSandbox({ model: { kind: "trained" } }, {}, { trainedModel: async () => ({ dir: trained }), trainingBudgetMs: 5_000 });
    await endpoints.endpoint("default");
    expect(runner.requests[0]!.spec.mounts[0]!.source).toBe(trained);
  });
});

describe("requests", () => {
  const csv = sample("sample.csv", "text/csv", "1,2,3\n");
  const json = sample("sample.json", "application/json", '{"x": [1]}');

  it("invokes each sample once, in order, however often asked", async () => {
    const { endpoints, container } = serveSandbox({ samples: [csv, json], accept: "application/json" });
    const e = await endpoints.endpoint("default");
    const [a, b] = await Promise.all([e.invokeSamples(), e.invokeSamples()]);
    expect(a).toBe(b);
    expect(container().received.filter((x) => x.startsWith("POST"))).toEqual(["POST /invocations", "POST /invocations"]);
    expect(a!.map((x) => x.label)).toEqual(["sample.csv (text/csv)", "sample.json (application/json)"]);
    expect(a![0]).toMatchObject({ method: "POST", path: "/invocations", headers: { "Content-Type": "text/csv", Accept: "application/json" }, bodyBytes: 6, alive: true });
    expect(a![0]!.outcome).toMatchObject({ ok: true, status: 200 });
  });

  it("records a curl line that replays the request from the body it saved", async () => {
    const { endpoints, root } = serveSandbox({ samples: [csv], accept: "application/json" });
    const e = await endpoints.endpoint("default");
    const [x] = await e.invokeSamples();
    const saved = join(root, "serve-default", "requests", "sample.csv");
    expect(x!.curl).toBe(`curl -sS -i -X POST -H 'Content-Type: text/csv' -H 'Accept: application/json' --data-binary @${saved} http://127.0.0.1:8080/invocations`);
    expect(readFileSync(saved, "utf8")).toBe("1,2,3\n");
  });

  it("numbers the saved bodies of requests without a name, and sends a body-less request without one", async () => {
    const { endpoints, root } = serveSandbox();
    const e = await endpoints.endpoint("default");
    const a = await e.send("first", { method: "POST", path: "/invocations", body: Buffer.from("a") });
    const b = await e.send("second", { method: "POST", path: "/invocations", body: Buffer.from("bb") });
    const p = await e.send("ping", { method: "GET", path: "/ping" });
    expect(a.curl).toBe(`curl -sS -i -X POST --data-binary @${join(root, "serve-default", "requests", "request-1.bin")} http://127.0.0.1:8080/invocations`);
    expect(readFileSync(join(root, "serve-default", "requests", "request-2.bin"), "utf8")).toBe("bb");
    expect(b.bodyBytes).toBe(2);
    expect(p.curl).toBe("curl -sS -i -X GET http://127.0.0.1:8080/ping");
    expect(p.bodyBytes).toBe(0);
  });

  it("applies the invocation timeout unless the request sets its own", async () => {
    const { endpoints } = serveSandbox({}, { handle: invocations(() => {}) }, { limits: { invocationTimeoutMs: 150 } });
    const e = await endpoints.endpoint("default");
    const x = await e.send("slow", { method: "POST", path: "/invocations", body: Buffer.from("x") });
    expect(x.outcome).toMatchObject({ ok: false, kind: "timeout", message: "no answer within 150 ms" });
    const y = await e.send("slower", { method: "POST", path: "/invocations", body: Buffer.from("x"), timeoutMs: 50 });
    expect(y.outcome).toMatchObject({ ok: false, kind: "timeout", message: "no answer within 50 ms" });
  });

  it("marks an exchange after which the server was gone", async () => {
    const { endpoints } = serveSandbox({}, { handle: invocations((_req, _res, _body, c) => c.exit(139)) });
    const e = await endpoints.endpoint("default");
    const x = await e.send("crash", { method: "POST", path: "/invocations", body: Buffer.from("x") });
    expect(x.outcome.ok).toBe(false);
    expect(x.alive).toBe(false);
    expect(e.running()).toBe(false);
  });

  it("pings and accepts", async () => {
    const { endpoints } = serveSandbox();
    const e = await endpoints.endpoint("default");
    expect(await e.ping()).toMatchObject({ ok: true, status: 200 });
    expect(await e.accept()).toMatchObject({ ok: true });
    expect(await e.listeners()).toEqual(ALL_INTERFACES);
  });
});

describe("stopping", () => {
  it("sends SIGTERM once; a server that exits promptly is not killed", async () => {
    const { endpoints, container } = serveSandbox({ stopGraceMs: 500 });
    const e = await endpoints.endpoint("default");
    const t0 = performance.now();
    const s = await e.stop();
    expect(s).toMatchObject({ signal: "SIGTERM", graceMs: 500, finishedFirst: false, killedAtDeadline: false });
    expect(s.exitedAfterMs!).toBeLessThan(200);
    expect(performance.now() - t0).toBeLessThan(300);
    expect(await e.stop()).toBe(s);
    expect(container().signals).toEqual(["SIGTERM"]);
    expect(e.running()).toBe(false);
  });

  it("kills a server that ignores SIGTERM when the grace runs out", async () => {
    const { endpoints, container } = serveSandbox({ stopGraceMs: 150 }, { onSignal: "ignore" });
    const e = await endpoints.endpoint("default");
    const s = await e.stop();
    expect(s).toMatchObject({ signal: "SIGTERM", graceMs: 150, finishedFirst: false, killedAtDeadline: true });
    expect(s.exitedAfterMs!).toBeGreaterThanOrEqual(145);
    expect(container().signals).toEqual(["SIGTERM", "SIGKILL"]);
    expect(e.exit()?.exitCode).toBe(137);
  });

  it("uses the spec's grace when --stop-grace is not given", async () => {
    const { endpoints } = serveSandbox({ stopGraceMs: undefined }, { onSignal: "ignore" }, { limits: { stopGraceMs: 120 } });
    const e = await endpoints.endpoint("default");
    expect(await e.stop()).toMatchObject({ graceMs: 120, killedAtDeadline: true });
  });

  it("close() removes every server started", async () => {
    const { endpoints, runner } = serveSandbox();
    await endpoints.endpoint("default");
    await endpoints.endpoint("writable-model");
    await endpoints.close();
    expect(runner.removed).toBe(2);
    expect(runner.containers.map((c) => c.running())).toEqual([false, false]);
  });
});

describe("the writable-model scenario", () => {
  it("mounts a writable copy and lists what the server created or changed in it", async () => {
    const model = modelDir({ "model.json": '{"w": 1}', "vocab/words.txt": "a\n" });
    const { endpoints, runner, root } = serveSandbox(
      { model: { kind: "dir", path: model } },
      {
        start: (c) => {
          if (c.modelReadOnly) return;
          c.writeModelFile("model.lock", "1");
          c.writeModelFile("model.json", '{"w": 1, "compiled": true}');
        },
      },
    );
    const ro = await endpoints.endpoint("default");
    const rw = await endpoints.endpoint("writable-model");
    const mount = runner.requests[1]!.spec.mounts[0]!;
    expect(mount).toEqual({ source: join(root, "serve-writable-model", "model"), target: "/opt/ml/model", readOnly: false });
    expect(rw.reproduce).toContain(`-v ${mount.source}:/opt/ml/model ${IMAGE_TAG} serve`);
    expect(rw.what).toBe("a writable copy of your model (to tell a write to /opt/ml/model apart)");
    expect(statSync(mount.source).mode & 0o777).toBe(0o777);
    expect(rw.modelChanges()).toEqual(["model.json", "model.lock"]);
    expect(ro.modelChanges()).toEqual([]);
    // The user's model is untouched.
    expect(readdirSync(model).sort()).toEqual(["model.json", "vocab"]);
    expect(readFileSync(join(model, "model.json"), "utf8")).toBe('{"w": 1}');
  });

  it("lists a file written while serving, in a new directory", async () => {
    const { endpoints } = serveSandbox({}, { handle: invocations((_req, res, _body, c) => {
      c.writeModelFile("cache/compiled.bin", "x");
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    }) });
    const rw = await endpoints.endpoint("writable-model");
    expect(rw.modelChanges()).toEqual([]);
    await rw.send("write", { method: "POST", path: "/invocations", body: Buffer.from("x") });
    expect(rw.modelChanges()).toEqual(["cache/", "cache/compiled.bin"]);
  });

  it("keeps a run.sh with the docker run line when --keep is given", async () => {
    const keep = tempDir("unit-serve-");
    const { endpoints } = serveSandbox({ keepDir: keep });
    const e: Endpoint = await endpoints.endpoint("default");
    expect(e.kept).toBe(true);
    const run = join(e.dir, "run.sh");
    expect(existsSync(run)).toBe(true);
    expect(readFileSync(run, "utf8")).toContain(e.reproduce);
  });
});

describe("the other hosting modes", () => {
  it("bind-to-port: asks for 9081 within the safe range, publishes 9081 and 8080, and waits on 9081", async () => {
    const ports = new Set<number | undefined>();
    const { endpoints, runner } = serveSandbox({}, { handle: (req, res, body, c) => (ports.add(c.portOf(req)), healthy(req, res, body, c)) });
    const e = await endpoints.endpoint("bind-to-port");
    expect(runner.requests[0]!.spec).toMatchObject({ env: [["SAGEMAKER_BIND_TO_PORT", "9081"], ["SAGEMAKER_SAFE_PORT_RANGE", "9081-9099"]], ports: [9081, 8080] });
    expect(e.reproduce).toContain("-p 127.0.0.1:9081:9081 -p 127.0.0.1:8080:8080 -e SAGEMAKER_BIND_TO_PORT=9081 -e SAGEMAKER_SAFE_PORT_RANGE=9081-9099");
    expect(e.port).toBe(9081);
    ready(e.readiness);
    expect(await e.ping()).toMatchObject({ ok: true, status: 200 });
    // Nothing listens on 8080 in the container: the published port refuses.
    expect(await e.pingDefaultPort()).toMatchObject({ ok: false, kind: "refused" });
    expect([...ports]).toEqual([9081]);
  });

  it("bind-to-port: a server that keeps to 8080 is caught within seconds, with the port it answered on", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 5_000 }, { listenOn: () => [8080] });
    const t0 = performance.now();
    const r = notReady((await endpoints.endpoint("bind-to-port")).readiness);
    expect(r.answeredOn).toBe(8080);
    expect(r.last).toBe("connection refused");
    expect(performance.now() - t0).toBeLessThan(2_500);
  });

  it("bind-to-port: loopback on the bind port is loopback-only, whatever 8080 does", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 5_000 }, { listen: false, listeners: [{ address: "127.0.0.1", port: 9081, loopback: true }] });
    expect(notReady((await endpoints.endpoint("bind-to-port")).readiness).loopbackOnly).toBe(true);
  });

  it("bind-to-port: the curl line replays a request against the port it was sent to", async () => {
    const { endpoints } = serveSandbox();
    const e = await endpoints.endpoint("bind-to-port");
    const x = await e.send("ping", { method: "GET", path: "/ping" });
    expect(x.outcome).toMatchObject({ ok: true, status: 200 });
    expect(x.curl).toBe("curl -sS -i -X GET http://127.0.0.1:9081/ping");
  });

  it("has no other port to ping outside bind-to-port", async () => {
    const { endpoints } = serveSandbox();
    const e = await endpoints.endpoint("default");
    expect(e.port).toBe(8080);
    expect(await e.pingDefaultPort()).toBeUndefined();
  });

  it("multi-model: the model as model-a and model-b under /opt/ml/models, read-only, with SAGEMAKER_MULTI_MODEL=true", async () => {
    const model = modelDir();
    const { endpoints, runner } = serveSandbox({ model: { kind: "dir", path: model } });
    ready((await endpoints.endpoint("multi-model")).readiness);
    expect(runner.requests[0]!.spec).toMatchObject({
      env: [["SAGEMAKER_MULTI_MODEL", "true"]],
      mounts: [
        { source: model, target: "/opt/ml/models/model-a/model", readOnly: true },
        { source: model, target: "/opt/ml/models/model-b/model", readOnly: true },
      ],
      ports: [8080],
    });
  });

  it("batch: the transform job's variables, after the user's", async () => {
    const { endpoints, runner } = serveSandbox({ env: [["LOG_LEVEL", "debug"]] });
    ready((await endpoints.endpoint("batch")).readiness);
    expect(runner.requests[0]!.spec.env).toEqual([
      ["LOG_LEVEL", "debug"],
      ["SAGEMAKER_BATCH", "true"],
      ["SAGEMAKER_MAX_PAYLOAD_IN_MB", "6"],
      ["SAGEMAKER_BATCH_STRATEGY", "MULTI_RECORD"],
      ["SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", "1"],
    ]);
  });
});

describe("checkBudgetMs", () => {
  it("covers training, the window, two requests per sample and six more, the stop grace, and a minute", () => {
    const { endpoints } = serveSandbox({ samples: [sample(), sample("b.csv")], startupWindowMs: 2_000, stopGraceMs: 200 }, {}, { limits: { invocationTimeoutMs: 1_000 }, trainingBudgetMs: 10_000 });
    expect(endpoints.checkBudgetMs).toBe(10_000 + 2_000 + (2 * 2 + 6) * 1_000 + 200 + 60_000);
  });
});
