import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";

/** Reads and parses a JSON file; a read or syntax error becomes `makeError(message)`. */
export function readJsonFile(path: string, makeError: (message: string, hint?: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw makeError(`cannot read ${display(path)}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw makeError(`${display(path)} is not valid JSON: ${(e as Error).message}`);
  }
}

const compiled = new Map<string, ValidateFunction>();

/** Compiles (once per schema file) and applies a JSON Schema; returns the first fault as `path: message`. */
export function validateAgainst(schemaPath: string, data: unknown, makeError: (message: string, hint?: string) => Error): void {
  let validate = compiled.get(schemaPath);
  if (!validate) {
    const schema = readJsonFile(schemaPath, makeError) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    validate = ajv.compile(schema);
    compiled.set(schemaPath, validate);
  }
  if (!validate(data)) {
    throw makeError(describeAjvError(validate.errors?.[0]));
  }
}

export function describeAjvError(e: ErrorObject | undefined): string {
  if (!e) return "does not match its schema";
  const at = e.instancePath === "" ? "/" : e.instancePath;
  const extra =
    e.keyword === "additionalProperties"
      ? ` (unexpected property "${(e.params as { additionalProperty: string }).additionalProperty}")`
      : e.keyword === "enum"
        ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")})`
        : "";
  return `${at} ${e.message ?? "is invalid"}${extra}`;
}

export function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}
