// The flags that describe the endpoint byoc-check hosts: the model, sample requests, the start-up window. Checked
// against the API's limits from the spec before anything starts.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { ConfigError, UsageError } from "../errors.js";
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
  shared: { env: Array<[string, string]>; stopGraceMs?: number; keepDir?: string; trainedAvailable: boolean },
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
