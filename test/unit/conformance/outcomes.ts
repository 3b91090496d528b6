import { expect } from "vitest";
import type { AnyCheck, Finding, Outcome } from "../../../src/engine/check.js";
import type { MemoryEntry } from "../helpers/memory-image.js";
import { type ContextOptions, context } from "../helpers/memory-image.js";

/** Runs a check the way the engine would, with every input present. */
export async function runCheck(check: AnyCheck, options: ContextOptions = {}): Promise<Outcome> {
  return await check.run(context(options));
}

/** Asserts a fail and returns its findings; the message shows the whole outcome when the status is wrong. */
export function findingsOf(outcome: Outcome): [Finding, ...Finding[]] {
  expect(outcome.status, JSON.stringify(outcome)).toBe("fail");
  if (outcome.status !== "fail") throw new Error("not a fail");
  return outcome.findings;
}

/** Asserts a fail with exactly one finding and returns it. */
export function onlyFinding(outcome: Outcome): Finding {
  const findings = findingsOf(outcome);
  expect(findings, JSON.stringify(findings)).toHaveLength(1);
  return findings[0];
}

/** Asserts a pass and returns its detail. */
export function passDetail(outcome: Outcome): string | undefined {
  expect(outcome.status, JSON.stringify(outcome)).toBe("pass");
  if (outcome.status !== "pass") throw new Error("not a pass");
  return outcome.detail;
}

/** Asserts a skip and returns its reason. */
export function skipReason(outcome: Outcome): string {
  expect(outcome.status, JSON.stringify(outcome)).toBe("skip");
  if (outcome.status !== "skip") throw new Error("not a skip");
  return outcome.reason;
}

/** An executable ELF binary: no #! line, so the kernel runs it as it is. */
export const ELF: MemoryEntry = { file: "\x7fELF\x02\x01\x01", mode: 0o755 };

/** An executable script with the given #! line. */
export function script(shebang: string, body = "\n"): MemoryEntry {
  return { file: `${shebang}\n${body}`, mode: 0o755 };
}
