import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/inference/model-read-only.js";
import { type ServerScript, closeServe, healthy, invocations, modelDir, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const CSV = sample("sample.csv", "text/csv", "1,2,3\n");

/** Compiles the model into /opt/ml/model/cache at start-up, and dies with EROFS where it cannot. */
const compilesAtStart: ServerScript = {
  handle: (req, res, body, c) => (c.modelReadOnly ? void res.writeHead(503).end("loading") : healthy(req, res, body, c)),
  start(c) {
    if (c.modelReadOnly) {
      c.say("OSError: [Errno 30] Read-only file system: '/opt/ml/model/cache'");
      setTimeout(() => c.exit(1), 20);
    } else {
      c.writeModelFile("cache/model.compiled", "compiled");
      c.say("model compiled");
    }
  },
};

describe("INF-MODEL-READONLY", () => {
  it("does not fire when the server works with the model read-only", async () => {
    const { endpoints, runner } = serveSandbox({ samples: [CSV] });
    expect(passDetail(await runServeCheck(check, endpoints))).toBe("served from a read-only /opt/ml/model and answered the samples");
    // No second run.
    expect(runner.requests).toHaveLength(1);
    expect(runner.requests[0]!.spec.mounts[0]!.readOnly).toBe(true);
  });

  it("says less without a sample", async () => {
    expect(passDetail(await runServeCheck(check, serveSandbox().endpoints))).toBe("served from a read-only /opt/ml/model");
  });

  it("fires when the server fails read-only and writes to the writable copy", async () => {
    const model = modelDir();
    const { endpoints, runner, root } = serveSandbox({ model: { kind: "dir", path: model } }, compilesAtStart);
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toBe(
      "the server writes to /opt/ml/model (cache/, cache/model.compiled), which SageMaker mounts read-only: with it read-only, the server exited with code 1 during start-up",
    );
    expect(f.fix).toBe("Write caches and converted models to /tmp or another writable directory, never under /opt/ml/model.");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/model/cache/" });
    expect(f.evidence.actual).toEqual(["cache/", "cache/model.compiled"]);
    expect(f.evidence.log).toBe("OSError: [Errno 30] Read-only file system: '/opt/ml/model/cache'");
    const rw = await endpoints.endpoint("writable-model");
    expect(f.evidence.notes).toContain(`a second run on a writable copy wrote those files: ${rw.reproduce}`);
    expect(runner.requests.map((r) => r.spec.mounts[0])).toEqual([
      { source: model, target: "/opt/ml/model", readOnly: true },
      { source: `${root}/serve-writable-model/model`, target: "/opt/ml/model", readOnly: false },
    ]);
    // The writable run is stopped once judged.
    expect(rw.running()).toBe(false);
  });

  it("fires on a server that writes while serving and fails the sample read-only", async () => {
    const { endpoints } = serveSandbox(
      { samples: [CSV] },
      {
        handle: invocations((_req, res, _body, c) => {
          if (c.modelReadOnly) return void res.writeHead(500).end("EROFS");
          c.writeModelFile("predictions.log", "1\n");
          res.writeHead(200, { "Content-Type": "application/json" }).end("[0.5]");
        }),
      },
    );
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^the server writes to \/opt\/ml\/model \(predictions\.log\), which SageMaker mounts read-only: with it read-only, sample\.csv \(text\/csv\) got HTTP 500 after \d+ ms$/);
  });

  it("shortens a long list of written files", async () => {
    const { endpoints } = serveSandbox({}, {
      ...compilesAtStart,
      start(c) {
        if (c.modelReadOnly) return void setTimeout(() => c.exit(1), 20);
        for (let i = 0; i < 8; i++) c.writeModelFile(`shard-${i}.bin`, "x");
      },
    });
    expect(onlyFinding(await runServeCheck(check, endpoints)).message).toContain("(shard-0.bin, shard-1.bin, shard-2.bin, shard-3.bin, shard-4.bin, and 3 more)");
  });

  it("does not fire when the writable run writes nothing: the trouble has another cause", async () => {
    const { endpoints } = serveSandbox({ startupWindowMs: 150 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(passDetail(await runServeCheck(check, endpoints))).toBe(
      "with a writable copy it wrote nothing under /opt/ml/model: what went wrong (the server never answered /ping with 200) has another cause",
    );
  });

  it("skips when the container did not start, or without a model", async () => {
    expect(skipReason(await runServeCheck(check, serveSandbox({}, { startError: "no serve" }).endpoints))).toBe("the container did not start; see INF-READY");
    expect(skipReason(await runServeCheck(check, serveSandbox({ model: undefined }).endpoints))).toMatch(/^no model/);
  });

  it("lists a file the server deleted from the model directory", async () => {
    const model = modelDir({ "model.tar.gz": "archive", "model.json": "{}" });
    const { endpoints } = serveSandbox({ model: { kind: "dir", path: model } }, {
      // Read-only, the delete fails (EROFS) and the server never gets healthy; writable, it deletes and serves.
      handle: (req, res, body, c) => (c.modelReadOnly ? void res.writeHead(503).end("EROFS") : healthy(req, res, body, c)),
      start(c) {
        if (c.modelReadOnly) return void setTimeout(() => c.exit(1), 20);
        rmSync(join(c.modelDir, "model.tar.gz"));
      },
    });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.evidence.actual).toEqual(["model.tar.gz (deleted)"]);
  });
});
