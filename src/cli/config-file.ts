import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { ErrorObject } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { distance } from "fastest-levenshtein";
import { ConfigError, SpecError, UsageError } from "../errors.js";
import { SCHEMAS_DIR } from "../paths.js";
import type { Waiver } from "../report/waivers.js";
import type { RawJobOptions } from "./job-options.js";
import type { RawRunOptions } from "./options.js";
import type { RawServeOptions } from "./serve-options.js";

export const CONFIG_FILE = "byoc.config.json";
export const CONFIG_VERSION = 1;

/** Every option a run takes, as commander hands them over: strings, string lists and booleans. */
export type RawOptions = RawRunOptions & RawJobOptions & RawServeOptions & RawReportOptions;

export interface RawReportOptions {
  json?: string;
  junit?: string;
  sarif?: string;
  annotations?: boolean;
  dockerfile?: string;
}

type Doc = Record<string, unknown>;

export interface LoadedConfig {
  /** The file, as found or given. */
  path: string;
  /** The file as errors name it: as the user gave it to --config, or relative to the working directory when found. */
  shown: string;
  /** The options the file gives, in the flags' own form; paths made absolute against the file's directory. */
  raw: RawOptions;
  /** For each option the file gives, its place in the file (a JSON pointer), so errors can name it. */
  pointers: Partial<Record<keyof RawOptions, string>>;
  waivers: Waiver[];
}

/**
 * The config a run uses: --config FILE, else byoc.config.json in the working directory or the nearest parent up to
 * the repository's root (the directory holding .git), as prettier and eslint look for theirs.
 */
export function findConfig(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (existsSync(join(dir, ".git")) || parent === dir) return undefined;
    dir = parent;
  }
}

let validator: ReturnType<Ajv2020["compile"]> | undefined;

function validate(doc: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    addFormats.default(ajv, ["date"]);
    validator = ajv.compile(JSON.parse(readFileSync(join(SCHEMAS_DIR, "config.schema.json"), "utf8")) as object);
  }
  return validator(doc) ? [] : [...(validator.errors ?? [])];
}

function suggest(word: string, choices: readonly string[]): string {
  const best = [...choices].sort((a, b) => distance(word, a) - distance(word, b))[0];
  return best !== undefined && distance(word, best) <= 3 ? `did you mean "${best}"? ` : "";
}

/** The one schema error worth reading: the deepest, and not a oneOf's summary of its branches. */
function describe(errors: ErrorObject[]): { pointer: string; message: string; hint: string } {
  // Deepest first; within a oneOf, the branch made for the value's type says more than "must be string" from another.
  const rank = (e: ErrorObject) =>
    (e.keyword === "oneOf" ? -1000 : 0) + 10 * (e.instancePath.split("/").length + (e.keyword === "additionalProperties" ? 1 : 0)) + (e.keyword === "type" ? 0 : 1);
  const e = [...errors].sort((a, b) => rank(b) - rank(a))[0]!;
  const pointer = e.instancePath || "/";
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { pointer: `${e.instancePath}/${key}`, message: `unknown key "${key}"`, hint: `${suggest(key, known)}${known.length ? `keys here: ${known.join(", ")}` : "see schemas/config.schema.json"}` };
    }
    case "required":
      return { pointer, message: `"${String(e.params.missingProperty)}" is missing`, hint: e.params.missingProperty === "version" ? `add "version": ${CONFIG_VERSION}` : "see schemas/config.schema.json" };
    case "const":
      return { pointer, message: `must be ${JSON.stringify(e.params.allowedValue)}`, hint: pointer === "/version" ? `this byoc-check reads version ${CONFIG_VERSION} of the config format` : "see schemas/config.schema.json" };
    case "enum":
      return { pointer, message: `${JSON.stringify(e.data)} is not one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`, hint: typeof e.data === "string" ? `${suggest(e.data, (e.params.allowedValues as unknown[]).map(String))}see schemas/config.schema.json` : "see schemas/config.schema.json" };
    case "pattern": {
      // The description says what the value is, after the flag it mirrors ("--driver: the host's NVIDIA driver ...").
      const what = (e.parentSchema as { description?: string } | undefined)?.description?.replace(/^--[a-z-]+: /, "");
      return { pointer, message: `${JSON.stringify(e.data)} is not valid here`, hint: what ?? `it must match ${String(e.params.pattern)}` };
    }
    case "format":
      return { pointer, message: `${JSON.stringify(e.data)} is not a ${String(e.params.format)}`, hint: e.params.format === "date" ? "write the date as YYYY-MM-DD, e.g. 2026-12-31" : "see schemas/config.schema.json" };
    default:
      return { pointer, message: e.message ?? "is not valid", hint: "see schemas/config.schema.json" };
  }
}

/** Reads, validates and translates a config file; every fault stops the run (exit 2) and names its place in the file. */
export function loadConfig(path: string, knownChecks: readonly string[], given?: string): LoadedConfig {
  const shown = given ?? (relative(process.cwd(), path) || path);
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error("a directory"), { code: "EISDIR" });
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read the config ${shown} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, "give --config the path of a byoc.config.json file, or --no-config to run without one");
  }
  let doc: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte-order mark; JSON.parse would call it an unexpected token.
    doc = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new ConfigError(`the config ${shown} is not JSON: ${(e as Error).message}`, "fix the syntax; editors check it against schemas/config.schema.json when the file names it in $schema");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ConfigError(`the config ${shown} must hold a JSON object`, `start from {"version": ${CONFIG_VERSION}}`);
  }
  const errors = validate(doc);
  if (errors.length > 0) {
    const d = describe(errors);
    throw new ConfigError(`the config ${shown}: ${d.pointer} ${d.message}`, d.hint);
  }
  const config = toRaw(doc as Doc, dirname(resolve(path)));
  config.waivers.forEach((w, i) => {
    if (!knownChecks.includes(w.check)) {
      throw new ConfigError(`the config ${shown}: /waivers/${i}/check "${w.check}" names no check`, `${suggest(w.check, knownChecks)}byoc-check checks lists them`);
    }
    const seen = config.waivers.findIndex((o) => o.check === w.check);
    if (seen !== i) throw new ConfigError(`the config ${shown}: /waivers/${i} waives ${w.check} a second time (see /waivers/${seen})`, "keep one waiver per check");
  });
  return { path, shown, ...config };
}

function toRaw(doc: Doc, dir: string): Omit<LoadedConfig, "path" | "shown"> {
  const raw: RawOptions = {};
  const pointers: LoadedConfig["pointers"] = {};
  const abs = (p: string) => resolve(dir, p);
  const set = <K extends keyof RawOptions>(key: K, value: RawOptions[K] | undefined, pointer: string) => {
    if (value === undefined) return;
    raw[key] = value;
    pointers[key] = pointer;
  };
  const obj = (v: unknown) => (v ?? {}) as Doc;
  const str = (v: unknown) => (v === undefined ? undefined : String(v));
  const path = (v: unknown) => (v === undefined ? undefined : abs(String(v)));
  const hpList = (v: unknown) => Object.entries(obj(v)).map(([k, x]) => `${k}=${typeof x === "string" ? x : JSON.stringify(x)}`);

  set("contract", doc.contracts as string[] | undefined, "/contracts");
  set("instance", doc.instances as string[] | undefined, "/instances");
  set("instanceCount", str(doc.instanceCount), "/instanceCount");
  set("only", doc.only as string[] | undefined, "/only");
  set("platform", str(doc.platform), "/platform");
  set("driver", str(doc.driver), "/driver");
  set("inferenceAmi", str(doc.inferenceAmi), "/inferenceAmi");
  set("spec", str(doc.spec), "/spec");
  set("specDir", path(doc.specDir), "/specDir");
  set("failOn", str(doc.failOn), "/failOn");
  set("seed", str(doc.seed), "/seed");
  set("timeout", str(doc.timeout), "/timeout");
  if (doc.env !== undefined) set("env", Object.entries(obj(doc.env)).map(([k, v]) => `${k}=${String(v)}`), "/env");
  set("keep", path(doc.keep), "/keep");
  set("dockerfile", path(doc.dockerfile), "/dockerfile");

  const reports = obj(doc.reports);
  set("format", str(reports.format), "/reports/format");
  set("output", path(reports.output), "/reports/output");
  set("json", path(reports.json), "/reports/json");
  set("junit", path(reports.junit), "/reports/junit");
  set("sarif", path(reports.sarif), "/reports/sarif");
  set("annotations", reports.annotations as boolean | undefined, "/reports/annotations");

  const jobs = obj(doc.jobs);
  if (jobs.entrypoint !== undefined) set("entrypoint", Array.isArray(jobs.entrypoint) ? JSON.stringify(jobs.entrypoint) : String(jobs.entrypoint), "/jobs/entrypoint");
  set("arg", jobs.args as string[] | undefined, "/jobs/args");
  set("networkIsolation", jobs.networkIsolation as boolean | undefined, "/jobs/networkIsolation");
  set("stopAfter", str(jobs.stopAfter), "/jobs/stopAfter");
  set("stopGrace", str(jobs.stopGrace), "/jobs/stopGrace");
  set("saveArtifacts", path(jobs.saveArtifacts), "/jobs/saveArtifacts");

  const training = obj(doc.training);
  if (training.channels !== undefined) {
    const channels = Object.entries(obj(training.channels)).map(([name, c]) => {
      if (typeof c === "string") return `${name}=${abs(c)}`;
      const { dir: d, contentType } = c as { dir: string; contentType?: string };
      return `${name}=${abs(d)}${contentType ? `@${contentType}` : ""}`;
    });
    set("channel", channels, "/training/channels");
  }
  if (typeof training.hyperparameters === "string") set("hyperparameters", abs(training.hyperparameters), "/training/hyperparameters");
  else if (training.hyperparameters !== undefined) set("hp", hpList(training.hyperparameters), "/training/hyperparameters");
  if (training.invalidHyperparameters !== undefined) set("invalidHp", hpList(training.invalidHyperparameters), "/training/invalidHyperparameters");
  set("inputMode", str(training.inputMode), "/training/inputMode");
  set("trainTimeout", str(training.timeout), "/training/timeout");

  const processing = obj(doc.processing);
  if (processing.inputs !== undefined) set("input", Object.entries(obj(processing.inputs)).map(([name, d]) => `${name}=${abs(String(d))}`), "/processing/inputs");
  set("processingOutput", processing.outputs as string[] | undefined, "/processing/outputs");
  set("processingTimeout", str(processing.timeout), "/processing/timeout");

  const inference = obj(doc.inference);
  if (inference.model !== undefined) set("model", inference.model === "none" ? "none" : abs(String(inference.model)), "/inference/model");
  if (inference.samples !== undefined) {
    const samples = (inference.samples as unknown[]).map((s) => {
      if (typeof s === "string") return abs(s);
      const { file, contentType } = s as { file: string; contentType?: string };
      return `${abs(file)}${contentType ? `@${contentType}` : ""}`;
    });
    set("sample", samples, "/inference/samples");
  }
  set("contentType", str(inference.contentType), "/inference/contentType");
  set("accept", str(inference.accept), "/inference/accept");
  set("expectSchema", path(inference.expectSchema), "/inference/expectSchema");
  set("startupTimeout", str(inference.startupTimeout), "/inference/startupTimeout");
  set("readyGate", str(inference.readyGate), "/inference/readyGate");
  set("concurrency", str(inference.concurrency), "/inference/concurrency");

  const fuzz = obj(doc.fuzz);
  set("fuzzRuns", str(fuzz.runs), "/fuzz/runs");
  set("fuzzTime", str(fuzz.time), "/fuzz/time");
  set("strict", fuzz.strict as boolean | undefined, "/fuzz/strict");

  const waivers = ((doc.waivers ?? []) as Array<{ check: string; reason: string; expires?: string }>).map((w) => ({
    check: w.check,
    reason: w.reason.trim(),
    ...(w.expires !== undefined ? { expires: w.expires } : {}),
  }));
  return { raw, pointers, waivers };
}

/** The contracts an option describes: the file's options for contracts a run does not check are left out of it. */
const CONTRACT_OF: Partial<Record<keyof RawOptions, ReadonlyArray<"training" | "processing" | "inference">>> = {
  channel: ["training"],
  hyperparameters: ["training"],
  hp: ["training"],
  invalidHp: ["training"],
  inputMode: ["training"],
  trainTimeout: ["training"],
  saveArtifacts: ["training"],
  input: ["processing"],
  processingOutput: ["processing"],
  processingTimeout: ["processing"],
  entrypoint: ["training", "processing"],
  arg: ["training", "processing"],
  networkIsolation: ["training", "processing"],
  stopAfter: ["training", "processing"],
  model: ["inference"],
  sample: ["inference"],
  contentType: ["inference"],
  accept: ["inference"],
  expectSchema: ["inference"],
  startupTimeout: ["inference"],
  readyGate: ["inference"],
  concurrency: ["inference"],
  fuzzRuns: ["inference"],
  fuzzTime: ["inference"],
  strict: ["inference"],
};

/**
 * One file may describe every contract while a run checks fewer (-c training): the file's options for the others
 * are not this run's, so they go back to what the command line had (its default, or nothing). A flag typed for a
 * contract not checked is still an error, from the parsers.
 */
export function forContracts(merged: RawOptions, cli: RawOptions, fromCli: (key: keyof RawOptions) => boolean, config: LoadedConfig | undefined, contracts: readonly string[]): RawOptions {
  if (!config) return merged;
  const out: RawOptions = { ...merged };
  for (const key of Object.keys(config.raw) as Array<keyof RawOptions>) {
    const scope = CONTRACT_OF[key];
    if (!scope || fromCli(key) || scope.some((c) => contracts.includes(c))) continue;
    if (cli[key] === undefined) delete out[key];
    else (out as Record<string, unknown>)[key] = cli[key];
  }
  return out;
}

// Options whose values add up rather than replace: a flag's entry wins for its own key, the file's other keys stay.
const KEYED: ReadonlyArray<keyof RawOptions> = ["env", "hp", "invalidHp"];

/**
 * The options a run uses: the file's, with every flag given on the command line on top. `fromCli` tells a flag the
 * user typed from a default commander filled in. Keyed lists (env, hyperparameters) merge key by key, the flag's
 * entry winning; other lists (instances, samples, channels) are replaced whole by the flag's.
 */
export function mergeOptions(cli: RawOptions, fromCli: (key: keyof RawOptions) => boolean, config: LoadedConfig | undefined): RawOptions {
  if (!config) return cli;
  const out: RawOptions = { ...cli };
  for (const [k, v] of Object.entries(config.raw) as Array<[keyof RawOptions, never]>) {
    if (!fromCli(k)) out[k] = v;
    else if (KEYED.includes(k)) (out as Record<string, unknown>)[k] = [...(v as string[]), ...((cli[k] as string[] | undefined) ?? [])];
  }
  // A --hyperparameters file given on the command line replaces the file's hyperparameters as a whole.
  if (fromCli("hyperparameters") && config.pointers.hp === "/training/hyperparameters") out.hp = cli.hp ?? [];
  return out;
}

/**
 * Runs `parse` over merged options; a usage error about an option that came from the file (not from a flag) names
 * the file and the place in it, before the message as the flag would have had it. The option is the first flag the
 * message names that the file gave, or `key` for messages that name none.
 */
export function attributeErrors<T>(config: LoadedConfig | undefined, fromCli: (key: keyof RawOptions) => boolean, parse: () => T, key?: keyof RawOptions): T {
  try {
    return parse();
  } catch (e) {
    if (!config || !(e instanceof UsageError || e instanceof ConfigError || e instanceof SpecError)) throw e;
    const fromFile = (k: keyof RawOptions) => config.pointers[k] !== undefined && !fromCli(k);
    const named = [...e.message.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof RawOptions);
    const culprit = named.find(fromFile) ?? (named.length === 0 && key && fromFile(key) ? key : undefined);
    if (!culprit) throw e;
    throw new ConfigError(`the config ${config.shown}: ${config.pointers[culprit]}: ${e.message}`, e.hint, { cause: e });
  }
}
