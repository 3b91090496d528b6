import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/inference/response-type.js";
import { type Handler, closeServe, invocations, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const CSV = sample("sample.csv", "text/csv", "1,2,3\n");
const answer = (headers: Record<string, string>, body = "0.5\n"): Handler => invocations((_req, res) => void res.writeHead(200, headers).end(body));

describe("INF-RESPONSE-TYPE", () => {
  it("does not fire when the answer's type satisfies Accept", async () => {
    const { endpoints, container } = serveSandbox({ samples: [CSV], accept: "application/json" }, { handle: answer({ "Content-Type": "application/json; charset=utf-8" }, "[0.5]") });
    expect(passDetail(await runServeCheck(check, endpoints))).toBe("answered application/json; charset=utf-8, as Accept: application/json allows");
    expect(container().received).toContain("POST /invocations");
  });

  it("only asks for a Content-Type when no --accept is given", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV] }, { handle: answer({ "Content-Type": "text/csv" }) });
    expect(passDetail(await runServeCheck(check, endpoints))).toBe("answered text/csv (no --accept given: only its presence was checked)");
  });

  it("fires on an answer without a Content-Type", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV], accept: "text/csv" }, { handle: answer({}) });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toBe("sample.csv (text/csv): the answer has no Content-Type");
    expect(f.fix).toBe("Set Content-Type on every answer of POST /invocations.");
    expect(f.evidence).toMatchObject({ actual: "(none)", expected: "text/csv" });
    expect(f.evidence.reproduce).toHaveLength(2);
  });

  it("fires on a type the request's Accept does not allow", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV], accept: "application/json" }, { handle: answer({ "Content-Type": "text/csv" }) });
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toBe("sample.csv (text/csv): the answer is text/csv, which the request's Accept: application/json does not allow");
    expect(f.fix).toBe("Answer in a type the Accept header allows (or 406 Not Acceptable when none can be produced).");
    expect(f.evidence).toMatchObject({ actual: "text/csv", expected: "application/json" });
    expect(f.evidence.reproduce![1]).toContain("-H 'Accept: application/json'");
  });

  it("skips when no sample got a 2xx, without a sample, or when the server never got ready", async () => {
    const failing = serveSandbox({ samples: [CSV] }, { handle: invocations((_req, res) => void res.writeHead(500).end()) });
    expect(skipReason(await runServeCheck(check, failing.endpoints))).toBe("no sample got a 2xx answer; see INF-INVOKE");
    expect(skipReason(await runServeCheck(check, serveSandbox().endpoints))).toMatch(/^no sample request/);
    const notReady = serveSandbox({ samples: [CSV], startupWindowMs: 100 }, { handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check, notReady.endpoints))).toBe("the server never answered /ping with 200; see INF-READY");
  });
});
