import { afterEach, describe, expect, it } from "vitest";
import { depth } from "./nesting.js";
import { caseArbitrary } from "../../../src/fuzz/cases.js";
import { endpointTarget } from "../../../src/fuzz/target.js";
import { fuzz } from "../../../src/fuzz/run.js";
import { closeServe, healthy, invocations, sample, serveSandbox } from "../helpers/fake-server.js";

afterEach(closeServe);

const JSON_SAMPLE = sample("sample.json", "application/json", '{"instances": [[0.3, 0.1], [0.4, 0.2]]}');
const CSV_SAMPLE = sample("sample.csv", "text/csv", "0.3,0.1\n0.4,0.2\n");
const LIMITS = { pingTimeoutMs: 300, invocationTimeoutMs: 300, knownHangTimeoutMs: 300, shrinkMaxMs: 30_000 };
const T = { timeoutMs: 300 };


describe("endpointTarget", () => {
  it("finds a crash, a hang and a 500 on a real HTTP server, starting it again after the crash", async () => {
    const { endpoints, runner } = serveSandbox(
      { samples: [JSON_SAMPLE, CSV_SAMPLE] },
      {
        handle: invocations((_req, res, body, c) => {
          const text = body.toString();
          if (body.length === 0) return; // never answers: a hang
          if (/"[^"]*\n[^"]*"/.test(text)) {
            c.say("fatal: quoted newline in a CSV field");
            return void c.exit(1);
          }
          if (depth(text) > 3) return void res.writeHead(500, { "Content-Type": "text/plain" }).end("RecursionError");
          res.writeHead(400, { "Content-Type": "application/json" }).end('{"error": "bad input"}');
        }),
      },
      { limits: { invocationTimeoutMs: 300, pingTimeoutMs: 300 } },
    );
    const target = endpointTarget(endpoints, { responseMaxBytes: 6 * 1024 * 1024, maxRestarts: 1000 });
    const arb = caseArbitrary([JSON_SAMPLE, CSV_SAMPLE], { requestMaxBytes: 64 * 1024 });
    const report = await fuzz(arb, target, { seed: 42, runs: 200 }, LIMITS);
    const kinds = report.found.map((f) => f.failure.kind).sort();
    expect(kinds).toEqual(["crash", "hang", "not_a_server_error"]);
    const crash = report.found.find((f) => f.failure.kind === "crash")!;
    expect(crash.case.body.length).toBeLessThanOrEqual(16);
    expect((crash.result as { log?: string }).log).toContain("fatal: quoted newline");
    expect(report.found.find((f) => f.failure.kind === "not_a_server_error")!.case.body.toString()).toBe("[[[[]]]]");
    // Every crash while searching and shrinking started the server again.
    expect(target.restarts()).toBeGreaterThan(0);
    expect(runner.containers.length).toBe(target.restarts() + 1);
  }, 60_000);

  it("says so when the server does not come back after a crash", async () => {
    let starts = 0;
    const { endpoints } = serveSandbox({ samples: [JSON_SAMPLE] }, {
      handle: (req, res, body, c) => (starts > 1 && req.url === "/ping" ? void res.writeHead(503).end() : invocations((_q, _s, _b, cc) => void cc.exit(1))(req, res, body, c)),
      start: () => void starts++,
    }, { limits: { pingTimeoutMs: 300 } });
    const target = endpointTarget(endpoints, { responseMaxBytes: 1024, maxRestarts: 1000 });
    const c = { what: "x", family: "bytes" as const, headers: { "Content-Type": "application/json" }, body: Buffer.from("{}"), malformed: true };
    expect((await target.execute(c, T)).alive).toBe(false);
    await expect(target.execute(c, T)).rejects.toThrow(/^the server did not come back up after a crash for fuzzing \(/);
  });

  it("sends a chunked case without a Content-Length", async () => {
    const seen: Array<string | undefined> = [];
    const { endpoints } = serveSandbox({ samples: [JSON_SAMPLE] }, {
      handle: invocations((req, res) => {
        seen.push(req.headers["transfer-encoding"]);
        healthy(req, res, Buffer.alloc(0), undefined as never);
      }),
    });
    const target = endpointTarget(endpoints, { responseMaxBytes: 1024, maxRestarts: 1000 });
    await target.execute({ what: "chunked", family: "protocol", headers: { "Content-Type": "application/json" }, body: Buffer.from("{}"), malformed: false, chunked: true }, T);
    expect(seen).toEqual(["chunked"]);
  });
});
