import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RawRunOptions, parseRunOptions, selectChecks } from "../../../src/cli/options.js";
import { UsageError } from "../../../src/errors.js";

const SEED = 424242;
const parse = (raw: RawRunOptions) => parseRunOptions(raw, () => SEED);

function usageError(raw: RawRunOptions): UsageError {
  try {
    parse(raw);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(raw)}`);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "unit-options-"));
  writeFileSync(join(dir, "a-file"), "");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseRunOptions defaults", () => {
  it("checks every contract, text format, --fail-on error, the random seed", () => {
    expect(parse({})).toEqual({ contracts: ["training", "inference", "processing"], instances: [], instanceCount: 1, only: [], format: "text", failOn: "error", seed: SEED, reports: {}, annotations: false });
  });

  it("treats an empty --contract list as every contract", () => {
    expect(parse({ contract: [] }).contracts).toEqual(["training", "inference", "processing"]);
  });
});

describe("--contract", () => {
  it.each<[string[], string[]]>([
    [["inference"], ["inference"]],
    [["processing,training"], ["training", "processing"]],
    [["processing", "inference"], ["inference", "processing"]],
    [["processing,inference", "training"], ["training", "inference", "processing"]],
    [["inference, training ,"], ["training", "inference"]],
    [["inference", "inference"], ["inference"]],
  ])("%j -> %j (order normalised to training,inference,processing)", (contract, contracts) => {
    expect(parse({ contract }).contracts).toEqual(contracts);
  });

  it("rejects an unknown contract with a did-you-mean hint", () => {
    const e = usageError({ contract: ["training,inferense"] });
    expect(e.message).toContain('"inferense"');
    expect(e.hint).toContain('did you mean "inference"?');
    expect(e.hint).toContain("training, inference, processing");
  });

  it("gives no did-you-mean for a word far from any contract", () => {
    const e = usageError({ contract: ["batch-transform"] });
    expect(e.hint).not.toContain("did you mean");
    expect(e.hint).toContain("training, inference, processing");
  });
});

describe("--instance", () => {
  it("splits comma lists, keeps repeated flags, drops duplicates in first-seen order", () => {
    expect(parse({ instance: ["ml.g5.xlarge,ml.c7g.large", "ml.g5.xlarge", "ml.m5.large"] }).instances).toEqual([
      "ml.g5.xlarge",
      "ml.c7g.large",
      "ml.m5.large",
    ]);
  });
});

describe("--format and --fail-on", () => {
  it.each(["text", "json"])("accepts --format %s", (format) => {
    expect(parse({ format }).format).toBe(format);
  });

  it.each(["error", "warning"])("accepts --fail-on %s", (failOn) => {
    expect(parse({ failOn }).failOn).toBe(failOn);
  });

  it("rejects --format yaml, listing the choices", () => {
    const e = usageError({ format: "yaml" });
    expect(e.message).toContain("--format");
    expect(e.message).toContain("text, json");
  });

  it("rejects --fail-on info with a did-you-mean for a near miss", () => {
    expect(usageError({ failOn: "info" }).message).toContain("error, warning");
    expect(usageError({ failOn: "warnings" }).hint).toContain('did you mean "warning"?');
  });
});

describe("--seed", () => {
  it.each([
    ["0", 0],
    ["42", 42],
    ["4294967295", 4294967295],
  ])("accepts %s", (seed, value) => {
    expect(parse({ seed }).seed).toBe(value);
  });

  it.each(["4294967296", "-1", "1e3", "1.5", "", "0x10", "seven"])("rejects %j", (seed) => {
    expect(usageError({ seed }).message).toContain("--seed");
  });
});

describe("--timeout", () => {
  it("is parsed to milliseconds", () => {
    expect(parse({ timeout: "1h30m" }).timeoutMs).toBe(5_400_000);
    expect(parse({}).timeoutMs).toBeUndefined();
  });

  it("rejects a duration without a unit", () => {
    expect(usageError({ timeout: "10" }).message).toContain("--timeout");
  });
});

describe("--output and --spec-dir", () => {
  it("accepts --output in a directory that exists", () => {
    const output = join(dir, "report.json");
    expect(parse({ output }).output).toBe(output);
  });

  it("rejects --output whose directory does not exist", () => {
    const output = join(dir, "no-such-dir", "report.json");
    const e = usageError({ output });
    expect(e.message).toContain(join(dir, "no-such-dir"));
    expect(e.hint).toBeDefined();
  });

  it("resolves --spec-dir to an absolute directory", () => {
    expect(parse({ specDir: dir }).specDir).toBe(dir);
  });

  it.each([
    ["a file", () => join(dir, "a-file")],
    ["a missing path", () => join(dir, "missing")],
  ])("rejects --spec-dir that is %s", (_what, path) => {
    expect(usageError({ specDir: path() }).message).toContain("is not a directory");
  });

  it("passes --spec and an explicit color through", () => {
    expect(parse({ spec: "1.0", color: false })).toMatchObject({ spec: "1.0", color: false });
  });
});

describe("--only", () => {
  const checks = [{ id: "GPU-KERNEL-IMAGE" }, { id: "GPU-EFA" }, { id: "IMG-SECRETS-LAYERS" }, { id: "TRN-SUCCESS-EXIT" }];
  it("selects by id and by glob, case-insensitively", () => {
    expect(selectChecks(checks, ["gpu-*", "IMG-SECRETS-LAYERS"]).map((c) => c.id)).toEqual(["GPU-KERNEL-IMAGE", "GPU-EFA", "IMG-SECRETS-LAYERS"]);
    expect(selectChecks(checks, []).map((c) => c.id)).toHaveLength(4);
  });

  it("refuses a pattern that names no check, with the nearest id", () => {
    expect(() => selectChecks(checks, ["GPU-EFAA"])).toThrow(UsageError);
    expect(() => selectChecks(checks, ["GPU-EFAA"])).toThrow('--only "GPU-EFAA" names no check');
  });
});

describe("reports besides stdout", () => {
  it("takes any number of report files, each its own", () => {
    const o = parse({ json: join(dir, "r.json"), junit: join(dir, "r.xml"), sarif: join(dir, "r.sarif"), output: join(dir, "r.txt") });
    expect(o.reports).toEqual({ json: join(dir, "r.json"), junit: join(dir, "r.xml"), sarif: join(dir, "r.sarif") });
    expect(o.output).toBe(join(dir, "r.txt"));
  });

  it.each<[string, () => RawRunOptions, RegExp]>([
    ["two reports to one file", () => ({ json: join(dir, "same"), sarif: join(dir, "same") }), /--json and --sarif both write/],
    ["--output and a report to one file", () => ({ output: join(dir, "x"), junit: join(dir, "x") }), /--output and --junit both write/],
    ["a report in a directory that is not there", () => ({ junit: join(dir, "nope", "r.xml") }), /--junit .*the directory .*nope does not exist/],
    ["a report that is a directory", () => ({ sarif: dir }), /--sarif .* is a directory/],
    ["a Dockerfile that is not there", () => ({ dockerfile: join(dir, "no-dockerfile") }), /--dockerfile .* is not a file/],
    ["annotations after JSON on stdout", () => ({ format: "json", annotations: true }), /--annotations would follow the JSON report on stdout/],
  ])("refuses %s", (_what, raw, message) => {
    expect(usageError(raw()).message).toMatch(message);
  });

  it("lets annotations follow a JSON report written to a file", () => {
    expect(parse({ format: "json", output: join(dir, "r.json"), annotations: true }).annotations).toBe(true);
  });
});
