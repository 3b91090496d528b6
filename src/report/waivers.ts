import type { AppliedWaiver, CheckResult, WaiverState } from "./model.js";

export interface Waiver extends AppliedWaiver {
  check: string;
}

/** YYYY-MM-DD in UTC: a waiver holds through the whole of its last day, wherever the run happens. */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function isExpired(w: Pick<Waiver, "expires">, today: Date): boolean {
  return w.expires !== undefined && w.expires < utcDay(today);
}

/**
 * Applies the config's waivers to a run's results: a failing check with a waiver in force is marked waived (it no
 * longer counts against the run); a waiver past its date excuses nothing. Returns new results and each waiver's state.
 */
export function applyWaivers(results: readonly CheckResult[], waivers: readonly Waiver[], today: Date): { results: CheckResult[]; states: WaiverState[] } {
  const inForce = new Map<string, Waiver>();
  for (const w of waivers) if (!isExpired(w, today)) inForce.set(w.check, w);
  const used = new Set<string>();
  const out = results.map((r) => {
    const w = r.status === "fail" ? inForce.get(r.id) : undefined;
    if (!w) return r;
    used.add(w.check);
    return { ...r, waiver: { reason: w.reason, ...(w.expires !== undefined ? { expires: w.expires } : {}) } };
  });
  const ran = new Set(results.map((r) => r.id));
  const states = waivers.map((w): WaiverState => ({
    check: w.check,
    reason: w.reason,
    ...(w.expires !== undefined ? { expires: w.expires } : {}),
    // A waiver for a check this run did not select is not this run's to judge: a -c training run does not fail on
    // an expired waiver of an inference check.
    state: !ran.has(w.check) ? "not-run" : isExpired(w, today) ? "expired" : used.has(w.check) ? "applied" : "unused",
  }));
  return { results: out, states };
}
