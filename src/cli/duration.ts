import { UsageError } from "../errors.js";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/** Parses a Go-style duration (`90s`, `10m`, `1h30m`, `500ms`) as Docker's own flags take it. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  let total = 0;
  PART.lastIndex = 0;
  let at = 0;
  while (at < trimmed.length) {
    PART.lastIndex = at;
    const m = PART.exec(trimmed);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    at = PART.lastIndex;
  }
  if (trimmed === "" || at !== trimmed.length || !Number.isFinite(total) || total <= 0) {
    throw new UsageError(`${flag} "${text}" is not a duration`, "write it with a unit, e.g. 90s, 10m or 1h30m");
  }
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
