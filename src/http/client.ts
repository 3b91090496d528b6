// HTTP to the container under test: the only place byoc-check speaks HTTP (undici). The container is untrusted, so
// every request has a deadline, every body read is bounded, and every failure comes back as a value, never a throw.
import { connect } from "node:net";
import { Readable } from "node:stream";
import { Pool } from "undici";

export interface HttpRequest {
  method: "GET" | "POST" | "DELETE" | "PUT";
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** The whole exchange, from sending to the last byte read. */
  timeoutMs: number;
  /** Read at most this much of the response body; the rest is counted as over, not held. */
  maxBodyBytes?: number;
  /** Use a new connection and close it afterwards (a health checker's view; keep-alive otherwise). */
  fresh?: boolean;
  /** Send the body with chunked transfer encoding, no Content-Length (batch transform's MaxPayloadInMB=0 does). */
  chunked?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  ok: true;
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** At most maxBodyBytes of the body. */
  body: Buffer;
  /** The body went past maxBodyBytes (it was not read further). */
  bodyOver: boolean;
  /** From sending the request to the response headers. */
  headersMs: number;
  /** From sending the request to the end of the body (or to the point reading stopped). */
  totalMs: number;
}

/** Why no (whole) answer came: nothing listened, the peer closed or reset, the deadline passed. */
export type HttpFailureKind = "refused" | "closed" | "reset" | "timeout" | "error";

export interface HttpFailure {
  ok: false;
  kind: HttpFailureKind;
  message: string;
  /** When the headers had arrived before the failure (a body cut short): their status. */
  status?: number;
  afterMs: number;
}

export type HttpOutcome = HttpResponse | HttpFailure;

export const DEFAULT_MAX_BODY = 6 * 1024 * 1024;

export interface HttpClient {
  readonly origin: string;
  request(req: HttpRequest): Promise<HttpOutcome>;
  close(): Promise<void>;
}

function failureKind(e: unknown): HttpFailureKind {
  const err = e as { code?: string; name?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  if (err.name === "AbortError" || err.name === "TimeoutError" || code === "UND_ERR_ABORTED") return "timeout";
  switch (code) {
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "EPIPE":
      return "reset";
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return "closed";
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return "timeout";
    default:
      return "error";
  }
}

function describe(kind: HttpFailureKind, e: unknown, timeoutMs: number): string {
  switch (kind) {
    case "refused":
      return "connection refused";
    case "closed":
      return "the connection was closed without an answer";
    case "reset":
      return "the connection was reset";
    case "timeout":
      return `no answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${timeoutMs / 1000} s`}`;
    default:
      return (e as Error)?.message ?? String(e);
  }
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** A client for one origin (http://127.0.0.1:PORT), with enough connections for the concurrency checks. */
export function httpClient(origin: string, connections = 64): HttpClient {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 4_000, connectTimeout: 10_000 });
  // Fresh requests never share a pool with kept-alive ones: each connection here serves one request and closes.
  const fresh = new Pool(origin, { connections, pipelining: 1, connectTimeout: 10_000 });
  return {
    origin,
    async request(req) {
      const t0 = performance.now();
      const deadline = AbortSignal.timeout(req.timeoutMs);
      const signal = req.signal ? AbortSignal.any([deadline, req.signal]) : deadline;
      const max = req.maxBodyBytes ?? DEFAULT_MAX_BODY;
      let status: number | undefined;
      try {
        const res = await (req.fresh ? fresh : pool).request({
          method: req.method,
          path: req.path,
          headers: req.headers ?? {},
          // A stream of unknown length goes out chunked.
          body: req.body === undefined ? null : req.chunked ? Readable.from([req.body]) : req.body,
          signal,
          reset: req.fresh === true,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        });
        status = res.statusCode;
        const headersMs = performance.now() - t0;
        const chunks: Buffer[] = [];
        let held = 0;
        let over = false;
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          if (held + chunk.length > max) {
            chunks.push(chunk.subarray(0, max - held));
            held = max;
            over = true;
            res.body.destroy();
            break;
          }
          chunks.push(chunk);
          held += chunk.length;
        }
        return {
          ok: true,
          status: res.statusCode,
          headers: flattenHeaders(res.headers),
          body: Buffer.concat(chunks, held),
          bodyOver: over,
          headersMs,
          totalMs: performance.now() - t0,
        };
      } catch (e) {
        const kind = deadline.aborted ? "timeout" : failureKind(e);
        if (req.signal?.aborted && !deadline.aborted) throw req.signal.reason;
        // Headers came, the body did not (in time, or whole): say so rather than "no answer".
        const message = status !== undefined && kind === "timeout" ? `HTTP ${status}, but its body did not arrive within ${req.timeoutMs < 1000 ? `${req.timeoutMs} ms` : `${req.timeoutMs / 1000} s`}` : describe(kind, e, req.timeoutMs);
        return { ok: false, kind, message, ...(status !== undefined ? { status } : {}), afterMs: performance.now() - t0 };
      }
    },
    async close() {
      await Promise.all([pool.destroy().catch(() => {}), fresh.destroy().catch(() => {})]);
    },
  };
}

export type ConnectOutcome = { ok: true; ms: number } | { ok: false; kind: HttpFailureKind; message: string; ms: number };

/** How long a TCP connection takes to be accepted (the contract's 250 ms), on a socket closed right after. */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = connect({ host, port });
    const done = (o: ConnectOutcome) => {
      socket.destroy();
      resolve(o);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, kind: "timeout", message: `not accepted within ${timeoutMs} ms`, ms: performance.now() - t0 }));
    socket.once("connect", () => done({ ok: true, ms: performance.now() - t0 }));
    socket.once("error", (e) => {
      const kind = failureKind(e);
      done({ ok: false, kind, message: describe(kind, e, timeoutMs), ms: performance.now() - t0 });
    });
  });
}
