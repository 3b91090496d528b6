import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RawJobOptions, parseJobOptions, prepareKeepDir, stopGraces } from "../../../src/cli/job-options.js";
import { ConfigError, type ExpectedError, UsageError } from "../../../src/errors.js";
import { loadSpec } from "../../../src/spec/load.js";
import { CONTRACTS, type Contract } from "../../../src/spec/types.js";
import { removeTempDirs, sampleDir, tempDir } from "../helpers/fake-jobs.js";

afterEach(removeTempDirs);

const spec = loadSpec();
const parse = (raw: RawJobOptions, contracts: readonly Contract[] = CONTRACTS, instances: string[] = []) => parseJobOptions(raw, spec, contracts, instances);

/** The expected error a parse throws, with its hint checked present. */
function errorOf<E extends ExpectedError>(kind: new (...args: never[]) => E, raw: RawJobOptions, contracts: readonly Contract[] = CONTRACTS): E {
  try {
    parse(raw, contracts);
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(kind);
    expect((e as E).hint, (e as E).message).toMatch(/\S/);
    return e as E;
  }
  throw new Error(`expected a ${kind.name} for ${JSON.stringify(raw)}`);
}
const usage = (raw: RawJobOptions, contracts?: readonly Contract[]) => errorOf(UsageError, raw, contracts);

function hpFile(content: string): string {
  const path = join(tempDir(), "hps.json");
  writeFileSync(path, content);
  return path;
}

describe("parseJobOptions defaults", () => {
  it("gives a job with no flag: File mode, the network on, 10 min timeouts, a stop after 2 s", () => {
    expect(parse({})).toEqual({
      env: [],
      channels: [],
      hyperparameters: {},
      invalidHyperparameters: {},
      inputMode: "File",
      networkIsolation: false,
      instanceType: "ml.m5.xlarge",
      trainTimeoutMs: 600_000,
      processingTimeoutMs: 600_000,
      inputs: [],
      outputs: [],
      stopAfterMs: 2_000,
    });
  });

  it("takes the instance type from the first --instance", () => {
    expect(parse({}, CONTRACTS, ["ml.p3.2xlarge", "ml.g5.xlarge"]).instanceType).toBe("ml.p3.2xlarge");
  });
});

describe("--channel", () => {
  it("takes NAME=DIR, the directory made absolute", () => {
    const d = sampleDir();
    expect(parse({ channel: [`train=${relative(process.cwd(), d)}`] }).channels).toEqual([{ name: "train", dir: d }]);
  });

  it("takes a ContentType after the last @", () => {
    const d = sampleDir();
    expect(parse({ channel: [`train=${d}@text/csv`, `validation=${d}@application/x-recordio-protobuf;charset=binary`] }).channels).toEqual([
      { name: "train", dir: d, contentType: "text/csv" },
      { name: "validation", dir: d, contentType: "application/x-recordio-protobuf;charset=binary" },
    ]);
  });

  it("keeps an @ in the directory when no type follows it", () => {
    const d = join(tempDir(), "data@v2");
    mkdirSync(d);
    expect(parse({ channel: [`train=${d}`] }).channels).toEqual([{ name: "train", dir: d }]);
  });

  it("keeps an @ in the directory and still reads the type after the last one", () => {
    const d = join(tempDir(), "me@host");
    mkdirSync(d);
    expect(parse({ channel: [`train=${d}@text/csv`] }).channels).toEqual([{ name: "train", dir: d, contentType: "text/csv" }]);
  });

  it("keeps a directory whose @ is followed by more path", () => {
    const d = join(tempDir(), "runs@2", "train");
    mkdirSync(d, { recursive: true });
    expect(parse({ channel: [`train=${d}`] }).channels).toEqual([{ name: "train", dir: d }]);
  });

  it("accepts the channel names the API allows, up to 64 characters", () => {
    const d = sampleDir();
    const names = ["train", "Train.v2", "val-1_x", "a".repeat(64)];
    expect(parse({ channel: names.map((n) => `${n}=${d}`) }).channels.map((c) => c.name)).toEqual(names);
  });

  it.each(["tr ain", "train/x", "tráin", "a".repeat(65)])("refuses the channel name %j", (name) => {
    const e = usage({ channel: [`${name}=${sampleDir()}`] });
    expect(e.message).toBe(`--channel ${name}: not a valid channel name`);
    expect(e.hint).toContain("1 to 64 characters (training#config.channels)");
  });

  it("refuses a value that is not NAME=DIR", () => {
    const e = usage({ channel: ["train"] });
    expect(e.message).toBe('--channel "train" is not KEY=VALUE');
    expect(e.hint).toBe("write it as --channel train=./data/train[@text/csv]");
    expect(usage({ channel: ["=/tmp"] }).message).toBe('--channel "=/tmp" is not KEY=VALUE');
  });

  it("refuses a directory that does not exist, or is a file", () => {
    const missing = join(tempDir(), "nope");
    const e = usage({ channel: [`train=${missing}`] });
    expect(e.message).toBe(`--channel train=${missing}: ${missing} is not a directory`);
    expect(e.hint).toBe("point it at a directory of sample data on this machine");
    const file = join(sampleDir(), "data.csv");
    expect(usage({ channel: [`train=${file}`] }).message).toContain(`${file} is not a directory`);
  });

  it("refuses a channel given twice", () => {
    const d = sampleDir();
    expect(usage({ channel: [`train=${d}`, `train=${d}@text/csv`] }).message).toBe("--channel train is given twice");
  });

  it("allows 20 channels and refuses 21", () => {
    const d = sampleDir();
    const channels = (n: number) => Array.from({ length: n }, (_, i) => `c${i}=${d}`);
    expect(parse({ channel: channels(20) }).channels).toHaveLength(20);
    expect(usage({ channel: channels(21) }).message).toBe("21 channels given; SageMaker allows 20");
  });
});

describe("--hyperparameters and --hp", () => {
  it("reads a JSON object and turns every value into a string, as the SDK's estimators do", () => {
    const path = hpFile(JSON.stringify({ epochs: 10, lr: 0.01, verbose: true, name: "resnet", layers: [64, 32], extra: { a: 1 }, none: null }));
    expect(parse({ hyperparameters: path }).hyperparameters).toEqual({
      epochs: "10",
      lr: "0.01",
      verbose: "true",
      name: "resnet",
      layers: "[64,32]",
      extra: '{"a":1}',
      none: "null",
    });
  });

  it("lets --hp override the file and add to it, keeping the value after the first =", () => {
    const path = hpFile('{"epochs": 10, "lr": "0.1"}');
    expect(parse({ hyperparameters: path, hp: ["epochs=20", "opt=a=b", "empty="] }).hyperparameters).toEqual({ epochs: "20", lr: "0.1", opt: "a=b", empty: "" });
  });

  it("takes --hp alone, the last of a repeated key winning", () => {
    expect(parse({ hp: ["epochs=1", "epochs=2"] }).hyperparameters).toEqual({ epochs: "2" });
  });

  it("refuses a missing file as a config error naming the errno", () => {
    const missing = join(tempDir(), "missing.json");
    const e = errorOf(ConfigError, { hyperparameters: missing });
    expect(e.message).toBe(`--hyperparameters ${missing} cannot be read (ENOENT)`);
    expect(e.hint).toContain('{"epochs": "10", "lr": "0.01"}');
  });

  it("refuses a file that is not JSON", () => {
    const path = hpFile("{epochs: 10}");
    expect(errorOf(ConfigError, { hyperparameters: path }).message).toMatch(new RegExp(`^--hyperparameters ${path} is not JSON: `));
  });

  it.each(["[1, 2]", '"epochs"', "null", "3"])("refuses %s, which is not an object", (content) => {
    const path = hpFile(content);
    expect(errorOf(ConfigError, { hyperparameters: path }).message).toBe(`--hyperparameters ${path} must hold a JSON object`);
  });

  it("refuses --hp without =", () => {
    const e = usage({ hp: ["epochs"] });
    expect(e.message).toBe('--hp "epochs" is not KEY=VALUE');
    expect(e.hint).toBe("write it as --hp epochs=10");
  });

  it("allows keys of 256 and values of 2500 characters, not more", () => {
    expect(Object.keys(parse({ hp: [`${"k".repeat(256)}=${"v".repeat(2500)}`] }).hyperparameters)).toHaveLength(1);
    const key = usage({ hp: [`${"k".repeat(257)}=1`] });
    expect(key.message).toBe(`hyperparameter ${"k".repeat(40)} is longer than SageMaker allows`);
    expect(key.hint).toBe("keys up to 256 characters, values up to 2500 (training#config.hyperparameters)");
    expect(usage({ hp: [`lr=${"1".repeat(2501)}`] }).message).toBe("hyperparameter lr is longer than SageMaker allows");
  });

  it("holds --invalid-hp to the same limits", () => {
    expect(usage({ invalidHp: [`lr=${"1".repeat(2501)}`] }).message).toBe("hyperparameter lr is longer than SageMaker allows");
  });

  it("allows 100 hyperparameters and refuses 101", () => {
    const hps = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=1`);
    expect(Object.keys(parse({ hp: hps(100) }).hyperparameters)).toHaveLength(100);
    expect(usage({ hp: hps(101) }).message).toBe("101 hyperparameters given; SageMaker allows 100");
  });
});

describe("--invalid-hp", () => {
  it("collects the values the job must reject, apart from the others", () => {
    const job = parse({ hp: ["epochs=10"], invalidHp: ["epochs=-1", "lr=abc"] });
    expect(job.hyperparameters).toEqual({ epochs: "10" });
    expect(job.invalidHyperparameters).toEqual({ epochs: "-1", lr: "abc" });
  });

  it("refuses a value without =", () => {
    expect(usage({ invalidHp: ["epochs"] }).hint).toBe("write it as --invalid-hp epochs=-1");
  });
});

describe("--env", () => {
  it("keeps the order given, a repeated key taking the last value in its first place", () => {
    expect(parse({ env: ["B=1", "A=x=y", "B=2", "EMPTY="] }).env).toEqual([
      ["B", "2"],
      ["A", "x=y"],
      ["EMPTY", ""],
    ]);
  });

  it.each(["1A=x", "A-B=x", "A B=x", "É=x"])("refuses the variable name in %j", (e) => {
    const err = usage({ env: [e] });
    expect(err.message).toBe(`--env ${e.slice(0, e.indexOf("="))}: not a valid variable name for SageMaker`);
    expect(err.hint).toContain("[a-zA-Z_][a-zA-Z0-9_]*");
  });

  it("refuses a value without =", () => {
    expect(usage({ env: ["JUSTAKEY"] }).message).toBe('--env "JUSTAKEY" is not KEY=VALUE');
  });

  it("holds values to processing's 256 characters when processing is checked, training's 512 when only training is", () => {
    const long = `V=${"x".repeat(300)}`;
    expect(parse({ env: [long] }, ["training"]).env[0]![1]).toHaveLength(300);
    const e = usage({ env: [long] }, ["processing"]);
    expect(e.message).toBe("--env V: longer than the 256 characters SageMaker allows");
    expect(e.hint).toBe("see processing#env.environment-map");
    expect(usage({ env: [`V=${"x".repeat(513)}`] }, ["training"]).hint).toBe("see training#env.environment-map");
  });

  it("refuses a key longer than the limit", () => {
    expect(usage({ env: [`${"K".repeat(257)}=1`] }, ["processing"]).message).toContain("longer than");
  });

  it("allows 100 variables and refuses 101, counting a repeated key once", () => {
    const env = (n: number) => Array.from({ length: n }, (_, i) => `V${i}=1`);
    expect(parse({ env: [...env(100), "V0=2"] }).env).toHaveLength(100);
    expect(usage({ env: env(101) }).message).toBe("--env gives 101 variables; SageMaker allows 100");
  });
});

describe("--entrypoint and --arg", () => {
  it("takes a JSON array as the whole ContainerEntrypoint", () => {
    expect(parse({ entrypoint: '["python3", "/opt/program/train.py", "--fast"]' }).entrypoint).toEqual(["python3", "/opt/program/train.py", "--fast"]);
    expect(parse({ entrypoint: '  ["/bin/run"]' }).entrypoint).toEqual(["/bin/run"]);
  });

  it("takes anything else as one program path, spaces included", () => {
    expect(parse({ entrypoint: "/opt/program/train" }).entrypoint).toEqual(["/opt/program/train"]);
    expect(parse({ entrypoint: "python3 train.py" }).entrypoint).toEqual(["python3 train.py"]);
  });

  it("refuses an array that is not JSON", () => {
    const e = usage({ entrypoint: "[python3, train.py]" });
    expect(e.message).toBe("--entrypoint [python3, train.py] is not a JSON array");
    expect(e.hint).toContain('--entrypoint \'["python3", "/opt/program/train.py"]\'');
  });

  it.each(["[]", "[1]", '["python3", 2]', "[null]"])("refuses %s, which is not a non-empty array of strings", (text) => {
    expect(usage({ entrypoint: text }).message).toBe(`--entrypoint ${text} must be a non-empty array of strings`);
  });

  it.each(["", "   "])("refuses an empty entrypoint %j", (text) => {
    expect(usage({ entrypoint: text }).message).toBe("--entrypoint is empty");
  });

  it("takes --arg as ContainerArguments, in order", () => {
    const job = parse({ arg: ["--epochs", "3", ""] });
    expect(job.args).toEqual(["--epochs", "3", ""]);
    expect(job.entrypoint).toBeUndefined();
  });

  it("holds both lists to 100 items of 256 characters", () => {
    const many = Array.from({ length: 101 }, (_, i) => `a${i}`);
    expect(parse({ arg: many.slice(0, 100) }).args).toHaveLength(100);
    expect(usage({ arg: many }).message).toBe("--arg gives 101 items; SageMaker allows at most 100");
    expect(usage({ entrypoint: JSON.stringify(many) }).message).toBe("--entrypoint gives 101 items; SageMaker allows at most 100");
    const e = usage({ arg: ["ok", "x".repeat(257)] });
    expect(e.message).toBe(`--arg item "${"x".repeat(40)}..." is 257 characters; SageMaker allows 256`);
    expect(e.hint).toBe("shorten it (training#start.entrypoint-override)");
    expect(parse({ arg: ["x".repeat(256)] }).args).toHaveLength(1);
  });
});

describe("--input-mode, --network-isolation and durations", () => {
  it.each(["File", "FastFile", "Pipe"] as const)("takes --input-mode %s", (mode) => {
    expect(parse({ inputMode: mode }).inputMode).toBe(mode);
  });

  it.each(["pipe", "FILE", "Stream"])("refuses --input-mode %s", (mode) => {
    const e = usage({ inputMode: mode });
    expect(e.message).toBe(`--input-mode "${mode}" is not one of File, FastFile, Pipe`);
  });

  it("turns network isolation on only when the flag is given", () => {
    expect(parse({ networkIsolation: true }).networkIsolation).toBe(true);
    expect(parse({ networkIsolation: false }).networkIsolation).toBe(false);
  });

  it("reads every duration flag", () => {
    const job = parse({ trainTimeout: "90s", processingTimeout: "1h30m", stopAfter: "500ms", stopGrace: "5s" });
    expect(job).toMatchObject({ trainTimeoutMs: 90_000, processingTimeoutMs: 5_400_000, stopAfterMs: 500, stopGraceMs: 5_000 });
  });

  it("leaves stopGraceMs unset without --stop-grace, so the spec's grace applies", () => {
    expect("stopGraceMs" in parse({})).toBe(false);
  });

  it.each([
    ["trainTimeout", "--train-timeout"],
    ["processingTimeout", "--processing-timeout"],
    ["stopAfter", "--stop-after"],
    ["stopGrace", "--stop-grace"],
  ] as const)("refuses a %s that is not a duration, naming %s", (key, flag) => {
    expect(usage({ [key]: "ten" }).message).toBe(`${flag} "ten" is not a duration`);
  });
});

describe("--input and --processing-output", () => {
  it("takes NAME=DIR inputs and output names, a repeated output once", () => {
    const d = sampleDir();
    const job = parse({ input: [`raw=${d}`, `ref.v1=${d}`], processingOutput: ["train", "report", "train"] });
    expect(job.inputs).toEqual([
      { name: "raw", dir: d },
      { name: "ref.v1", dir: d },
    ]);
    expect(job.outputs).toEqual(["train", "report"]);
  });

  it.each(["-raw", ".raw", "a/b", "..", "a b"])("refuses the input name %j", (name) => {
    expect(usage({ input: [`${name}=${sampleDir()}`] }).message).toBe(`--input ${name}: not a usable input name`);
  });

  it.each(["-out", "a/b", "..", ""])("refuses the output name %j", (name) => {
    expect(usage({ processingOutput: [name] }).message).toBe(`--processing-output ${name}: not a usable output name`);
  });

  it("refuses an input given twice, or with a missing directory", () => {
    const d = sampleDir();
    expect(usage({ input: [`raw=${d}`, `raw=${d}`] }).message).toBe("--input raw is given twice");
    const missing = join(d, "nope");
    expect(usage({ input: [`raw=${missing}`] }).message).toBe(`--input raw=${missing}: ${missing} is not a directory`);
    expect(usage({ input: ["raw"] }).message).toBe('--input "raw" is not KEY=VALUE');
  });

  it("allows 10 inputs and 10 outputs, not 11", () => {
    const d = sampleDir();
    const ins = (n: number) => Array.from({ length: n }, (_, i) => `in${i}=${d}`);
    const outs = (n: number) => Array.from({ length: n }, (_, i) => `out${i}`);
    expect(parse({ input: ins(10), processingOutput: outs(10) }).inputs).toHaveLength(10);
    const e = usage({ input: ins(11) });
    expect(e.message).toBe("a processing job has at most 10 inputs and 10 outputs");
    expect(e.hint).toBe("see processing#io.counts");
    expect(usage({ processingOutput: outs(11) }).message).toBe("a processing job has at most 10 inputs and 10 outputs");
  });
});

describe("--keep and --save-artifacts", () => {
  it("makes --keep absolute", () => {
    expect(parse({ keep: "kept-runs" }).keepDir).toBe(join(process.cwd(), "kept-runs"));
  });

  it("takes an existing --save-artifacts directory", () => {
    const d = tempDir();
    expect(parse({ saveArtifacts: d }, ["training"]).saveArtifactsDir).toBe(d);
  });

  it("refuses --save-artifacts that is not a directory", () => {
    const missing = join(tempDir(), "nope");
    expect(usage({ saveArtifacts: missing }).message).toBe(`--save-artifacts ${missing}: ${missing} is not a directory`);
  });

  it("refuses --save-artifacts without the training contract", () => {
    const e = usage({ saveArtifacts: tempDir() }, ["inference", "processing"]);
    expect(e.message).toBe("--save-artifacts saves a training job's model, but training is not among the contracts checked");
    expect(e.hint).toBe("add -c training");
  });
});

describe("flags for a contract that is not checked", () => {
  it.each<[string, () => RawJobOptions]>([
    ["--channel", () => ({ channel: ["train=."] })],
    ["--hp", () => ({ hp: ["epochs=1"] })],
    ["--hyperparameters", () => ({ hyperparameters: hpFile('{"epochs": 1}') })],
    ["--invalid-hp", () => ({ invalidHp: ["epochs=-1"] })],
  ])("refuses %s without training", (_flag, raw) => {
    const e = usage(raw(), ["inference", "processing"]);
    expect(e.message).toBe("--channel and --hp describe a training job, but training is not among the contracts checked");
    expect(e.hint).toBe("add -c training, or drop them");
  });

  it.each<[string, RawJobOptions]>([
    ["--input", { input: ["raw=."] }],
    ["--processing-output", { processingOutput: ["out"] }],
  ])("refuses %s without processing", (_flag, raw) => {
    const e = usage(raw, ["training", "inference"]);
    expect(e.message).toBe("--input and --processing-output describe a processing job, but processing is not among the contracts checked");
    expect(e.hint).toBe("add -c processing, or drop them");
  });

  it("accepts an empty hyperparameters file without training", () => {
    expect(parse({ hyperparameters: hpFile("{}") }, ["processing"]).hyperparameters).toEqual({});
  });
});

describe("stopGraces", () => {
  it("reads 120 s for both contracts from the bundled spec", () => {
    expect(stopGraces(spec)).toEqual({ training: 120_000, processing: 120_000 });
  });
});

describe("prepareKeepDir", () => {
  it("creates a new directory, parents included", () => {
    const d = join(tempDir(), "a", "b");
    prepareKeepDir(d);
    expect(statSync(d).isDirectory()).toBe(true);
  });

  it("accepts an empty directory", () => {
    const d = tempDir();
    prepareKeepDir(d);
    expect(existsSync(d)).toBe(true);
  });

  function keepError(dir: string): UsageError {
    try {
      prepareKeepDir(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return e as UsageError;
    }
    throw new Error(`expected --keep ${dir} to be refused`);
  }

  it("refuses a directory that holds anything", () => {
    const d = sampleDir({ "old-run.sh": "" });
    const e = keepError(d);
    expect(e.message).toBe(`--keep ${d} is not empty`);
    expect(e.hint).toBe("name a new or empty directory, so kept runs are not mixed with older ones");
  });

  it("refuses a file", () => {
    const file = join(sampleDir(), "data.csv");
    const e = keepError(file);
    expect(e.message).toBe(`--keep ${file} is not a directory`);
    expect(e.hint).toBe("name a new directory; byoc-check creates it");
  });
});

describe("--env for an endpoint", () => {
  it("holds an endpoint's Environment to ContainerDefinition's 1024-byte values", () => {
    expect(parse({ env: [`K=${"v".repeat(1024)}`] }, ["inference"]).env).toEqual([["K", "v".repeat(1024)]]);
    const e = usage({ env: [`K=${"v".repeat(1025)}`] }, ["inference"]);
    expect(e.message).toBe("--env K: longer than the 1024 characters SageMaker allows");
    expect(e.hint).toBe("see inference#env.container-environment");
  });

  it("applies, and names, the strictest limit when the same --env feeds a training job and an endpoint", () => {
    const e = usage({ env: [`K=${"v".repeat(513)}`] }, ["training", "inference"]);
    expect(e.message).toBe("--env K: longer than the 512 characters SageMaker allows");
    expect(e.hint).toBe("see training#env.environment-map");
  });
});
