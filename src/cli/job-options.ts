// The flags that describe the training and processing jobs byoc-check runs, checked against the API's own limits
// (read from the spec, so a new spec version moves them) before anything starts.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError, ConfigError } from "../errors.js";
import type { ChannelOption, JobOptions, ProcessingInputOption, TrainingInputMode } from "../engine/jobs/types.js";
import type { ClauseId, Contract, SpecView } from "../spec/types.js";
import { toMs } from "../spec/units.js";
import { parseDuration } from "./duration.js";

export interface RawJobOptions {
  entrypoint?: string;
  arg?: string[];
  env?: string[];
  channel?: string[];
  hyperparameters?: string;
  hp?: string[];
  invalidHp?: string[];
  inputMode?: string;
  networkIsolation?: boolean;
  trainTimeout?: string;
  processingTimeout?: string;
  stopAfter?: string;
  stopGrace?: string;
  input?: string[];
  processingOutput?: string[];
  keep?: string;
  saveArtifacts?: string;
}

const INPUT_MODES = ["File", "FastFile", "Pipe"] as const;
export const DEFAULT_INSTANCE_TYPE = "ml.m5.xlarge";
const DEFAULT_JOB_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_STOP_AFTER_MS = 2_000;
const CHANNEL_NAME = /^[A-Za-z0-9.\-_]+$/;
const ENV_KEY = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** ProcessingInput.InputName / ProcessingOutput.OutputName: the API's pattern is looser; a path segment must be safe. */
const IO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function pair(flag: string, value: string, example: string): [string, string] {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new UsageError(`${flag} "${value}" is not KEY=VALUE`, `write it as ${flag} ${example}`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

function existingDir(flag: string, value: string, path: string): string {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new UsageError(`${flag} ${value}: ${path} is not a directory`, "point it at a directory of sample data on this machine");
  }
  return abs;
}

function limitOf(spec: SpecView, clause: ClauseId, name: string): number {
  return spec.limit(clause, name).value;
}

function duration(raw: string | undefined, flag: string, fallback: number): number {
  return raw === undefined ? fallback : parseDuration(raw, flag);
}

/** Parses the entrypoint as SageMaker takes it: a JSON array of strings, or one program path. */
function parseEntrypoint(text: string): string[] {
  if (text.trimStart().startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`--entrypoint ${text} is not a JSON array`, `write it as --entrypoint '["python3", "/opt/program/train.py"]' or as one program path`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((w) => typeof w === "string")) {
      throw new UsageError(`--entrypoint ${text} must be a non-empty array of strings`, `e.g. --entrypoint '["python3", "/opt/program/train.py"]'`);
    }
    return parsed as string[];
  }
  if (text.trim() === "") throw new UsageError("--entrypoint is empty", "give the program to run, e.g. --entrypoint /opt/program/train");
  return [text];
}

function readHyperparameterFile(path: string): Record<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ? `cannot be read (${(e as NodeJS.ErrnoException).code})` : `is not JSON: ${(e as Error).message}`;
    throw new ConfigError(`--hyperparameters ${path} ${why}`, 'write a JSON object such as {"epochs": "10", "lr": "0.01"}');
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ConfigError(`--hyperparameters ${path} must hold a JSON object`, 'write a JSON object such as {"epochs": "10", "lr": "0.01"}');
  }
  // SageMaker only ever passes strings; a number in the file becomes its JSON text, as the SDK's estimators do.
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

export function parseJobOptions(raw: RawJobOptions, spec: SpecView, contracts: readonly Contract[], instances: readonly string[]): JobOptions {
  const training = contracts.includes("training");
  const processing = contracts.includes("processing");

  const listMax = limitOf(spec, "training#start.entrypoint-override", "listMaxItems");
  const itemMax = limitOf(spec, "training#start.entrypoint-override", "itemMaxChars");
  const checkList = (flag: string, list: string[]) => {
    if (list.length > listMax) throw new UsageError(`${flag} gives ${list.length} items; SageMaker allows at most ${listMax}`, "shorten the list (training#start.entrypoint-override)");
    const long = list.find((w) => w.length > itemMax);
    if (long) throw new UsageError(`${flag} item "${long.slice(0, 40)}..." is ${long.length} characters; SageMaker allows ${itemMax}`, "shorten it (training#start.entrypoint-override)");
  };

  const env: Array<[string, string]> = [];
  // One --env feeds every contract checked: the strictest of their Environment limits applies, and is the one named.
  const envLimits = (
    [
      ["training", "training#env.environment-map", "keyMaxChars", "valueMaxChars"],
      ["processing", "processing#env.environment-map", "keyMaxChars", "valueMaxChars"],
      ["inference", "inference#env.container-environment", "keyMaxBytes", "valueMaxBytes"],
    ] as const
  )
    .filter(([c, clause]) => contracts.includes(c) && spec.hasClause(clause))
    .map(([, clause, key, value]) => ({ clause: clause as ClauseId, keyMax: limitOf(spec, clause, key), valueMax: limitOf(spec, clause, value), maxEntries: limitOf(spec, clause, "maxEntries") }))
    .sort((a, b) => a.valueMax - b.valueMax || a.keyMax - b.keyMax);
  const strictest = envLimits[0] ?? { clause: "training#env.environment-map" as ClauseId, keyMax: Infinity, valueMax: Infinity, maxEntries: Infinity };
  const envClause = strictest.clause;
  for (const e of raw.env ?? []) {
    const [k, v] = pair("--env", e, "KEY=VALUE");
    if (!ENV_KEY.test(k)) throw new UsageError(`--env ${k}: not a valid variable name for SageMaker`, `keys match ${ENV_KEY.source} (${envClause})`);
    if (Buffer.byteLength(v) > strictest.valueMax || Buffer.byteLength(k) > strictest.keyMax) {
      throw new UsageError(`--env ${k}: longer than the ${strictest.valueMax} characters SageMaker allows`, `see ${envClause}`);
    }
    const at = env.findIndex(([key]) => key === k);
    if (at >= 0) env[at] = [k, v];
    else env.push([k, v]);
  }
  if (env.length > strictest.maxEntries) {
    throw new UsageError(`--env gives ${env.length} variables; SageMaker allows ${strictest.maxEntries}`, `see ${envClause}`);
  }

  const channels: ChannelOption[] = [];
  for (const c of raw.channel ?? []) {
    const [name, rest] = pair("--channel", c, "train=./data/train[@text/csv]");
    const at = rest.lastIndexOf("@");
    // A directory whose name holds "@" is taken whole; otherwise "@type/subtype" at the end is the ContentType.
    const whole = existsSync(resolve(rest)) && statSync(resolve(rest)).isDirectory();
    const path = !whole && at > 0 && rest.slice(at + 1).includes("/") ? rest.slice(0, at) : rest;
    const contentType = path === rest ? undefined : rest.slice(at + 1);
    const maxName = limitOf(spec, "training#config.channels", "nameMaxChars");
    if (!CHANNEL_NAME.test(name) || name.length > maxName) {
      throw new UsageError(`--channel ${name}: not a valid channel name`, `names match ${CHANNEL_NAME.source}, 1 to ${maxName} characters (training#config.channels)`);
    }
    if (channels.some((ch) => ch.name === name)) throw new UsageError(`--channel ${name} is given twice`, "give each channel once");
    channels.push({ name, dir: existingDir("--channel", c, path), ...(contentType ? { contentType } : {}) });
  }
  const maxChannels = limitOf(spec, "training#config.channels", "maxChannels");
  if (channels.length > maxChannels) throw new UsageError(`${channels.length} channels given; SageMaker allows ${maxChannels}`, "see training#config.channels");

  const hyperparameters: Record<string, string> = raw.hyperparameters ? readHyperparameterFile(raw.hyperparameters) : {};
  for (const h of raw.hp ?? []) {
    const [k, v] = pair("--hp", h, "epochs=10");
    hyperparameters[k] = v;
  }
  const invalidHyperparameters: Record<string, string> = {};
  for (const h of raw.invalidHp ?? []) {
    const [k, v] = pair("--invalid-hp", h, "epochs=-1");
    invalidHyperparameters[k] = v;
  }
  const hpClause = "training#config.hyperparameters";
  for (const [k, v] of Object.entries({ ...hyperparameters, ...invalidHyperparameters })) {
    if (k.length > limitOf(spec, hpClause, "keyMaxChars") || v.length > limitOf(spec, hpClause, "valueMaxChars")) {
      throw new UsageError(`hyperparameter ${k.slice(0, 40)} is longer than SageMaker allows`, `keys up to ${limitOf(spec, hpClause, "keyMaxChars")} characters, values up to ${limitOf(spec, hpClause, "valueMaxChars")} (${hpClause})`);
    }
  }
  if (Object.keys(hyperparameters).length > limitOf(spec, hpClause, "maxEntries")) {
    throw new UsageError(`${Object.keys(hyperparameters).length} hyperparameters given; SageMaker allows ${limitOf(spec, hpClause, "maxEntries")}`, `see ${hpClause}`);
  }

  const inputs: ProcessingInputOption[] = [];
  for (const i of raw.input ?? []) {
    const [name, path] = pair("--input", i, "data=./sample");
    if (!IO_NAME.test(name)) throw new UsageError(`--input ${name}: not a usable input name`, "use letters, digits, '.', '_' and '-'");
    if (inputs.some((x) => x.name === name)) throw new UsageError(`--input ${name} is given twice`, "give each input once");
    inputs.push({ name, dir: existingDir("--input", i, path) });
  }
  const outputs = [...new Set(raw.processingOutput ?? [])];
  for (const o of outputs) {
    if (!IO_NAME.test(o)) throw new UsageError(`--processing-output ${o}: not a usable output name`, "use letters, digits, '.', '_' and '-'");
  }
  const ioClause = "processing#io.counts";
  if (inputs.length > limitOf(spec, ioClause, "maxInputs") || outputs.length > limitOf(spec, ioClause, "maxOutputs")) {
    throw new UsageError(`a processing job has at most ${limitOf(spec, ioClause, "maxInputs")} inputs and ${limitOf(spec, ioClause, "maxOutputs")} outputs`, `see ${ioClause}`);
  }

  const inputMode = (raw.inputMode ?? "File") as TrainingInputMode;
  if (!(INPUT_MODES as readonly string[]).includes(inputMode)) {
    throw new UsageError(`--input-mode "${raw.inputMode}" is not one of ${INPUT_MODES.join(", ")}`, "SageMaker's TrainingInputMode values, case as written");
  }

  const job: JobOptions = {
    env,
    channels,
    hyperparameters,
    invalidHyperparameters,
    inputMode,
    networkIsolation: raw.networkIsolation === true,
    instanceType: instances[0] ?? DEFAULT_INSTANCE_TYPE,
    trainTimeoutMs: duration(raw.trainTimeout, "--train-timeout", DEFAULT_JOB_TIMEOUT_MS),
    processingTimeoutMs: duration(raw.processingTimeout, "--processing-timeout", DEFAULT_JOB_TIMEOUT_MS),
    inputs,
    outputs,
    stopAfterMs: duration(raw.stopAfter, "--stop-after", DEFAULT_STOP_AFTER_MS),
  };
  if (raw.entrypoint !== undefined) {
    job.entrypoint = parseEntrypoint(raw.entrypoint);
    checkList("--entrypoint", job.entrypoint);
  }
  if (raw.arg !== undefined) {
    job.args = raw.arg;
    checkList("--arg", job.args);
  }
  if (raw.stopGrace !== undefined) job.stopGraceMs = parseDuration(raw.stopGrace, "--stop-grace");
  if (raw.keep !== undefined) job.keepDir = resolve(raw.keep);
  if (raw.saveArtifacts !== undefined) {
    job.saveArtifactsDir = existingDir("--save-artifacts", raw.saveArtifacts, raw.saveArtifacts);
    if (!training) throw new UsageError("--save-artifacts saves a training job's model, but training is not among the contracts checked", "add -c training");
  }
  if (!training && (channels.length > 0 || Object.keys(hyperparameters).length > 0 || Object.keys(invalidHyperparameters).length > 0)) {
    throw new UsageError("--channel and --hp describe a training job, but training is not among the contracts checked", "add -c training, or drop them");
  }
  if (!processing && (inputs.length > 0 || outputs.length > 0)) {
    throw new UsageError("--input and --processing-output describe a processing job, but processing is not among the contracts checked", "add -c processing, or drop them");
  }
  return job;
}

/** The spec's grace between the stop signal and SIGKILL, per contract. */
export function stopGraces(spec: SpecView): { training: number; processing: number } {
  return {
    training: toMs(spec.limit("training#stop.sigterm", "grace")),
    processing: toMs(spec.limit("processing#stop.sigint", "assumedGrace")),
  };
}

/** --keep DIR must be new or empty: a kept sandbox mixed with an older one would mislead whoever reads it. */
export function prepareKeepDir(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--keep ${dir} is not a directory`, "name a new directory; byoc-check creates it");
    if (readdirSync(dir).length > 0) throw new UsageError(`--keep ${dir} is not empty`, "name a new or empty directory, so kept runs are not mixed with older ones");
  }
  mkdirSync(dir, { recursive: true });
}
