import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { showBody } from "../../../conformance/fuzz-run.js";
import { BUILT_IN_SAMPLES } from "../../../src/fuzz/cases.js";
import { satisfiesAccept } from "../../../conformance/serve-run.js";
import fuzzContentType from "../../../conformance/inference/fuzz-content-type.js";
import fuzzCrash from "../../../conformance/inference/fuzz-crash.js";
import fuzzHang from "../../../conformance/inference/fuzz-hang.js";
import fuzzOversize from "../../../conformance/inference/fuzz-oversize.js";
import fuzzPing from "../../../conformance/inference/fuzz-ping.js";
import fuzzServerError from "../../../conformance/inference/fuzz-server-error.js";
import type { ServeOptions } from "../../../src/engine/serve/types.js";
import { type ServerScript, closeServe, healthy, invocations, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { depth } from "../fuzz/nesting.js";
import { findingsOf, onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const JSON_SAMPLE = sample("sample.json", "application/json", '{"instances": [[0.3, 0.1], [0.4, 0.2]]}');
const CSV_SAMPLE = sample("sample.csv", "text/csv", "0.3,0.1\n0.4,0.2\n");
const FUZZ = { runs: 200, timeMs: 60_000, seed: 42, strict: false };
const LIMITS = { invocationTimeoutMs: 400, pingTimeoutMs: 300 };

/** 400 for anything that is not the sample's shape, 200 with JSON for the rest. */
const robust: ServerScript = {
  handle: invocations((req, res, body) => {
    const type = req.headers["content-type"] ?? "";
    let ok = false;
    if (type === "application/json") {
      try {
        ok = Array.isArray((JSON.parse(body.toString()) as { instances?: unknown }).instances);
      } catch {
        ok = false;
      }
    } else if (type === "text/csv") ok = /^(-?[\d.]+,)*-?[\d.]+\n$/.test(body.toString().split("\n")[0] + "\n");
    if (req.headers.accept && !satisfiesAccept("application/json", req.headers.accept)) return void res.writeHead(406, { "Content-Type": "application/json" }).end('{"error": "JSON only"}');
    if (!ok) return void res.writeHead(type === "application/json" || type === "text/csv" ? 400 : 415, { "Content-Type": "application/json" }).end('{"error": "bad input"}');
    res.writeHead(200, { "Content-Type": "application/json" }).end('{"predictions": [1]}');
  }),
};

/** The planted bugs of the serve-fuzz-planted fixture, in-process. */
const planted: ServerScript = {
  handle: invocations((req, res, body, c) => {
    const text = body.toString();
    if (body.length === 0) return; // never answers
    if (req.headers["content-type"] === "text/csv" && /"[^"\n]*\n[^"]*"/.test(text)) {
      c.say("fatal: record split across lines");
      return void c.exit(1);
    }
    if (req.headers["content-type"] === "application/json" && depth(text) > 3) return void res.writeHead(500, { "Content-Type": "text/plain" }).end("RecursionError");
    robust.handle!(req, res, body, c);
  }),
};

const sandbox = (script: ServerScript, fuzz: Partial<ServeOptions["fuzz"]> = {}, samples = [JSON_SAMPLE, CSV_SAMPLE]) =>
  serveSandbox({ samples, fuzz: { ...FUZZ, ...fuzz } }, script, { limits: LIMITS }).endpoints;

describe("INF-FUZZ-*", () => {
  it("skip when fuzzing is off", async () => {
    const endpoints = sandbox(robust, { runs: 0 });
    expect(skipReason(await runServeCheck(fuzzCrash, endpoints))).toBe("fuzzing is off (--fuzz-runs 0)");
  });

  it("skip, saying so, when the fuzzing server does not become ready though the first one did", async () => {
    let starts = 0;
    const endpoints = serveSandbox({ samples: [JSON_SAMPLE], fuzz: FUZZ }, { start: () => void starts++, handle: (req, res, body, c) => (starts > 1 && req.url === "/ping" ? void res.writeHead(503).end() : robust.handle!(req, res, body, c)) }, { limits: LIMITS }).endpoints;
    expect(skipReason(await runServeCheck(fuzzCrash, endpoints))).toMatch(/^the server did not become ready for fuzzing \(not-ready\), though the first server did/);
  }, 20_000);

  it("write curl lines that send exactly the case: no Content-Type curl adds, no Expect", async () => {
    const { endpoints } = serveSandbox({}, robust);
    const e = await endpoints.endpoint("fuzz");
    const curl = e.saveRequest("x.bin", { method: "POST", path: "/invocations", headers: {}, body: Buffer.from("{}") });
    expect(curl).toContain("-H Content-Type: -H Expect:");
    expect(e.saveRequest("y.bin", { method: "POST", path: "/invocations", headers: { "Content-Type": "text/csv" }, body: Buffer.from("1") })).toMatch(/-H 'Content-Type: text\/csv' -H Expect: /);
  });

  it("skip when the server never becomes ready (INF-READY's finding)", async () => {
    const endpoints = sandbox({ handle: (req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(fuzzCrash, endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
  }, 10_000);

  it("all pass on a robust server, saying what was searched and how to repeat it", async () => {
    const endpoints = sandbox(robust);
    for (const check of [fuzzCrash, fuzzHang, fuzzPing, fuzzOversize, fuzzServerError, fuzzContentType]) {
      expect(passDetail(await runServeCheck(check, endpoints))).toMatch(
        /: 200 cases and \d+ requests \(shrinking included\) in .+ from mutations of sample\.json \(application\/json\), sample\.csv \(text\/csv\); --seed 42 repeats the search$/,
      );
    }
  }, 30_000);

  it("grow cases from built-in JSON, CSV and NPY when no sample is given", async () => {
    const endpoints = sandbox(robust, {}, []);
    expect(passDetail(await runServeCheck(fuzzCrash, endpoints))).toContain("from built-in JSON, CSV and NPY requests (no --sample given)");
    expect(BUILT_IN_SAMPLES.map((s) => s.contentType)).toEqual(["application/json", "text/csv", "application/x-npy"]);
  }, 30_000);

  it("report each planted bug under its own check, shrunk, saved, with the lines that replay it", async () => {
    const endpoints = sandbox(planted);
    const crash = onlyFinding(await runServeCheck(fuzzCrash, endpoints));
    expect(crash.message).toMatch(/^sample\.csv: .* crashed the server: the container exited/);
    expect(crash.evidence.log).toContain("fatal: record split across lines");
    const [docker, curl, replay] = crash.evidence.reproduce!;
    expect(docker).toMatch(/^docker run /);
    const file = /--data-binary @(\S+)/.exec(curl!)![1]!;
    expect(file).toMatch(/fuzz-crash\.bin$/);
    expect(readFileSync(file).length).toBeLessThanOrEqual(16);
    expect(readFileSync(file).toString()).toMatch(/"[^"\n]*\n[^"]*"/);
    expect(replay).toMatch(/^byoc-check \S+ -c inference --seed \d+ --replay \d+(:\d+)*$/);

    const hang = onlyFinding(await runServeCheck(fuzzHang, endpoints));
    expect(hang.message).toMatch(/an empty body got no answer \(no answer within/);
    expect(hang.evidence.actual).toBe("0 bytes: (empty)");

    const serverError = await runServeCheck(fuzzServerError, endpoints);
    expect(serverError.status === "fail" && serverError.severity).toBeUndefined(); // the check's own warning
    expect(onlyFinding(serverError).evidence.actual).toBe('8 bytes: "[[[[]]]]"');

    for (const check of [fuzzPing, fuzzOversize, fuzzContentType]) expect(passDetail(await runServeCheck(check, endpoints))).toContain("200 cases");
  }, 60_000);

  it("raise a 5xx on a malformed request to an error with --strict", async () => {
    const out = await runServeCheck(fuzzServerError, sandbox(planted, { strict: true }));
    expect(findingsOf(out)).toHaveLength(1);
    expect(out.status === "fail" && out.severity).toBe("error");
  }, 60_000);

  it("replays exactly the case a finding printed, and pass once it no longer fails", async () => {
    const first = onlyFinding(await runServeCheck(fuzzServerError, sandbox(planted)));
    const [, seed, path] = /--seed (\d+) --replay (\S+)$/.exec(first.evidence.reproduce![2]!)!;
    await closeServe();

    const again = onlyFinding(await runServeCheck(fuzzServerError, sandbox(planted, { seed: Number(seed), replay: path })));
    expect(again.evidence.actual).toBe(first.evidence.actual);
    expect(again.evidence.notes).toContain("failure: not_a_server_error/500");
    await closeServe();

    expect(passDetail(await runServeCheck(fuzzServerError, sandbox(robust, { seed: Number(seed), replay: path })))).toBe(
      `the replayed case (--seed ${seed} --replay ${path}) did not fail this way`,
    );
  }, 60_000);

  it("catch a 2xx whose type Accept does not allow, and an answer over the limit", async () => {
    const sloppy: ServerScript = {
      handle: invocations((req, res) => {
        if (req.headers.accept?.startsWith("text/csv")) return void res.writeHead(200, { "Content-Type": "text/plain" }).end("1\n");
        healthy(req, res, Buffer.alloc(0), undefined as never);
      }),
    };
    const f = onlyFinding(await runServeCheck(fuzzContentType, sandbox(sloppy)));
    expect(f.message).toMatch(/got a 2xx of the wrong type: a 2xx of text\/plain, which Accept: text\/csv.* does not allow/);
  }, 30_000);

  it("end a search on a server that dies on every request, with what it found", async () => {
    const dies: ServerScript = { handle: invocations((_req, _res, _body, c) => void c.exit(1)) };
    const endpoints = sandbox(dies);
    const f = onlyFinding(await runServeCheck(fuzzCrash, endpoints));
    expect(f.evidence.notes!.join("\n")).toContain("the search stopped early: the server died 21 times; the search stopped rather than start it again");
  }, 60_000);
});

describe("showBody", () => {
  it("shows text as a JSON string, binary as hex, and cuts long bodies", () => {
    expect(showBody(Buffer.alloc(0))).toBe("(empty)");
    expect(showBody(Buffer.from('"\n"\n'))).toBe('"\\"\\n\\"\\n"');
    expect(showBody(Buffer.from([0xff, 0x00]))).toBe("hex ff00");
    expect(showBody(Buffer.alloc(1000, "a"))).toMatch(/^"a{256}"\.\.\. \(1000 bytes\)$/);
  });
});
