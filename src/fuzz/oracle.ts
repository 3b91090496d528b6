// What counts as a failure when the fuzzer sends a case: each one named, so that failures are deduplicated by kind and
// status, reported by the check that owns that kind, and never guessed from a log.
import type { HttpOutcome } from "../http/client.js";
import { satisfiesAccept } from "../engine/serve/media.js";
import type { FuzzCase } from "./cases.js";

export const FAILURE_KINDS = ["crash", "hang", "ping_degraded", "not_a_server_error", "content_type_conformance", "oversize_response"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** What happened when one case was sent. */
export interface CaseResult {
  outcome: HttpOutcome;
  /** The container was still running once the answer (or failure) came, and after the health check. */
  alive: boolean;
  /** GET /ping right after the case; undefined when the container had already died. */
  ping?: HttpOutcome;
}

export interface Failure {
  kind: FailureKind;
  /** The HTTP status of the answer, when there was one: part of the deduplication key. */
  status?: number;
  /** What went wrong, in words. */
  detail: string;
}

export interface OracleLimits {
  pingTimeoutMs: number;
}

/** The failure a case shows, the most serious first; undefined when the server handled it acceptably. */
export function judge(c: FuzzCase, r: CaseResult, limits: OracleLimits): Failure | undefined {
  const o = r.outcome;
  const status = o.status;
  if (!r.alive) return { kind: "crash", ...(status !== undefined ? { status } : {}), detail: "the container exited" };
  if (!o.ok && (o.kind === "reset" || o.kind === "closed")) return { kind: "crash", detail: o.message };
  if (!o.ok && o.kind === "timeout") return { kind: "hang", detail: o.message };
  if (o.ok && o.bodyOver) return { kind: "oversize_response", status: o.status, detail: "the answer is over 6 MiB" };
  const p = r.ping;
  if (p && (!p.ok || p.status !== 200 || p.totalMs >= limits.pingTimeoutMs)) {
    return { kind: "ping_degraded", detail: `GET /ping afterwards: ${p.ok ? `HTTP ${p.status} in ${Math.round(p.totalMs)} ms` : p.message}` };
  }
  if (!o.ok) return undefined; // refused or another transport error before any answer: not the server's doing
  if (o.status >= 500 && c.malformed) return { kind: "not_a_server_error", status: o.status, detail: `HTTP ${o.status} to a malformed request` };
  if (o.status >= 200 && o.status < 300) {
    const type = o.headers["content-type"];
    const accept = c.headers.Accept ?? c.headers.accept;
    if (!type) return { kind: "content_type_conformance", status: o.status, detail: "a 2xx without Content-Type" };
    if (accept && !satisfiesAccept(type, accept)) return { kind: "content_type_conformance", status: o.status, detail: `a 2xx of ${type}, which Accept: ${accept} does not allow` };
  }
  return undefined;
}

/** The deduplication key: one finding per kind and status. */
export function failureKey(f: Pick<Failure, "kind" | "status">): string {
  return f.status === undefined ? f.kind : `${f.kind}/${f.status}`;
}
