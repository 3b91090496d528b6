// The flags that describe the endpoint byoc-check hosts: the model, sample requests, the start-up window. Checked
// against the API's limits from the spec before anything starts.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { ConfigError, UsageError } from "../errors.js";
import { runArbitrary } from "../fuzz/cases.js";
import { caseAt } from "../fuzz/run.js";
import { checkModelArchive } from "../image/model-archive.js";
import type { ServeLimits } from "../engine/serve/endpoints.js";
import type { ModelSource, Sample, ServeOptions } from "../engine/serve/types.js";
import type { Contract, SpecView } from "../spec/types.js";
import { toBytes, toMs } from "../spec/units.js";
import { parseDuration } from "./duration.js";

export interface RawServeOptions {
  model?: string;
  sample?: string[];
  contentType?: string;
  accept?: string;
  expectSchema?: string;
  startupTimeout?: string;
  readyGate?: string;
  concurrency?: string;
  fuzzRuns?: string;
  fuzzTime?: string;
  strict?: boolean;
  replay?: string;
}

const BY_EXTENSION: Record<string, string> = {
  ".json": "application/json",
  ".jsonl": "application/jsonlines",
  ".csv": "text/csv",
  ".txt": "text/plain",
  ".npy": "application/x-npy",
  ".npz": "application/x-npz",
  ".pb": "application/x-recordio-protobuf",
  ".recordio": "application/x-recordio-protobuf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
};
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9*][A-Za-z0-9!#$&^_.+*-]*(\s*;.*)?$/;
const MAX_CONCURRENCY = 64;
const MAX_FUZZ_RUNS = 1_000_000;
const MAX_FUZZ_TIME_MS = 24 * 3_600_000;
export const DEFAULT_FUZZ_RUNS = 200;
/** The search's wall-clock budget unless --fuzz-time says otherwise: a gate must end even on a server that hangs. */
export const DEFAULT_FUZZ_TIME = "5m";

/** The contract's numbers the endpoint sandbox applies. */
export function serveLimits(spec: SpecView): ServeLimits {
  return {
    pingTimeoutMs: toMs(spec.limit("inference#ping.timeout", "timeout")),
    acceptMs: toMs(spec.limit("inference#http.accept", "deadline")),
    invocationTimeoutMs: toMs(spec.limit("inference#invocations.timeout", "timeout")),
    requestMaxBytes: toBytes(spec.limit("inference#invocations.payload", "requestMax")),
    responseMaxBytes: toBytes(spec.limit("inference#invocations.payload", "responseMax")),
    stopGraceMs: toMs(spec.limit("inference#stop.sigterm", "grace")),
  };
}

function mediaType(flag: string, value: string): string {
  const max = 1024;
  if (!MEDIA_TYPE.test(value) || value.length > max || !/^[\x20-\x7e]+$/.test(value)) {
    throw new UsageError(`${flag} "${value}" is not a media type`, "write it as type/subtype, e.g. text/csv or application/json (ASCII, at most 1024 characters)");
  }
  return value;
}

function parseModel(raw: string | undefined, trainedAvailable: boolean): ModelSource | undefined {
  if (raw === undefined) return trainedAvailable ? { kind: "trained" } : undefined;
  if (raw === "none") return { kind: "none" };
  const path = resolve(raw);
  if (!existsSync(path)) throw new UsageError(`--model ${raw} does not exist`, "give a model directory, a model.tar.gz, or none for an image that carries its model");
  if (statSync(path).isDirectory()) return { kind: "dir", path };
  if (!/\.(tar\.gz|tgz)$/.test(path)) throw new UsageError(`--model ${raw} is neither a directory nor a .tar.gz`, "SageMaker's ModelDataUrl is a model.tar.gz; a directory is mounted as it is");
  checkModelArchive(path);
  return { kind: "archive", path };
}

function readSamples(raw: string[], defaultType: string | undefined, maxBytes: number): Sample[] {
  const names = new Set<string>();
  return raw.map((value) => {
    const at = value.lastIndexOf("@");
    // A file whose name holds "@" is taken whole; otherwise "@type/subtype" at the end is its Content-Type.
    const whole = existsSync(resolve(value));
    const file = !whole && at > 0 && value.slice(at + 1).includes("/") ? value.slice(0, at) : value;
    const given = file === value ? undefined : mediaType("--sample", value.slice(at + 1));
    const contentType = given ?? defaultType ?? BY_EXTENSION[extname(file).toLowerCase()];
    if (!contentType) {
      throw new UsageError(`--sample ${value}: no content type`, `name it, as in --sample ${file}@application/octet-stream, or set --content-type`);
    }
    let body: Buffer;
    try {
      if (statSync(resolve(file)).size > maxBytes) {
        throw new UsageError(`--sample ${file} is over the ${maxBytes} bytes InvokeEndpoint accepts`, "give a smaller sample (inference#invocations.payload)");
      }
      body = readFileSync(resolve(file));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--sample ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, "give a file of sample request data");
    }
    const safe = basename(file).replace(/[^A-Za-z0-9._-]/g, "_") || "sample";
    let name = safe;
    for (let i = 2; names.has(name); i++) name = `${safe}-${i}`;
    names.add(name);
    return { file, name, contentType, body };
  });
}

function readSchema(file: string): ServeOptions["expectSchema"] {
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(resolve(file), "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`--expect-schema ${file} ${code ? `cannot be read (${code})` : `is not JSON: ${(e as Error).message}`}`, "give a JSON Schema (draft 2020-12) for your JSON responses");
  }
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(schema as object);
  } catch (e) {
    throw new ConfigError(`--expect-schema ${file} is not a usable JSON Schema: ${(e as Error).message}`, "check it against draft 2020-12");
  }
  return {
    file,
    validate: (data) => (validate(data) ? [] : (validate.errors ?? []).slice(0, 10).map((err) => `${err.instancePath || "(the response)"} ${err.message ?? "is invalid"}`)),
  };
}

export function parseServeOptions(
  raw: RawServeOptions,
  spec: SpecView,
  contracts: readonly Contract[],
  shared: { env: Array<[string, string]>; stopGraceMs?: number; keepDir?: string; trainedAvailable: boolean; seed: number; seedGiven: boolean },
): ServeOptions {
  const inference = contracts.includes("inference");
  const minWindow = toMs(spec.limit("inference#ping.startup-window", "configurableMin"));
  const maxWindow = toMs(spec.limit("inference#ping.startup-window", "configurableMax"));
  let startupWindowMs = toMs(spec.limit("inference#ping.startup-window", "platformDefault"));
  if (raw.startupTimeout !== undefined) {
    startupWindowMs = parseDuration(raw.startupTimeout, "--startup-timeout");
    if (startupWindowMs < minWindow || startupWindowMs > maxWindow || startupWindowMs % 1000 !== 0) {
      throw new UsageError(
        `--startup-timeout ${raw.startupTimeout} is outside what ContainerStartupHealthCheckTimeoutInSeconds allows`,
        `give whole seconds from ${minWindow / 1000}s to ${maxWindow / 1000}s (inference#ping.startup-window)`,
      );
    }
  }
  const readyGateMs = raw.readyGate === undefined ? toMs(spec.limit("inference#ping.startup-window", "gate")) : parseDuration(raw.readyGate, "--ready-gate");
  if (readyGateMs > startupWindowMs) {
    throw new UsageError(`--ready-gate is longer than the start-up window (${startupWindowMs / 1000} s)`, "the gate warns before the window fails: keep it shorter");
  }
  let concurrency = 4;
  if (raw.concurrency !== undefined) {
    concurrency = Number(raw.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 2 || concurrency > MAX_CONCURRENCY) {
      throw new UsageError(`--concurrency ${raw.concurrency} is not a whole number from 2 to ${MAX_CONCURRENCY}`, "e.g. --concurrency 8");
    }
  }
  const defaultType = raw.contentType === undefined ? undefined : mediaType("--content-type", raw.contentType);
  const requestMax = toBytes(spec.limit("inference#invocations.payload", "requestMax"));
  const samples = readSamples(raw.sample ?? [], defaultType, requestMax);
  const options: ServeOptions = {
    samples,
    startupWindowMs,
    startupWindowSet: raw.startupTimeout !== undefined,
    readyGateMs,
    concurrency,
    env: shared.env,
    fuzz: {
      ...parseFuzz(raw, shared, () => runArbitrary(samples, { requestMaxBytes: requestMax, ...(raw.accept !== undefined ? { accept: raw.accept } : {}) }, defaultType)),
      ...(defaultType !== undefined && samples.length === 0 ? { contentType: defaultType } : {}),
    },
    ...(shared.stopGraceMs !== undefined ? { stopGraceMs: shared.stopGraceMs } : {}),
    ...(shared.keepDir !== undefined ? { keepDir: shared.keepDir } : {}),
  };
  const model = parseModel(raw.model, shared.trainedAvailable);
  if (model) options.model = model;
  if (raw.accept !== undefined) options.accept = mediaTypeList(raw.accept);
  if (raw.expectSchema !== undefined) options.expectSchema = readSchema(raw.expectSchema);
  const given = raw.model !== undefined || samples.length > 0 || raw.expectSchema !== undefined || raw.accept !== undefined;
  if (!inference && given) {
    throw new UsageError("--model, --sample, --accept and --expect-schema describe an endpoint, but inference is not among the contracts checked", "add -c inference, or drop them");
  }
  const fuzzGiven = raw.fuzzRuns !== undefined || raw.fuzzTime !== undefined || raw.strict === true || raw.replay !== undefined;
  if (!inference && fuzzGiven) {
    throw new UsageError("--fuzz-runs, --fuzz-time, --strict and --replay fuzz an endpoint, but inference is not among the contracts checked", "add -c inference, or drop them");
  }
  return options;
}

/** An Accept header: one or more media ranges, with parameters (q-values). */
function mediaTypeList(value: string): string {
  for (const part of value.split(",")) {
    const t = part.trim();
    // */* is a media range, not a type: it may carry parameters (q) like any other.
    const range = t.split(";")[0]!.trim();
    if (range === "*/*" ? !/^\*\/\*\s*(;.*)?$/.test(t) : !MEDIA_TYPE.test(t)) mediaType("--accept", t);
  }
  if (value.length > 1024) mediaType("--accept", value);
  return value;
}

function parseFuzz(raw: RawServeOptions, shared: { seed: number; seedGiven: boolean }, arbitrary: () => ReturnType<typeof runArbitrary>): ServeOptions["fuzz"] {
  let runs = DEFAULT_FUZZ_RUNS;
  if (raw.fuzzRuns !== undefined) {
    runs = Number(raw.fuzzRuns);
    if (!/^\d+$/.test(raw.fuzzRuns) || runs > MAX_FUZZ_RUNS) {
      throw new UsageError(`--fuzz-runs ${raw.fuzzRuns} is not a whole number from 0 to ${MAX_FUZZ_RUNS}`, "e.g. --fuzz-runs 1000; --fuzz-runs 0 turns fuzzing off");
    }
  }
  const timeMs = parseDuration(raw.fuzzTime ?? DEFAULT_FUZZ_TIME, "--fuzz-time");
  if (timeMs < 1_000) throw new UsageError(`--fuzz-time ${raw.fuzzTime} is under a second`, "give the search at least 1s, e.g. --fuzz-time 2m");
  if (timeMs > MAX_FUZZ_TIME_MS) throw new UsageError(`--fuzz-time ${raw.fuzzTime} is over 24 hours`, "give the search at most 24h; run byoc-check again with another --seed for more");
  const fuzz: ServeOptions["fuzz"] = { runs, timeMs, seed: shared.seed, strict: raw.strict === true };
  if (raw.replay !== undefined) {
    // The first step is the case's index in its search, which never passes --fuzz-runs: a bigger one would have
    // fast-check skip through that many cases first.
    if (!/^\d+(:\d+)*$/.test(raw.replay) || raw.replay.length > 10_000 || Number(raw.replay.split(":")[0]) > MAX_FUZZ_RUNS) {
      throw new UsageError(`--replay "${raw.replay}" is not a fast-check path`, "copy it from the finding's replay line, e.g. --seed 1234 --replay 17:3:0");
    }
    if (!shared.seedGiven) throw new UsageError("--replay needs the --seed of the finding", "copy both from the finding's replay line, e.g. --seed 1234 --replay 17:3:0");
    if (runs === 0) throw new UsageError("--replay with --fuzz-runs 0", "drop --fuzz-runs 0 to replay a case");
    try {
      caseAt(arbitrary(), shared.seed, raw.replay);
    } catch {
      throw new UsageError(
        `--replay ${raw.replay} is not a case of the search seeded ${shared.seed} from these samples`,
        "copy --seed and --replay from the finding, and give the same --sample, --content-type and --accept flags as the run that found it",
      );
    }
    fuzz.replay = raw.replay;
  }
  return fuzz;
}
