import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CHECKS } from "../../conformance/index.js";
import { README, renderReadme } from "../../scripts/gen-docs.js";

describe("README.md", () => {
  it("carries the checks table generated from the checks' metadata (npm run docs)", () => {
    const readme = readFileSync(README, "utf8");
    expect(renderReadme(readme)).toBe(readme);
    for (const c of CHECKS) expect(readme).toContain(`| \`${c.id}\` |`);
  });

  it("gives the two commands that .ci/run runs", () => {
    const readme = readFileSync(README, "utf8");
    const ci = readFileSync(new URL("../../.ci/run", import.meta.url), "utf8");
    expect(readme).toContain("bash scripts/quickstart.sh");
    expect(readme).toContain("npm test");
    expect(ci).toContain("bash scripts/quickstart.sh");
    expect(ci).toMatch(/^npm test$/m);
  });
});
