import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/inference/response-schema.js";
import type { ServeOptions } from "../../../src/engine/serve/types.js";
import { closeServe, invocations, runServeCheck, sample, serveSandbox } from "../helpers/fake-server.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const CSV = sample("sample.csv", "text/csv", "1,2,3\n");

/** What --expect-schema gives for {"type": "object", "required": ["predictions"]}. */
const SCHEMA: NonNullable<ServeOptions["expectSchema"]> = {
  file: "schema.json",
  validate: (data) =>
    data === null || typeof data !== "object" || Array.isArray(data)
      ? ["(the response) must be object"]
      : "predictions" in data
        ? []
        : ["(the response) must have required property 'predictions'"],
};

const answering = (body: string, type = "application/json") => ({ handle: invocations((_req, res) => void res.writeHead(200, { "Content-Type": type }).end(body)) });

describe("INF-RESPONSE-SCHEMA", () => {
  it("does not fire when every answer matches the schema", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV, sample("b.csv")], expectSchema: SCHEMA }, answering('{"predictions": [0.5]}'));
    expect(passDetail(await runServeCheck(check, endpoints))).toBe("2 answers match schema.json");
  });

  it("fires on an answer of another shape", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV], expectSchema: SCHEMA }, answering("[0.5]"));
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toBe("sample.csv (text/csv): the answer does not match schema.json: (the response) must be object");
    expect(f.fix).toBe("Answer in the shape the schema describes, or update the schema together with your clients.");
    expect(f.evidence).toMatchObject({ actual: "[0.5]", expected: ["(the response) must be object"] });
  });

  it("fires on an answer that is not JSON", async () => {
    const { endpoints } = serveSandbox({ samples: [CSV], expectSchema: SCHEMA }, answering("0.5,0.1\n", "text/csv"));
    const f = onlyFinding(await runServeCheck(check, endpoints));
    expect(f.message).toBe("sample.csv (text/csv): the answer (text/csv) is not JSON, so schema.json cannot apply: 0.5,0.1");
    expect(f.fix).toBe("Answer JSON (ask for it with --accept application/json), or leave --expect-schema out for non-JSON answers.");
  });

  it("skips without a schema, without a sample, or when no sample got a 2xx", async () => {
    expect(skipReason(await runServeCheck(check, serveSandbox({ samples: [CSV] }).endpoints))).toBe(
      "no schema: give --expect-schema FILE (a JSON Schema) to validate the JSON answers",
    );
    expect(skipReason(await runServeCheck(check, serveSandbox({ expectSchema: SCHEMA }).endpoints))).toMatch(/^no sample request/);
    const failing = serveSandbox({ samples: [CSV], expectSchema: SCHEMA }, { handle: invocations((_req, res) => void res.writeHead(500).end()) });
    expect(skipReason(await runServeCheck(check, failing.endpoints))).toBe("no sample got a 2xx answer; see INF-INVOKE");
  });
});
