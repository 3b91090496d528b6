import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/paths.js";

export const FIXTURES_DIR = join(PACKAGE_ROOT, "fixtures", "images");

/** One run of byoc-check on a fixture image, as fixtures/expected.schema.json describes it. */
export interface FixtureRun {
  name?: string;
  args: string[];
  exitCode: number;
  pass?: string[];
  fail?: string[];
  skip?: string[];
  error?: string[];
  messages?: Record<string, string[]>;
}

export interface Fixture {
  name: string;
  /** `test`: the integration test that runs this fixture's runs (with more assertions) instead of fixtures.test.ts. */
  data: { description: string; test?: string; runs: FixtureRun[] };
}

/** Every fixture image's expected.json, by directory name. */
export function readFixtures(): Fixture[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => statSync(join(FIXTURES_DIR, name)).isDirectory())
    .sort()
    .map((name) => ({ name, data: JSON.parse(readFileSync(join(FIXTURES_DIR, name, "expected.json"), "utf8")) as Fixture["data"] }));
}
