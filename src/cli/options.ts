import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { distance } from "fastest-levenshtein";
import { UsageError } from "../errors.js";
import { parseDriverOverride } from "../spec/host-driver.js";
import { CONTRACTS, type Contract } from "../spec/types.js";
import type { FailOn } from "./exit-codes.js";
import { parseDuration } from "./duration.js";

export type Format = "text" | "json";

export interface RawRunOptions {
  contract?: string[];
  instance?: string[];
  instanceCount?: string;
  platform?: string;
  only?: string[];
  driver?: string;
  inferenceAmi?: string;
  spec?: string;
  specDir?: string;
  format?: string;
  output?: string;
  failOn?: string;
  seed?: string;
  timeout?: string;
  color?: boolean;
  json?: string;
  junit?: string;
  sarif?: string;
  annotations?: boolean;
  dockerfile?: string;
}

export interface RunOptions {
  contracts: Contract[];
  instances: string[];
  /** --instance-count: how many instances a training job runs on (the EFA rules judge counts over 1). */
  instanceCount: number;
  /** --only: check ids or globs (GPU-*); empty means every check. */
  only: string[];
  driver?: string;
  inferenceAmi?: string;
  spec?: string;
  specDir?: string;
  format: Format;
  output?: string;
  failOn: FailOn;
  seed: number;
  timeoutMs?: number;
  color?: boolean;
  /** Reports written besides the one on stdout (or --output), any number in one run. */
  reports: { json?: string; junit?: string; sarif?: string };
  /** --annotations: GitHub workflow commands on stdout, after the report. */
  annotations: boolean;
  /** The Dockerfile SARIF and annotations point into for findings about the image config. */
  dockerfile?: string;
}

function suggest(word: string, choices: readonly string[]): string {
  const best = [...choices].sort((a, b) => distance(word, a) - distance(word, b))[0]!;
  return distance(word, best) <= 3 ? `did you mean "${best}"? ` : "";
}

/** Splits repeated and comma-separated values: `-c training,inference -c processing`. */
function listValues(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

function oneOf<T extends string>(flag: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} "${value}" is not one of ${choices.join(", ")}`, `${suggest(value, choices)}see byoc-check --help`);
}

export function parseRunOptions(raw: RawRunOptions, randomSeed: () => number): RunOptions {
  const contracts = listValues(raw.contract);
  for (const c of contracts) {
    if (!(CONTRACTS as readonly string[]).includes(c)) {
      throw new UsageError(`--contract "${c}" is not a SageMaker contract`, `${suggest(c, CONTRACTS)}choose from ${CONTRACTS.join(", ")}`);
    }
  }
  const opts: RunOptions = {
    contracts: contracts.length > 0 ? CONTRACTS.filter((c) => contracts.includes(c)) : [...CONTRACTS],
    instances: [...new Set(listValues(raw.instance))],
    instanceCount: 1,
    only: [...new Set(listValues(raw.only))],
    format: oneOf("--format", raw.format, ["text", "json"] as const, "text"),
    failOn: oneOf("--fail-on", raw.failOn, ["error", "warning"] as const, "error"),
    seed: randomSeed(),
    reports: {},
    annotations: raw.annotations === true,
  };
  if (raw.instanceCount !== undefined) {
    if (!/^\d+$/.test(raw.instanceCount) || Number(raw.instanceCount) < 1 || Number(raw.instanceCount) > 1000) {
      throw new UsageError(`--instance-count "${raw.instanceCount}" is not a whole number from 1 to 1000`, "give the InstanceCount of the training job, e.g. --instance-count 4");
    }
    opts.instanceCount = Number(raw.instanceCount);
  }
  if (raw.driver !== undefined) opts.driver = parseDriverOverride(raw.driver);
  if (raw.inferenceAmi !== undefined) opts.inferenceAmi = raw.inferenceAmi;
  if (opts.driver !== undefined && opts.inferenceAmi !== undefined) {
    throw new UsageError("--driver and --inference-ami both name the host driver", "give one: --driver for a driver you know, --inference-ami for the AMI the endpoint pins");
  }
  if (raw.spec !== undefined) opts.spec = raw.spec;
  if (raw.specDir !== undefined) {
    const dir = resolve(raw.specDir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(`--spec-dir ${raw.specDir} is not a directory`, "point it at a directory holding sagemaker/<contract>/<version>.json, like the bundled specs/");
    }
    opts.specDir = dir;
  }
  if (raw.seed !== undefined) {
    if (!/^\d+$/.test(raw.seed) || Number(raw.seed) > 0xffffffff) {
      throw new UsageError(`--seed "${raw.seed}" is not a whole number from 0 to 4294967295`, "reuse the seed a report printed, e.g. --seed 1234");
    }
    opts.seed = Number(raw.seed);
  }
  if (raw.timeout !== undefined) opts.timeoutMs = parseDuration(raw.timeout, "--timeout");
  if (opts.annotations && opts.format === "json" && raw.output === undefined) {
    throw new UsageError("--annotations would follow the JSON report on stdout, and JSON readers would choke on them", "write the JSON to a file with -o FILE (or --json FILE) and keep stdout for the annotations");
  }
  const writable = (flag: string, file: string) => {
    const dir = dirname(resolve(file));
    if (!existsSync(dir)) throw new UsageError(`${flag} ${file}: the directory ${dir} does not exist`, "create it first, or write the report elsewhere");
    if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag} ${file} is a directory`, "give the path of a file to write");
    return file;
  };
  if (raw.output !== undefined) opts.output = writable("--output", raw.output);
  for (const kind of ["json", "junit", "sarif"] as const) {
    const file = raw[kind];
    if (file !== undefined) opts.reports[kind] = writable(`--${kind}`, file);
  }
  const targets = [["--output", opts.output], ...Object.entries(opts.reports).map(([k, f]) => [`--${k}`, f])].filter((t): t is [string, string] => t[1] !== undefined);
  for (const [i, [flag, file]] of targets.entries()) {
    const twin = targets.findIndex(([, f]) => resolve(f) === resolve(file));
    if (twin !== i) throw new UsageError(`${targets[twin]![0]} and ${flag} both write ${file}`, "give each report its own file");
  }
  if (raw.dockerfile !== undefined) {
    if (!existsSync(raw.dockerfile) || !statSync(raw.dockerfile).isFile()) throw new UsageError(`--dockerfile ${raw.dockerfile} is not a file`, "give the Dockerfile the image was built from, or leave it out");
    opts.dockerfile = raw.dockerfile;
  }
  if (raw.color !== undefined) opts.color = raw.color;
  return opts;
}

/** The checks --only selects: ids, or globs with * (GPU-*, IMG-*). A pattern that matches no check is a mistake. */
export function selectChecks<T extends { id: string }>(checks: readonly T[], only: readonly string[]): T[] {
  if (only.length === 0) return [...checks];
  const ids = checks.map((c) => c.id);
  const patterns = only.map((p) => {
    const re = new RegExp(`^${p.toUpperCase().replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    if (!ids.some((id) => re.test(id))) {
      throw new UsageError(`--only "${p}" names no check`, `${suggest(p.toUpperCase(), ids)}byoc-check checks lists them`);
    }
    return re;
  });
  return checks.filter((c) => patterns.some((re) => re.test(c.id)));
}
