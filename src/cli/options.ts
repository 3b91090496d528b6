import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { distance } from "fastest-levenshtein";
import { UsageError } from "../errors.js";
import { CONTRACTS, type Contract } from "../spec/types.js";
import type { FailOn } from "./exit-codes.js";
import { parseDuration } from "./duration.js";

export type Format = "text" | "json";

export interface RawRunOptions {
  contract?: string[];
  instance?: string[];
  spec?: string;
  specDir?: string;
  format?: string;
  output?: string;
  failOn?: string;
  seed?: string;
  timeout?: string;
  color?: boolean;
}

export interface RunOptions {
  contracts: Contract[];
  instances: string[];
  spec?: string;
  specDir?: string;
  format: Format;
  output?: string;
  failOn: FailOn;
  seed: number;
  timeoutMs?: number;
  color?: boolean;
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
    format: oneOf("--format", raw.format, ["text", "json"] as const, "text"),
    failOn: oneOf("--fail-on", raw.failOn, ["error", "warning"] as const, "error"),
    seed: randomSeed(),
  };
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
  if (raw.output !== undefined) {
    const dir = dirname(resolve(raw.output));
    if (!existsSync(dir)) throw new UsageError(`--output ${raw.output}: the directory ${dir} does not exist`, "create it first, or write the report elsewhere");
    opts.output = raw.output;
  }
  if (raw.color !== undefined) opts.color = raw.color;
  return opts;
}
