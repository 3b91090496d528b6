import { mkdirSync, truncateSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RawServeOptions, parseServeOptions, serveLimits } from "../../../src/cli/serve-options.js";
import { ConfigError, type ExpectedError, UsageError } from "../../../src/errors.js";
import { packModel } from "../../../src/image/model-archive.js";
import { loadSpec } from "../../../src/spec/load.js";
import { CONTRACTS, type Contract } from "../../../src/spec/types.js";
import { removeTempDirs, sampleDir, tempDir } from "../helpers/fake-jobs.js";

afterEach(removeTempDirs);

const spec = loadSpec();
const MiB6 = 6 * 1024 * 1024;

interface Shared {
  env?: Array<[string, string]>;
  stopGraceMs?: number;
  keepDir?: string;
  trainedAvailable?: boolean;
  seed?: number;
  seedGiven?: boolean;
}
const parse = (raw: RawServeOptions, contracts: readonly Contract[] = CONTRACTS, shared: Shared = {}) =>
  parseServeOptions(raw, spec, contracts, { env: [], trainedAvailable: false, seed: 7, seedGiven: false, ...shared });

/** The expected error a parse throws, with its hint checked present. */
function errorOf<E extends ExpectedError>(kind: new (...args: never[]) => E, raw: RawServeOptions, contracts: readonly Contract[] = CONTRACTS, shared?: Shared): E {
  try {
    parse(raw, contracts, shared);
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(kind);
    expect((e as E).hint, (e as E).message).toMatch(/\S/);
    return e as E;
  }
  throw new Error(`expected a ${kind.name} for ${JSON.stringify(raw)}`);
}
const usage = (raw: RawServeOptions, contracts?: readonly Contract[], shared?: Shared) => errorOf(UsageError, raw, contracts, shared);
const configError = (raw: RawServeOptions) => errorOf(ConfigError, raw);

function file(name: string, content: string | Buffer): string {
  const path = join(tempDir("unit-serve-"), name);
  writeFileSync(path, content);
  return path;
}

describe("serveLimits", () => {
  it("reads the contract's numbers from the spec", () => {
    expect(serveLimits(spec)).toEqual({
      pingTimeoutMs: 2_000,
      acceptMs: 250,
      invocationTimeoutMs: 60_000,
      requestMaxBytes: MiB6,
      responseMaxBytes: MiB6,
      stopGraceMs: 30_000,
    });
  });
});

describe("parseServeOptions defaults", () => {
  it("gives no model, no sample, the platform's 8 min window, the 60 s gate, 4 clients", () => {
    expect(parse({})).toEqual({
      samples: [],
      startupWindowMs: 480_000,
      startupWindowSet: false,
      readyGateMs: 60_000,
      concurrency: 4,
      env: [],
      fuzz: { runs: 200, timeMs: 300_000, seed: 7, strict: false },
    });
  });

  it("carries env, --stop-grace and --keep from the job flags", () => {
    const o = parse({}, CONTRACTS, { env: [["A", "1"]], stopGraceMs: 5_000, keepDir: "/tmp/keep" });
    expect(o).toMatchObject({ env: [["A", "1"]], stopGraceMs: 5_000, keepDir: "/tmp/keep" });
  });

  it("serves the model training writes when training runs and no --model is given", () => {
    expect(parse({}, CONTRACTS, { trainedAvailable: true }).model).toEqual({ kind: "trained" });
    expect(parse({ model: "none" }, CONTRACTS, { trainedAvailable: true }).model).toEqual({ kind: "none" });
  });
});

describe("--startup-timeout and --ready-gate", () => {
  it("takes whole seconds from 60 s to 1 h", () => {
    expect(parse({ startupTimeout: "60s" })).toMatchObject({ startupWindowMs: 60_000, startupWindowSet: true, readyGateMs: 60_000 });
    expect(parse({ startupTimeout: "1h" }).startupWindowMs).toBe(3_600_000);
    expect(parse({ startupTimeout: "10m30s" }).startupWindowMs).toBe(630_000);
  });

  it.each(["59s", "1h1s", "2h", "90500ms"])("refuses %s", (value) => {
    const e = usage({ startupTimeout: value });
    expect(e.message).toBe(`--startup-timeout ${value} is outside what ContainerStartupHealthCheckTimeoutInSeconds allows`);
    expect(e.hint).toBe("give whole seconds from 60s to 3600s (inference#ping.startup-window)");
  });

  it("refuses a window that is not a duration", () => {
    const e = usage({ startupTimeout: "ten minutes" });
    expect(e.message).toBe('--startup-timeout "ten minutes" is not a duration');
    expect(e.hint).toBe("write it with a unit, e.g. 90s, 10m or 1h30m");
  });

  it("takes a gate up to the window", () => {
    expect(parse({ startupTimeout: "5m", readyGate: "5m" }).readyGateMs).toBe(300_000);
    expect(parse({ readyGate: "2m" }).readyGateMs).toBe(120_000);
  });

  it("refuses a gate longer than the window", () => {
    const e = usage({ startupTimeout: "90s", readyGate: "2m" });
    expect(e.message).toBe("--ready-gate is longer than the start-up window (90 s)");
    expect(e.hint).toBe("the gate warns before the window fails: keep it shorter");
    expect(usage({ readyGate: "9m" }).message).toBe("--ready-gate is longer than the start-up window (480 s)");
  });

  it("refuses a gate that is not a duration", () => {
    expect(usage({ readyGate: "soon" }).message).toBe('--ready-gate "soon" is not a duration');
  });
});

describe("--concurrency", () => {
  it.each([["2", 2], ["8", 8], ["64", 64]])("takes %s", (value, n) => {
    expect(parse({ concurrency: value }).concurrency).toBe(n);
  });

  it.each(["1", "65", "0", "-4", "2.5", "many", ""])("refuses %j", (value) => {
    const e = usage({ concurrency: value });
    expect(e.message).toBe(`--concurrency ${value} is not a whole number from 2 to 64`);
    expect(e.hint).toBe("e.g. --concurrency 8");
  });
});

describe("--sample", () => {
  it("reads the body and takes the Content-Type after @", () => {
    const path = file("req.bin", "\x00\x01");
    const [s] = parse({ sample: [`${path}@application/x-npy`] }).samples;
    expect(s).toEqual({ file: path, name: "req.bin", contentType: "application/x-npy", body: Buffer.from("\x00\x01") });
  });

  it("takes a Content-Type with parameters after @", () => {
    const path = file("req.csv", "1,2\n");
    expect(parse({ sample: [`${path}@text/csv; charset=utf-8`] }).samples[0]!.contentType).toBe("text/csv; charset=utf-8");
  });

  it("takes --content-type for samples without @type, and @type over it", () => {
    const a = file("a.data", "x");
    const b = file("b.data", "y");
    const o = parse({ sample: [a, `${b}@text/plain`], contentType: "application/octet-stream" });
    expect(o.samples.map((s) => s.contentType)).toEqual(["application/octet-stream", "text/plain"]);
  });

  it("takes --content-type over the file's extension", () => {
    expect(parse({ sample: [file("a.json", "{}")], contentType: "application/jsonlines" }).samples[0]!.contentType).toBe("application/jsonlines");
  });

  it.each([
    ["x.json", "application/json"],
    ["x.JSONL", "application/jsonlines"],
    ["x.csv", "text/csv"],
    ["x.txt", "text/plain"],
    ["x.npy", "application/x-npy"],
    ["x.npz", "application/x-npz"],
    ["x.pb", "application/x-recordio-protobuf"],
    ["x.recordio", "application/x-recordio-protobuf"],
    ["x.png", "image/png"],
    ["x.jpg", "image/jpeg"],
    ["x.jpeg", "image/jpeg"],
  ])("names %s %s by its extension", (name, type) => {
    expect(parse({ sample: [file(name, "1")] }).samples[0]!.contentType).toBe(type);
  });

  it("refuses a sample whose type cannot be told", () => {
    const path = file("request.bin", "x");
    const e = usage({ sample: [path] });
    expect(e.message).toBe(`--sample ${path}: no content type`);
    expect(e.hint).toBe(`name it, as in --sample ${path}@application/octet-stream, or set --content-type`);
  });

  it("keeps an @ in a file name that exists as given", () => {
    const path = file("me@text/csv".replace("/", "_"), "1,2\n");
    const dir = join(tempDir("unit-serve-"), "v@2");
    mkdirSync(dir);
    const nested = join(dir, "a.csv");
    writeFileSync(nested, "1\n");
    expect(parse({ sample: [path], contentType: "text/csv" }).samples[0]!.file).toBe(path);
    // "@2/a.csv" holds a slash, but the whole path exists: it is the file, not a type.
    expect(parse({ sample: [nested] }).samples[0]).toMatchObject({ file: nested, contentType: "text/csv" });
  });

  it("refuses a type after @ that is not a media type", () => {
    const path = file("a.csv", "1");
    const e = usage({ sample: [`${path}@text/c sv`] });
    expect(e.message).toBe('--sample "text/c sv" is not a media type');
    expect(e.hint).toBe("write it as type/subtype, e.g. text/csv or application/json (ASCII, at most 1024 characters)");
  });

  it("refuses a --content-type that is not a media type", () => {
    const e = usage({ contentType: "csv" });
    expect(e.message).toBe('--content-type "csv" is not a media type');
    expect(usage({ contentType: `text/${"x".repeat(1100)}` }).message).toContain("is not a media type");
    expect(usage({ contentType: "text/csvé" }).message).toContain("is not a media type");
  });

  it("takes a sample of exactly 6 MiB and refuses one byte more", () => {
    const ok = file("ok.bin", "");
    truncateSync(ok, MiB6);
    expect(parse({ sample: [`${ok}@application/octet-stream`] }).samples[0]!.body.length).toBe(MiB6);
    const big = file("big.bin", "");
    truncateSync(big, MiB6 + 1);
    const e = usage({ sample: [`${big}@application/octet-stream`] });
    expect(e.message).toBe(`--sample ${big} is over the ${MiB6} bytes InvokeEndpoint accepts`);
    expect(e.hint).toBe("give a smaller sample (inference#invocations.payload)");
  });

  it("refuses a sample that does not exist, or is a directory", () => {
    const missing = join(tempDir("unit-serve-"), "missing.csv");
    const e = usage({ sample: [missing] });
    expect(e.message).toBe(`--sample ${missing} cannot be read (ENOENT)`);
    expect(e.hint).toBe("give a file of sample request data");
    const dir = sampleDir();
    expect(usage({ sample: [`${dir}@text/csv`] }).message).toBe(`--sample ${dir} cannot be read (EISDIR)`);
  });

  it("gives each sample a safe name, unique among the samples", () => {
    const a = file("my sample.csv", "1\n");
    const b = file("other.csv", "2\n");
    const o = parse({ sample: [a, b, b] });
    expect(o.samples.map((s) => s.name)).toEqual(["my_sample.csv", "other.csv", "other.csv-2"]);
  });

  it("keeps the name of a repeated sample safe", () => {
    const a = file("my sample.csv", "1\n");
    expect(parse({ sample: [a, a] }).samples.map((s) => s.name)).toEqual(["my_sample.csv", "my_sample.csv-2"]);
  });

  it("resolves a relative path", () => {
    const path = file("rel.csv", "1\n");
    const rel = relative(process.cwd(), path);
    expect(parse({ sample: [rel] }).samples[0]).toMatchObject({ file: rel, name: "rel.csv", body: Buffer.from("1\n") });
  });
});

describe("--accept", () => {
  it.each(["application/json", "text/csv, application/json;q=0.5", "*/*", "text/*"])("takes %j", (value) => {
    expect(parse({ accept: value }).accept).toBe(value);
  });

  it("refuses a range that is not a media type", () => {
    const e = usage({ accept: "application/json, json" });
    expect(e.message).toBe('--accept "json" is not a media type');
  });

  it("refuses an Accept over 1024 characters", () => {
    expect(usage({ accept: Array.from({ length: 80 }, (_, i) => `application/x-type-${i}`).join(",") }).message).toContain("--accept");
  });

  it("takes */* with a q-value", () => {
    expect(parse({ accept: "application/json, */*;q=0.1" }).accept).toBe("application/json, */*;q=0.1");
  });
});

describe("--expect-schema", () => {
  it("validates answers against the schema, giving the errors", () => {
    const path = file("schema.json", JSON.stringify({ type: "object", required: ["predictions"], properties: { predictions: { type: "array" } } }));
    const s = parse({ expectSchema: path }).expectSchema!;
    expect(s.file).toBe(path);
    expect(s.validate({ predictions: [1] })).toEqual([]);
    expect(s.validate([1])).toEqual(["(the response) must be object"]);
    expect(s.validate({ predictions: "1" })).toEqual(["/predictions must be array"]);
  });

  it("refuses a schema file that is missing", () => {
    const missing = join(tempDir("unit-serve-"), "none.json");
    const e = configError({ expectSchema: missing });
    expect(e.message).toBe(`--expect-schema ${missing} cannot be read (ENOENT)`);
    expect(e.hint).toBe("give a JSON Schema (draft 2020-12) for your JSON responses");
  });

  it("refuses a schema file that is not JSON", () => {
    const path = file("schema.json", "{ type: object }");
    const e = configError({ expectSchema: path });
    expect(e.message).toMatch(new RegExp(`^--expect-schema ${path} is not JSON: `));
    expect(e.hint).toBe("give a JSON Schema (draft 2020-12) for your JSON responses");
  });

  it("refuses JSON that is not a usable schema", () => {
    const path = file("schema.json", JSON.stringify({ type: 12 }));
    const e = configError({ expectSchema: path });
    expect(e.message).toMatch(new RegExp(`^--expect-schema ${path} is not a usable JSON Schema: `));
    expect(e.hint).toBe("check it against draft 2020-12");
  });
});

describe("--model", () => {
  it("takes a directory, made absolute", () => {
    const d = sampleDir({ "model.json": "{}" });
    expect(parse({ model: relative(process.cwd(), d) }).model).toEqual({ kind: "dir", path: d });
  });

  it.each(["model.tar.gz", "model.tgz"])("takes a %s archive", async (name) => {
    const path = await packModel(sampleDir({ "model.json": "{}" }), join(tempDir("unit-serve-"), name));
    expect(parse({ model: path }).model).toEqual({ kind: "archive", path });
  });

  it("refuses an archive it cannot read as a gzipped tar, before anything runs", () => {
    const path = file("model.tar.gz", "not an archive");
    const e = errorOf(ConfigError, { model: path });
    expect(e.message).toBe(`--model ${path} is not a gzipped tar archive`);
  });

  it("takes none for an image that carries its model", () => {
    expect(parse({ model: "none" }).model).toEqual({ kind: "none" });
  });

  it("refuses a path that does not exist", () => {
    const missing = join(tempDir("unit-serve-"), "model.tar.gz");
    const e = usage({ model: missing });
    expect(e.message).toBe(`--model ${missing} does not exist`);
    expect(e.hint).toBe("give a model directory, a model.tar.gz, or none for an image that carries its model");
  });

  it("refuses a file that is not a .tar.gz", () => {
    const path = file("model.zip", "PK");
    const e = usage({ model: path });
    expect(e.message).toBe(`--model ${path} is neither a directory nor a .tar.gz`);
    expect(e.hint).toBe("SageMaker's ModelDataUrl is a model.tar.gz; a directory is mounted as it is");
  });
});

describe("flags that need the inference contract", () => {
  const notInference: Contract[] = ["training", "processing"];
  it.each<[string, () => RawServeOptions]>([
    ["--sample", () => ({ sample: [file("a.csv", "1\n")] })],
    ["--model", () => ({ model: "none" })],
    ["--accept", () => ({ accept: "application/json" })],
    ["--expect-schema", () => ({ expectSchema: file("s.json", "{}") })],
  ])("refuses %s when inference is not checked", (_flag, raw) => {
    const e = usage(raw(), notInference);
    expect(e.message).toBe("--model, --sample, --accept and --expect-schema describe an endpoint, but inference is not among the contracts checked");
    expect(e.hint).toBe("add -c inference, or drop them");
  });

  it("takes the window flags without inference (they have defaults anyway)", () => {
    expect(parse({ startupTimeout: "2m", concurrency: "3" }, notInference)).toMatchObject({ startupWindowMs: 120_000, concurrency: 3 });
  });

  it("does not take the trained model as given when inference is not checked", () => {
    expect(parse({}, notInference, { trainedAvailable: true }).model).toEqual({ kind: "trained" });
  });
});

describe("fuzzing flags", () => {
  it("takes a budget, --strict, and a replay with the seed it came from", () => {
    expect(parse({ fuzzRuns: "1000", fuzzTime: "90s", strict: true }).fuzz).toEqual({ runs: 1000, timeMs: 90_000, seed: 7, strict: true });
    expect(parse({ fuzzRuns: "0" }).fuzz.runs).toBe(0);
    expect(parse({ replay: "17" }, CONTRACTS, { seed: 1234, seedGiven: true }).fuzz).toMatchObject({ seed: 1234, replay: "17" });
  });

  it.each(["-1", "1.5", "many", "", "1000001"])("refuses --fuzz-runs %j", (value) => {
    const e = usage({ fuzzRuns: value });
    expect(e.message).toBe(`--fuzz-runs ${value} is not a whole number from 0 to 1000000`);
    expect(e.hint).toBe("e.g. --fuzz-runs 1000; --fuzz-runs 0 turns fuzzing off");
  });

  it("refuses a --fuzz-time that is not a duration, or under a second", () => {
    expect(usage({ fuzzTime: "long" }).message).toBe('--fuzz-time "long" is not a duration');
    expect(usage({ fuzzTime: "500ms" }).message).toBe("--fuzz-time 500ms is under a second");
    expect(usage({ fuzzTime: "25h" }).message).toBe("--fuzz-time 25h is over 24 hours");
    expect(parse({ fuzzTime: "24h" }).fuzz.timeMs).toBe(86_400_000);
  });

  it("refuses a replay without its seed, with fuzzing off, or that is not a path", () => {
    expect(usage({ replay: "1:2" }).message).toBe("--replay needs the --seed of the finding");
    expect(usage({ replay: "1:2", fuzzRuns: "0" }, CONTRACTS, { seedGiven: true }).message).toBe("--replay with --fuzz-runs 0");
    expect(usage({ replay: "1;rm -rf /" }, CONTRACTS, { seedGiven: true }).message).toBe('--replay "1;rm -rf /" is not a fast-check path');
    expect(usage({ replay: "99999999999" }, CONTRACTS, { seedGiven: true }).message).toBe('--replay "99999999999" is not a fast-check path');
    const e = usage({ replay: "3:999:999:999" }, CONTRACTS, { seed: 42, seedGiven: true });
    expect(e.message).toBe("--replay 3:999:999:999 is not a case of the search seeded 42 from these samples");
    expect(e.hint).toBe("copy --seed and --replay from the finding, and give the same --sample, --content-type and --accept flags as the run that found it");
  });

  it("sends the built-in seed requests as --content-type when no --sample is given", () => {
    expect(parse({ contentType: "text/csv" }).fuzz.contentType).toBe("text/csv");
    expect(parse({ contentType: "text/csv", sample: [file("s.csv", "1,2\n")] }).fuzz.contentType).toBeUndefined();
  });

  it("refuses fuzzing flags when inference is not checked", () => {
    const e = usage({ fuzzRuns: "10" }, ["training"]);
    expect(e.message).toBe("--fuzz-runs, --fuzz-time, --strict and --replay fuzz an endpoint, but inference is not among the contracts checked");
  });
});
