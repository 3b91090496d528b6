import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CHECKS } from "../../../conformance/index.js";
import { type LoadedConfig, type RawOptions, attributeErrors, findConfig, forContracts, loadConfig, mergeOptions } from "../../../src/cli/config-file.js";
import { parseJobOptions } from "../../../src/cli/job-options.js";
import { parseRunOptions } from "../../../src/cli/options.js";
import { main } from "../../../src/cli/program.js";
import { ConfigError, UsageError } from "../../../src/errors.js";
import { loadSpec } from "../../../src/spec/load.js";

const IDS = CHECKS.map((c) => c.id);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "unit-config-"));
  dirs.push(d);
  return d;
}

function writeConfig(doc: unknown, dir = tempDir()): string {
  const path = join(dir, "byoc.config.json");
  writeFileSync(path, typeof doc === "string" ? doc : JSON.stringify(doc, null, 2));
  return path;
}

function loadError(doc: unknown): ConfigError {
  try {
    loadConfig(writeConfig(doc), IDS);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("the config loaded");
}

describe("findConfig", () => {
  it("finds byoc.config.json here or in a parent, and stops at the repository root", () => {
    const repo = tempDir();
    mkdirSync(join(repo, ".git"));
    mkdirSync(join(repo, "a", "b"), { recursive: true });
    expect(findConfig(join(repo, "a", "b"))).toBeUndefined();
    writeConfig({ version: 1 }, repo);
    expect(findConfig(join(repo, "a", "b"))).toBe(join(repo, "byoc.config.json"));
    writeConfig({ version: 1 }, join(repo, "a"));
    expect(findConfig(join(repo, "a", "b"))).toBe(join(repo, "a", "byoc.config.json"));
  });

  it("does not look above the repository root", () => {
    const outer = tempDir();
    writeConfig({ version: 1 }, outer);
    mkdirSync(join(outer, "repo", ".git"), { recursive: true });
    expect(findConfig(join(outer, "repo"))).toBeUndefined();
  });
});

describe("loadConfig", () => {
  it("translates every section into the flags' own form, paths made absolute against the file", () => {
    const dir = tempDir();
    const c = loadConfig(
      writeConfig(
        {
          $schema: "./node_modules/byoc-check/schemas/config.schema.json",
          version: 1,
          contracts: ["training", "inference"],
          instances: ["ml.g5.xlarge"],
          instanceCount: 2,
          failOn: "warning",
          seed: 42,
          timeout: "30m",
          env: { LOG_LEVEL: "debug" },
          dockerfile: "docker/Dockerfile",
          reports: { format: "json", json: "out/r.json", junit: "out/r.xml", sarif: "out/r.sarif", annotations: true },
          jobs: { entrypoint: ["python3", "/opt/program/train.py"], args: ["--fast"], networkIsolation: true, stopGrace: "5s" },
          training: { channels: { train: "data/train", test: { dir: "data/test", contentType: "text/csv" } }, hyperparameters: { epochs: 2, lr: "0.1", deep: true }, invalidHyperparameters: { epochs: -1 }, inputMode: "Pipe", timeout: "5m" },
          processing: { inputs: { data: "data/p" }, outputs: ["result"], timeout: "2m" },
          inference: { model: "none", samples: ["s.csv", { file: "s.json", contentType: "application/json" }], accept: "application/json", readyGate: "30s", concurrency: 8 },
          fuzz: { runs: 50, time: "20s", strict: true },
          waivers: [{ check: "IMG-USER-ROOT", reason: "  drops privileges itself  ", expires: "2027-01-31" }],
        },
        dir,
      ),
      IDS,
    );
    expect(c.raw).toEqual({
      contract: ["training", "inference"],
      instance: ["ml.g5.xlarge"],
      instanceCount: "2",
      failOn: "warning",
      seed: "42",
      timeout: "30m",
      env: ["LOG_LEVEL=debug"],
      dockerfile: join(dir, "docker/Dockerfile"),
      format: "json",
      json: join(dir, "out/r.json"),
      junit: join(dir, "out/r.xml"),
      sarif: join(dir, "out/r.sarif"),
      annotations: true,
      entrypoint: '["python3","/opt/program/train.py"]',
      arg: ["--fast"],
      networkIsolation: true,
      stopGrace: "5s",
      channel: [`train=${join(dir, "data/train")}`, `test=${join(dir, "data/test")}@text/csv`],
      hp: ["epochs=2", "lr=0.1", "deep=true"],
      invalidHp: ["epochs=-1"],
      inputMode: "Pipe",
      trainTimeout: "5m",
      input: [`data=${join(dir, "data/p")}`],
      processingOutput: ["result"],
      processingTimeout: "2m",
      model: "none",
      sample: [join(dir, "s.csv"), `${join(dir, "s.json")}@application/json`],
      accept: "application/json",
      readyGate: "30s",
      concurrency: "8",
      fuzzRuns: "50",
      fuzzTime: "20s",
      strict: true,
    });
    expect(c.waivers).toEqual([{ check: "IMG-USER-ROOT", reason: "drops privileges itself", expires: "2027-01-31" }]);
    expect(c.pointers.trainTimeout).toBe("/training/timeout");
  });

  it("takes a hyperparameters file path as the --hyperparameters flag does", () => {
    const dir = tempDir();
    const c = loadConfig(writeConfig({ version: 1, training: { hyperparameters: "hp.json" } }, dir), IDS);
    expect(c.raw).toEqual({ hyperparameters: join(dir, "hp.json") });
  });

  it.each([
    [{ version: 1, contracts: ["training"], instancez: [] }, /\/instancez unknown key "instancez"/, /did you mean "instances"\?/],
    [{ version: 1, training: { timout: "5m" } }, /\/training\/timout unknown key "timout"/, /did you mean "timeout"\?/],
    [{ version: 1, seed: "42" }, /\/seed must be integer/, /schemas\/config.schema.json/],
    [{ version: 1, training: { timeout: "ten minutes" } }, /\/training\/timeout "ten minutes" is not valid here/, /Go-style duration/],
    [{ version: 1, failOn: "errors" }, /\/failOn "errors" is not one of "error", "warning"/, /did you mean "error"\?/],
    [{ contracts: ["training"] }, /\/ "version" is missing/, /add "version": 1/],
    [{ version: 2 }, /\/version must be 1/, /reads version 1/],
    [{ version: 1, waivers: [{ check: "IMG-USER-ROOT" }] }, /\/waivers\/0 "reason" is missing/, /schema/],
    [{ version: 1, waivers: [{ check: "IMG-USER-ROOT", reason: "x", expires: "2026-02-30" }] }, /\/waivers\/0\/expires "2026-02-30" is not a date/, /YYYY-MM-DD/],
    [{ version: 1, waivers: [{ check: "IMG-USER-ROOT", reason: "   " }] }, /\/waivers\/0\/reason/, /Why the failure is accepted/],
    [{ version: 1, training: { channels: { train: 3 } } }, /\/training\/channels\/train/, /./],
    [{ version: 1, inference: { samples: [{ file: "a.csv", type: "text/csv" }] } }, /\/inference\/samples\/0\/type unknown key "type"/, /keys here: file, contentType/],
    [{ version: 1, waivers: [{ check: "IMG-USER-RUT", reason: "x" }] }, /\/waivers\/0\/check "IMG-USER-RUT" names no check/, /did you mean "IMG-USER-ROOT"\?/],
    [{ version: 1, waivers: [{ check: "IMG-USER-ROOT", reason: "x" }, { check: "IMG-USER-ROOT", reason: "y" }] }, /\/waivers\/1 waives IMG-USER-ROOT a second time \(see \/waivers\/0\)/, /one waiver per check/],
    ['{"version": 1,,}', /is not JSON: /, /fix the syntax/],
    ["[1]", /must hold a JSON object/, /"version": 1/],
  ])("stops on %j, naming the place in the file", (doc, message, hint) => {
    const e = loadError(doc);
    expect(e.message).toMatch(/^the config .*byoc\.config\.json/);
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
  });

  it("says when the file cannot be read", () => {
    expect(() => loadConfig(join(tempDir(), "missing.json"), IDS)).toThrow(/cannot read the config .*missing\.json \(ENOENT\)/);
    expect(() => loadConfig(tempDir(), IDS)).toThrow(/cannot read the config .* \(EISDIR\)/);
  });
});

describe("mergeOptions", () => {
  const config = (raw: RawOptions): LoadedConfig => ({ path: "/x/byoc.config.json", shown: "byoc.config.json", raw, pointers: {}, waivers: [] });

  it("lets a flag typed on the command line override the file, and a default not", () => {
    const typed = new Set<string>(["failOn"]);
    const merged = mergeOptions({ failOn: "warning", format: "text", trainTimeout: "10m" }, (k) => typed.has(k), config({ failOn: "error", format: "json", trainTimeout: "5m" }));
    expect(merged).toMatchObject({ failOn: "warning", format: "json", trainTimeout: "5m" });
  });

  it("replaces lists whole but merges environment and hyperparameters key by key, the flag's entry last (so it wins)", () => {
    const typed = new Set<string>(["instance", "env", "hp"]);
    const merged = mergeOptions(
      { instance: ["ml.m5.large"], env: ["A=cli"], hp: ["epochs=3"] },
      (k) => typed.has(k),
      config({ instance: ["ml.g5.xlarge", "ml.p4d.24xlarge"], env: ["A=file", "B=file"], hp: ["epochs=1", "lr=0.1"] }),
    );
    expect(merged.instance).toEqual(["ml.m5.large"]);
    expect(merged.env).toEqual(["A=file", "B=file", "A=cli"]);
    expect(merged.hp).toEqual(["epochs=1", "lr=0.1", "epochs=3"]);
    // The parser keeps the last entry of a key: the flag's.
    const spec = loadSpec();
    const job = parseJobOptions(merged, spec, ["training"], []);
    expect(job.env).toEqual([["A", "cli"], ["B", "file"]]);
    expect(job.hyperparameters).toEqual({ epochs: "3", lr: "0.1" });
  });

  it("drops the file's hyperparameters when --hyperparameters names a file on the command line", () => {
    const c: LoadedConfig = { ...config({ hp: ["epochs=1"] }), pointers: { hp: "/training/hyperparameters" } };
    const merged = mergeOptions({ hyperparameters: "/cli/hp.json" }, (k) => k === "hyperparameters", c);
    expect(merged.hp).toEqual([]);
    expect(merged.hyperparameters).toBe("/cli/hp.json");
  });

  it("is the command line alone without a file", () => {
    const cli = { failOn: "warning" };
    expect(mergeOptions(cli, () => true, undefined)).toBe(cli);
  });
});

describe("forContracts", () => {
  const dir = () => tempDir();
  it("leaves out the file's options for contracts the run does not check, back to the command line's defaults", () => {
    const c = loadConfig(
      writeConfig({ version: 1, training: { channels: { train: "." }, hyperparameters: { a: 1 }, timeout: "5m" }, inference: { samples: ["s.csv"], accept: "application/json", readyGate: "30s" }, fuzz: { strict: false }, jobs: { networkIsolation: true } }, dir()),
      IDS,
    );
    const cli: RawOptions = { trainTimeout: "10m", readyGate: "60s" };
    const merged = mergeOptions(cli, () => false, c);
    const training = forContracts(merged, cli, () => false, c, ["training"]);
    expect(training).toMatchObject({ trainTimeout: "5m", readyGate: "60s", networkIsolation: true });
    expect(training.sample).toBeUndefined();
    expect(training.accept).toBeUndefined();
    expect(training.strict).toBeUndefined();
    const inference = forContracts(merged, cli, () => false, c, ["inference"]);
    expect(inference).toMatchObject({ trainTimeout: "10m", readyGate: "30s", accept: "application/json" });
    expect(inference.channel).toBeUndefined();
    expect(inference.hp).toBeUndefined();
    expect(inference.networkIsolation).toBeUndefined();
    // Both parsers accept what is left, where the whole file would have stopped a -c training run.
    const spec = loadSpec();
    expect(() => parseJobOptions(training, spec, ["training"], [])).not.toThrow();
  });

  it("keeps a flag typed for a contract not checked, so that the parser can say it is out of place", () => {
    const c = loadConfig(writeConfig({ version: 1 }), IDS);
    const cli: RawOptions = { sample: ["s.csv"] };
    expect(forContracts(cli, cli, (k) => k === "sample", c, ["training"]).sample).toEqual(["s.csv"]);
  });
});

describe("attributeErrors", () => {
  const c: LoadedConfig = { path: join(process.cwd(), "byoc.config.json"), shown: "byoc.config.json", raw: {}, pointers: { instanceCount: "/instanceCount", failOn: "/failOn" }, waivers: [] };

  it("names the file and the place of a value that came from it", () => {
    let caught: unknown;
    try {
      attributeErrors(c, () => false, () => parseRunOptions({ instanceCount: "0" }, () => 1));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toBe('the config byoc.config.json: /instanceCount: --instance-count "0" is not a whole number from 1 to 1000');
    expect((caught as ConfigError).hint).toMatch(/InstanceCount/);
  });

  it("finds the file's option among several flags a message names", () => {
    const c2: LoadedConfig = { ...c, pointers: { processingOutput: "/processing/outputs" } };
    const parse = () => {
      throw new UsageError("--input and --processing-output describe a processing job, but processing is not among the contracts checked", "add -c processing");
    };
    expect(() => attributeErrors(c2, () => false, parse)).toThrow("the config byoc.config.json: /processing/outputs: --input and --processing-output describe a processing job");
  });

  it("leaves an error about a flag typed on the command line as it is", () => {
    expect(() => attributeErrors(c, (k) => k === "instanceCount", () => parseRunOptions({ instanceCount: "0" }, () => 1))).toThrow(UsageError);
  });
});

describe("the CLI with a config file", () => {
  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), stdoutIsTty: false });
    return { code, stdout: out.join(""), stderr: err.join("") };
  }

  it.each([
    [{ version: 1, reports: { formatt: "json" } }, /\/reports\/formatt unknown key "formatt"/],
    [{ version: 1, instanceCount: 2000 }, /\/instanceCount must be <= 1000/],
    [{ version: 1, instances: ["ml.nope.xlarge"] }, /ml\.nope\.xlarge/],
  ])("stops with exit 2 and one line for %j", async (doc, message) => {
    const r = await run("--config", writeConfig(doc), "img:latest");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^byoc-check: error: the config .*byoc\.config\.json: /);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toMatch(/\(hint: .+\)$/);
  });

  it("says so when --config names no file, and --no-config ignores one", async () => {
    const r = await run("--config", join(tempDir(), "nope.json"), "img:latest");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read the config .*nope\.json \(ENOENT\)/);
  });

  it("runs a file that describes every contract with -c for one of them", async () => {
    const dir = tempDir();
    const cfg = writeConfig({ version: 1, contracts: ["training", "inference"], training: { channels: { train: "." }, hyperparameters: { epochs: 2 } }, inference: { samples: ["s.csv"], accept: "application/json" }, fuzz: { runs: 5 } }, dir);
    writeFileSync(join(dir, "s.csv"), "1,2\n");
    for (const contract of ["training", "inference"]) {
      const r = await run("--config", cfg, "-c", contract, `docker-archive:${join(dir, "missing.tar")}`);
      // Past every option: the run stops only at the archive that is not there.
      expect(r.stderr).toMatch(/missing\.tar/);
      expect(r.stderr).not.toMatch(/not among the contracts checked/);
    }
  });

  it("shows --config's path as the user gave it", async () => {
    const r = await run("--config", "/nonexistent/byoc.json", "img:latest");
    expect(r.stderr).toMatch(/cannot read the config \/nonexistent\/byoc\.json \(ENOENT\)/);
  });

  it("reads a file saved with a byte-order mark", () => {
    const path = writeConfig(`\uFEFF${JSON.stringify({ version: 1, failOn: "warning" })}`);
    expect(loadConfig(path, IDS).raw).toEqual({ failOn: "warning" });
  });

  it("lets a flag override a bad value in the file", async () => {
    // The file's --fail-on is wrong, the flag's is right: the flag wins, and the run goes on to the next problem.
    const r = await run("--config", writeConfig({ version: 1, seed: 5 }), "--seed", "x", "img:latest");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--seed "x" is not a whole number/);
    expect(r.stderr).not.toMatch(/the config/);
  });
});
