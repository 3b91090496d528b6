// The fuzzing of POST /invocations, run once per byoc-check run and judged by one check per failure kind: the search
// (or the replay of one case) happens when the first INF-FUZZ-* check asks, and each check reports the findings of
// its own kind with the shrunk body saved to a file, the curl line that sends it again, the fast-check seed and path
// that regenerate it, and what the server logged while it handled it.
import { type AnyCheck, type Outcome, type Severity, defineServeCheck, fail, pass, skip } from "../src/engine/check.js";
import type { Endpoint, Endpoints } from "../src/engine/serve/endpoints.js";
import type { ClauseId } from "../src/spec/types.js";
import { type FuzzCase, runArbitrary } from "../src/fuzz/cases.js";
import { type FailureKind, failureKey, judge } from "../src/fuzz/oracle.js";
import { type FuzzReport, caseAt, fuzz } from "../src/fuzz/run.js";
import { type CaseEvidence, NotReady, endpointTarget } from "../src/fuzz/target.js";
import { READY_OWNER, answered, ms, startedEndpoint } from "./serve-run.js";

/** Starts after a crash before the search gives up: one crash is a finding, twenty are the same finding. */
const MAX_RESTARTS = 20;
/** Once a hang is known, later cases are given up on after this. */
const KNOWN_HANG_TIMEOUT_MS = 5_000;
/** Time spent shrinking one failure (a hang's steps each wait the full minute). */
const SHRINK_MAX_MS = 30_000;
/** Bodies up to this size are shown in the report as well as saved. */
const SHOWN_BODY_BYTES = 256;
/** The kinds whose oracle detail says more than the answer itself (which /ping failed, which type came back). */
const DETAILED: ReadonlySet<FailureKind> = new Set(["crash", "ping_degraded", "content_type_conformance"]);

export interface FuzzFinding {
  kind: FailureKind;
  status?: number;
  detail: string;
  case: FuzzCase;
  result: CaseEvidence;
  seed: number;
  path: string;
  shrinkSteps: number;
  shrinkCut: boolean;
  /** The body, saved under the endpoint's sandbox, and the curl line that sends it again. */
  curl: string;
}

export interface FuzzRun {
  mode: "search" | "replay";
  findings: FuzzFinding[];
  /** The search's figures (search mode only). */
  report?: FuzzReport;
  /** The server the cases went to last: its docker run line starts one by hand. */
  endpoint: Endpoint;
  restarts: number;
  /** Where the cases came from, in words. */
  seeds: string;
}

const runs = new WeakMap<Endpoints, Promise<FuzzRun | { outcome: Outcome }>>();

/** The run's fuzzing, once: the search, or with --replay the one case. */
export function fuzzRun(endpoints: Endpoints): Promise<FuzzRun | { outcome: Outcome }> {
  let p = runs.get(endpoints);
  if (!p) runs.set(endpoints, (p = search(endpoints)));
  return p;
}

async function search(endpoints: Endpoints): Promise<FuzzRun | { outcome: Outcome }> {
  try {
    return await searchOrReplay(endpoints);
  } catch (e) {
    if (e instanceof NotReady) return { outcome: skip(`${e.message}, though the first server did: see the server's log with --keep DIR`) };
    throw e;
  }
}

async function searchOrReplay(endpoints: Endpoints): Promise<FuzzRun | { outcome: Outcome }> {
  const { options, limits } = endpoints;
  const f = options.fuzz;
  if (f.runs === 0) return { outcome: skip("fuzzing is off (--fuzz-runs 0)") };
  // The default server shows whether this image serves at all; its failures are the other checks' to report.
  const first = await startedEndpoint(endpoints);
  if ("outcome" in first) return first;
  if (first.endpoint.readiness.kind !== "ready") return { outcome: skip(`the server never answered /ping with 200; see ${READY_OWNER}`) };

  const seeds =
    options.samples.length > 0
      ? `mutations of ${options.samples.map((s) => `${s.name} (${s.contentType})`).join(", ")}`
      : f.contentType !== undefined
        ? `a built-in request sent as ${f.contentType} (no --sample given)`
        : "built-in JSON, CSV and NPY requests (no --sample given)";
  // The same arbitrary as the one --replay was checked against when the flags were parsed.
  const arb = runArbitrary(options.samples, { requestMaxBytes: limits.requestMaxBytes, ...(options.accept ? { accept: options.accept } : {}) }, f.contentType);
  const target = endpointTarget(endpoints, { responseMaxBytes: limits.responseMaxBytes, maxRestarts: MAX_RESTARTS });
  const oracle = { pingTimeoutMs: limits.pingTimeoutMs, invocationTimeoutMs: limits.invocationTimeoutMs, knownHangTimeoutMs: KNOWN_HANG_TIMEOUT_MS, shrinkMaxMs: SHRINK_MAX_MS };

  const findings: FuzzFinding[] = [];
  const record = (endpoint: Endpoint, x: { case: FuzzCase; result: CaseEvidence; seed: number; path: string; shrinkSteps: number; shrinkCut: boolean }, failure: { kind: FailureKind; status?: number; detail: string }) => {
    const name = `fuzz-${failure.kind}${failure.status !== undefined ? `-${failure.status}` : ""}.bin`;
    const curl = endpoint.saveRequest(name, { method: "POST", path: "/invocations", headers: x.case.headers, body: x.case.body, ...(x.case.chunked ? { chunked: true } : {}) });
    findings.push({ ...failure, ...x, curl });
  };

  if (f.replay !== undefined) {
    const c = caseAt(arb, f.seed, f.replay);
    const result = await target.execute(c, { timeoutMs: limits.invocationTimeoutMs });
    const failure = judge(c, result, oracle);
    const endpoint = target.current()!;
    if (failure) record(endpoint, { case: c, result, seed: f.seed, path: f.replay, shrinkSteps: 0, shrinkCut: false }, failure);
    return { mode: "replay", findings, endpoint, restarts: target.restarts(), seeds };
  }

  const report = await fuzz(arb, target, { seed: f.seed, runs: f.runs, timeMs: f.timeMs }, oracle);
  const endpoint = target.current() ?? first.endpoint;
  for (const x of report.found) record(endpoint, { case: x.case, result: x.result as CaseEvidence, seed: x.seed, path: x.path, shrinkSteps: x.shrinkSteps, shrinkCut: x.shrinkCut }, x.failure);
  return { mode: "search", findings, report, endpoint, restarts: target.restarts(), seeds };
}

/** A body as the report shows it: text when it is printable UTF-8, else hex; long ones cut. */
export function showBody(body: Buffer): string {
  if (body.length === 0) return "(empty)";
  const head = body.subarray(0, SHOWN_BODY_BYTES);
  const text = head.toString("utf8");
  const printable = Buffer.from(text, "utf8").equals(head) && !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text);
  const shown = printable ? JSON.stringify(text) : `hex ${head.toString("hex")}`;
  return body.length > SHOWN_BODY_BYTES ? `${shown}... (${body.length} bytes)` : shown;
}

function shrinkNote(x: FuzzFinding, mode: FuzzRun["mode"]): string {
  if (mode === "replay") return "replayed as generated";
  if (x.shrinkSteps === 0) return "not shrunk: nothing smaller to try";
  return `shrunk in ${x.shrinkSteps} step${x.shrinkSteps === 1 ? "" : "s"}${x.shrinkCut ? `, cut short after ${SHRINK_MAX_MS / 1000} s: a smaller case may fail the same way` : ""}`;
}

function searchSummary(run: FuzzRun): string {
  if (run.mode === "replay") return `the replayed case (seed ${run.findings[0]?.seed ?? "?"})`;
  const r = run.report!;
  const stop =
    r.stoppedBy === "time"
      ? `; stopped by --fuzz-time after ${r.casesGenerated} cases`
      : r.stoppedBy === "target"
        ? `; the search stopped early: ${r.stopReason}`
        : "";
  return `${r.casesGenerated} cases and ${r.casesSent} requests (shrinking included) in ${ms(r.elapsedMs)} from ${run.seeds}${run.restarts > 0 ? `, ${run.restarts} restart${run.restarts === 1 ? "" : "s"} after a crash` : ""}${stop}`;
}

export interface FuzzCheckMeta {
  id: string;
  kind: FailureKind;
  clauses: readonly [ClauseId, ...ClauseId[]];
  severity: Severity;
  title: string;
  rationale: string;
  fix: string;
  /** What the failure is, for a finding: "crashed the server". */
  did: string;
  /** What a clean search shows, for a pass: "no case crashed the server". */
  clean: string;
}

/** One INF-FUZZ-* check: the findings of one failure kind out of the shared fuzz run. */
export function defineFuzzCheck(meta: FuzzCheckMeta): AnyCheck {
  const { kind, did, clean, ...rest } = meta;
  return defineServeCheck({
    ...rest,
    needs: { endpoints: true },
    async run({ endpoints, image }) {
      const got = await fuzzRun(endpoints);
      if ("outcome" in got) return got.outcome;
      const mine = got.findings.filter((x) => x.kind === kind);
      const seed = endpoints.options.fuzz.seed;
      if (mine.length === 0) {
        if (got.mode === "replay") return pass(`the replayed case (--seed ${seed} --replay ${endpoints.options.fuzz.replay}) did not fail this way`);
        return pass(`${clean}: ${searchSummary(got)}; --seed ${seed} repeats the search`);
      }
      const strict = kind === "not_a_server_error" && endpoints.options.fuzz.strict;
      const [first, ...more] = mine.map((x) => ({
        message: `${x.case.what} ${did}${DETAILED.has(kind) ? `: ${x.detail}` : ""}${DETAILED.has(kind) && !x.result.outcome.ok && x.detail === x.result.outcome.message ? "" : ` (${answered(x.result.outcome)})`}`,
        fix: meta.fix,
        evidence: {
          actual: `${x.case.body.length} byte${x.case.body.length === 1 ? "" : "s"}: ${showBody(x.case.body)}`,
          reproduce: [got.endpoint.reproduce, x.curl, `byoc-check ${image.ref} -c inference --seed ${x.seed} --replay ${x.path}`],
          ...(x.result.log.trim() !== "" ? { log: lastLines(x.result.log) } : {}),
          notes: [
            `failure: ${failureKey(x)}`,
            `headers: ${Object.entries(x.case.headers).map(([k, v]) => `${k}: ${v.length > 60 ? `${v.slice(0, 60)}...` : v}`).join("; ") || "(none)"}${x.case.chunked ? "; sent chunked" : ""}`,
            `${shrinkNote(x, got.mode)}; found ${got.mode === "replay" ? "by replay" : `in ${searchSummary(got)}`}`,
            "replay: start the server with the docker run line, then run the curl line; or rerun byoc-check with the seed and path (and the same --sample, --content-type, --accept and --model flags)",
            ...(got.endpoint.kept ? [] : ["the request file in the curl line goes when byoc-check ends: add --keep DIR to keep it"]),
          ],
        },
      }));
      const out = fail(first!, ...more);
      return strict ? { ...out, severity: "error" } : out;
    },
  });
}

function lastLines(text: string, n = 20): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return lines.length > n ? `[${lines.length - n} earlier lines not shown]\n${lines.slice(-n).join("\n")}` : lines.join("\n");
}
