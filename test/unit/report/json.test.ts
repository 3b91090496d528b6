import { describe, expect, it } from "vitest";
import { renderJson } from "../../../src/report/json.js";
import { SCENARIOS, schemaErrors } from "./samples.js";

describe("renderJson", () => {
  it.each(Object.keys(SCENARIOS))("renders the %s report as the report itself, valid against the schema", (name) => {
    const report = SCENARIOS[name]!();
    const text = renderJson(report);
    expect(text.endsWith("}\n")).toBe(true);
    const parsed = JSON.parse(text) as unknown;
    expect(parsed).toEqual(report);
    expect(schemaErrors(parsed)).toBeNull();
  });

  it("is indented for people and diffs", () => {
    expect(renderJson(SCENARIOS.conformant!())).toMatch(/^\{\n {2}"reportVersion": "1",\n/);
  });
});
