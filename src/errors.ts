// Expected errors (the user can act on them) carry a message, a hint and an exit code.
// Anything else that reaches the CLI entry is a bug in byoc-check and is reported as one.

export type ErrorKind = "usage" | "config" | "spec" | "environment" | "interrupted";

export abstract class ExpectedError extends Error {
  abstract readonly kind: ErrorKind;
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.hint = hint;
    this.name = new.target.name;
  }
}

/** A flag, argument or option value that cannot be used. Nothing ran. */
export class UsageError extends ExpectedError {
  readonly kind = "usage";
}

/** A configuration file or input file that cannot be used. Nothing ran. */
export class ConfigError extends ExpectedError {
  readonly kind = "config";
}

/** A contract spec that is missing, unreadable or fails its JSON Schema. Nothing ran. */
export class SpecError extends ExpectedError {
  readonly kind = "spec";
}

/** Docker unreachable or too old, the image missing, a deadline passed: the environment, not the image. */
export class EnvironmentError extends ExpectedError {
  readonly kind = "environment";
}

/** SIGINT or SIGTERM reached byoc-check. */
export class InterruptedError extends ExpectedError {
  readonly kind = "interrupted";
  constructor(readonly signal: NodeJS.Signals = "SIGINT") {
    super(`interrupted by ${signal}`);
  }
}

export function isExpectedError(error: unknown): error is ExpectedError {
  return error instanceof ExpectedError;
}

/** A plain, JSON-safe description of an unexpected error, for reports. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message };
    if (error.stack) out.stack = error.stack;
    return out;
  }
  return { name: "NonError", message: String(error) };
}
