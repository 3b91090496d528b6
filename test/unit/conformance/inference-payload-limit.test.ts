import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import check, { padded } from "../../../conformance/inference/payload-limit.js";
import { closeServe, invocations, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const LIMIT = 6 * 1024 * 1024;
const SIZE = LIMIT - 1024;

describe("padded", () => {
  it("pads JSON with trailing spaces to the exact size, still the same JSON", () => {
    const body = Buffer.from('{"instances": [[1, 2], [3, 4]]}');
    const p = padded({ body, contentType: "application/json" }, 10_000);
    expect(p.contentType).toBe("application/json");
    expect(p.body.length).toBe(10_000);
    expect(JSON.parse(p.body.toString("utf8"))).toEqual({ instances: [[1, 2], [3, 4]] });
    expect(p.body.subarray(body.length).toString()).toBe(" ".repeat(10_000 - body.length));
  });

  it("makes a JSON body of its own when there is no sample", () => {
    const p = padded(undefined, 5_000);
    expect(p.contentType).toBe("application/json");
    expect(p.body.length).toBe(5_000);
    expect(JSON.parse(p.body.toString("utf8"))).toEqual({ byoc_check: "a request just under the 6 MiB InvokeEndpoint limit" });
  });

  it("repeats a CSV's data rows, never its header, to the exact size", () => {
    const p = padded({ body: Buffer.from("age,income\n31,4000\n45,5200\n"), contentType: "text/csv" }, 1_000);
    expect(p.body.length).toBe(1_000);
    const text = p.body.toString("utf8");
    expect(text.startsWith("age,income\n31,4000\n45,5200\n31,4000\n45,5200\n")).toBe(true);
    const lines = text.split("\n").filter((l) => l !== "");
    expect(lines[0]).toBe("age,income");
    expect(new Set(lines.slice(1))).toEqual(new Set(["31,4000", "45,5200"]));
    // What is left over after the last whole unit is blank lines.
    expect(text.replace(/\n+$/, "\n").length).toBeLessThanOrEqual(1_000);
  });

  it("repeats every row of a CSV without a header, ending the last line first", () => {
    const p = padded({ body: Buffer.from("1,2\n3,4"), contentType: "text/csv; charset=utf-8" }, 101);
    expect(p.contentType).toBe("text/csv; charset=utf-8");
    expect(p.body.length).toBe(101);
    const text = p.body.toString("utf8");
    expect(text.startsWith("1,2\n3,4\n1,2\n3,4\n")).toBe(true);
    expect(new Set(text.split("\n").filter((l) => l !== ""))).toEqual(new Set(["1,2", "3,4"]));
  });

  it("pads any other type with spaces after the sample's bytes", () => {
    const body = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
    const p = padded({ body, contentType: "application/x-npy" }, 64);
    expect(p.body.length).toBe(64);
    expect(p.body.subarray(0, 6)).toEqual(body);
    expect(p.body.subarray(6).toString()).toBe(" ".repeat(58));
  });

  it("gives a body of the requested size from a CSV sample larger than it", () => {
    const p = padded({ body: Buffer.from("1,2\n".repeat(100)), contentType: "text/csv" }, 200);
    expect(p.body.length).toBe(200);
  });
});

describe("INF-PAYLOAD-LIMIT", () => {
  it("does not fire when a body just under 6 MiB is answered", async () => {
    const got: Array<{ type?: string; bytes: number }> = [];
    const { endpoints, root } = serveSandbox(
      { samples: [sample("rows.csv", "text/csv", "1,2,3\n")] },
      {
        handle: invocations((req, res, body) => {
          got.push({ type: req.headers["content-type"], bytes: body.length });
          res.writeHead(200, { "Content-Type": "text/csv" }).end("0.5\n");
        }),
      },
    );
    expect(passDetail(await runServeCheck(check, endpoints))).toMatch(new RegExp(`^a ${SIZE}-byte request was not refused for its size \\(HTTP 200 after \\d+ ms\\)$`));
    expect(got).toEqual([{ type: "text/csv", bytes: SIZE }]);
    expect(statSync(join(root, "serve-default", "requests", "padded-6MiB.bin")).size).toBe(SIZE);
  });

  it("does not fire on a 4xx other than 413: the body was judged, not its size", async () => {
    const { endpoints } = serveSandbox({}, { handle: invocations((_req, res) => void res.writeHead(400).end("bad input")) });
    expect(passDetail(await runServeCheck(check, endpoints))).toMatch(/^a 6290432-byte request was not refused for its size \(HTTP 400 after \d+ ms\)$/);
  });

  it("fires on a 413", async () => {
    const { endpoints, root } = serveSandbox(
      {},
      {
        // A proxy with a 1 MiB limit (nginx's default client_max_body_size).
        early: (req, res) => {
          if (!(Number(req.headers["content-length"]) > 1024 * 1024)) return false;
          req.resume();
          req.on("end", () => res.writeHead(413, { "Content-Type": "text/html" }).end("<html>413 Request Entity Too Large</html>"));
          return true;
        },
      },
    );
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^a 6290432-byte request was refused: HTTP 413 after \d+ ms; InvokeEndpoint accepts up to 6291456 bytes, so the server's own limit is lower$/);
    expect(f.fix).toBe("Raise the body limit of every layer to at least 6 MiB: nginx client_max_body_size 6m, Flask MAX_CONTENT_LENGTH, your framework's request size.");
    const e = await endpoints.endpoint("default");
    const saved = join(root, "serve-default", "requests", "padded-6MiB.bin");
    expect(f.evidence).toMatchObject({
      actual: "HTTP 413",
      expected: "accepted: anything but 413 or a reset, up to 6291456 bytes",
      reproduce: [e.reproduce, `curl -sS -i -X POST -H 'Content-Type: application/json' --data-binary @${saved} http://127.0.0.1:8080/invocations`],
    });
    // The default body is JSON padded with spaces: still JSON.
    expect(JSON.parse(readFileSync(saved, "utf8"))).toHaveProperty("byoc_check");
  });

  it("fires when the connection is reset instead of an answer", async () => {
    const { endpoints } = serveSandbox({}, { early: (req) => (Number(req.headers["content-length"]) > 1024 * 1024 ? (req.socket.resetAndDestroy(), true) : false) });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toMatch(/^a 6290432-byte request was refused: the connection was (reset|closed without an answer) after \d+ ms; InvokeEndpoint accepts up to 6291456 bytes/);
    expect(["reset", "closed"]).toContain(f.evidence.actual);
  });

  it("fires when a large body gets no answer in time", async () => {
    const { endpoints } = serveSandbox({}, { handle: invocations(() => {}) }, { limits: { invocationTimeoutMs: 300 } });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toBe("a 6290432-byte request got no answer within 300 ms");
    expect(f.fix).toBe("Read large bodies promptly: a request of this size must be answered within the 60 s InvokeEndpoint waits.");
    expect(f.evidence.actual).toBe("timeout");
  });

  it("skips without a model, and when the server never got ready", async () => {
    expect(skipReason(await runServeCheck(check, serveSandbox({ model: undefined }).endpoints))).toMatch(/^no model: give --model DIR/);
    const notReady = serveSandbox({ startupWindowMs: 100 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check, notReady.endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
  });
});
