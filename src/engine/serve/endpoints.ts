// The endpoint sandbox: hosts the image as SageMaker hosts a model (`docker run IMAGE serve`, the model read-only at
// /opt/ml/model, port 8080), waits for /ping as the platform does, and keeps the server up so that every inference
// check measures the same one. Every request it sends is recorded with a curl line that replays it.
import { chmodSync, cpSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { type ConnectOutcome, type HttpClient, type HttpOutcome, type HttpRequest, httpClient, tcpConnect } from "../../http/client.js";
import { unpackModel } from "../../image/model-archive.js";
import { dockerRunLine, shellQuote } from "../jobs/command-line.js";
import type { ContainerSpec, LogTail, StopOutcome } from "../jobs/types.js";
import type { Listener, RunningServer, ServerExit, ServerRunner } from "./runner.js";
import type { ServeOptions } from "./types.js";
import type { SandboxListener } from "../events.js";

/** What a request got, as the checks read it (they do not import src/http themselves). */
export type { HttpOutcome } from "../../http/client.js";

export const SERVE_SCENARIOS = {
  default: "your model",
  "writable-model": "a writable copy of your model (to tell a write to /opt/ml/model apart)",
  "bind-to-port": `SAGEMAKER_BIND_TO_PORT=${9081} and SAGEMAKER_SAFE_PORT_RANGE=9081-9099, as in a serial pipeline or multi-container endpoint`,
  "multi-model": "SAGEMAKER_MULTI_MODEL=true and your model as model-a and model-b under /opt/ml/models, as a multi-model endpoint",
  batch: "SAGEMAKER_BATCH=true with the batch transform variables, as a transform job",
  fuzz: "your model, sent fuzzed requests (started again after a crash)",
} as const;
export type ServeScenario = keyof typeof SERVE_SCENARIOS;

/** The port SageMaker sends /ping and /invocations to (§2.3). */
export const SERVE_PORT = 8080;
/** What a fuzz search may run past its --fuzz-time: the case in flight (up to a hang), and the server's restarts. */
const FUZZ_OVERRUN_MS = 3 * 60_000;
/** What the bind-to-port scenario asks for, inside the safe range it gives (§2.8). */
export const BIND_PORT = 9081;
export const SAFE_PORT_RANGE = "9081-9099";
/** The models a multi-model run offers, each a copy of the user's model at /opt/ml/models/<name>/model (§2.9). */
export const MME_MODELS = ["model-a", "model-b"] as const;
/** The transform job the batch scenario rehearses: the documented defaults, given explicitly (§3). */
export const BATCH_ENV: Array<[string, string]> = [
  ["SAGEMAKER_BATCH", "true"],
  ["SAGEMAKER_MAX_PAYLOAD_IN_MB", "6"],
  ["SAGEMAKER_BATCH_STRATEGY", "MULTI_RECORD"],
  ["SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", "1"],
];
/** How often readiness polls /ping: the issue asks for at least every 50 ms; half that halves the error. */
const POLL_EVERY_MS = 25;
/** How often, while nothing answers, the container's sockets are read to spot a server bound to loopback. */
const LISTENER_EVERY_MS = 1_000;
const MAX_SNAPSHOT = 10_000;

/** The contract's numbers, read from the spec by the caller. */
export interface ServeLimits {
  pingTimeoutMs: number;
  acceptMs: number;
  invocationTimeoutMs: number;
  requestMaxBytes: number;
  responseMaxBytes: number;
  stopGraceMs: number;
}

export type Readiness =
  | { kind: "ready"; afterMs: number; polls: number }
  /** The container could not start its program (no `serve`, a bad ENTRYPOINT). */
  | { kind: "start-error"; message: string }
  /** It started, then exited before /ping answered. */
  | { kind: "exited"; exit: ServerExit }
  /** Still running at the window's end (or bound to loopback, which no wait would change). */
  | {
      kind: "not-ready";
      afterMs: number;
      polls: number;
      last: string;
      listeners?: Listener[];
      loopbackOnly: boolean;
      /** The server answered /ping with 200 on this other port (8080) instead of the one it was given. */
      answeredOn?: number;
    };

/** One request sent to the server and what came back. */
export interface Exchange {
  /** What was sent, in words: "sample.csv (text/csv)". */
  label: string;
  method: HttpRequest["method"];
  path: string;
  headers: Record<string, string>;
  bodyBytes: number;
  outcome: HttpOutcome;
  /** Replays the request against the kept container started with the endpoint's docker run line. */
  curl: string;
  /** The container was still running once the answer (or failure) came. */
  alive: boolean;
}

export interface Endpoint {
  scenario: ServeScenario;
  what: string;
  /** `docker run` line that starts the same server by hand, listening on 127.0.0.1:8080. */
  reproduce: string;
  dir: string;
  kept: boolean;
  readiness: Readiness;
  /** performance.now() when the Engine reported the container started: the zero of every time measured (none if it never did). */
  startedAt?: number;
  running(): boolean;
  exit(): ServerExit | undefined;
  log(): LogTail;
  listeners(): Promise<Listener[] | undefined>;
  /**
   * One request, recorded; its body (if any) is saved under the sandbox so the curl line can send it again, unless
   * `save` is false (the fuzzer saves only the cases it reports).
   */
  send(label: string, req: Omit<HttpRequest, "timeoutMs"> & { timeoutMs?: number; saveAs?: string; save?: boolean }): Promise<Exchange>;
  /** Saves a request's body under the sandbox as `name` and returns the curl line that sends it again (the fuzzer's findings). */
  saveRequest(name: string, req: { method: HttpRequest["method"]; path: string; headers: Record<string, string>; body: Buffer; chunked?: boolean }): string;
  /** A mark in the server's log; logSince(mark) gives what it wrote after, as far as the kept tail reaches. */
  logMark(): number;
  logSince(mark: number): string;
  /** The container port the server is asked to serve on: 8080, or SAGEMAKER_BIND_TO_PORT. */
  port: number;
  /** GET /ping with the platform's 2 s timeout, on a new connection as a health checker makes. */
  ping(): Promise<HttpOutcome>;
  /** In the bind-to-port scenario, GET /ping on 8080, where the server must no longer answer; undefined otherwise. */
  pingDefaultPort(): Promise<HttpOutcome | undefined>;
  /**
   * Time for the server to accept a TCP connection: at the container's own address where this machine can reach it,
   * else at the published port (which the Engine's port proxy may accept on the server's behalf).
   */
  accept(): Promise<ConnectOutcome & { via: "container" | "published port" }>;
  /** Each sample POSTed to /invocations once, in order; shared by every check that judges the answers. */
  invokeSamples(): Promise<Exchange[]>;
  /** SIGTERM, then SIGKILL when the grace passes, as SageMaker stops an instance (§2.1); once. */
  stop(): Promise<StopOutcome>;
  /** Removes the container at once, running or not: for a check done with its server, with no grace to wait out. */
  remove(): Promise<void>;
  /** For the writable-model scenario: the files under /opt/ml/model the server created or changed. */
  modelChanges(): string[];
}

export interface Endpoints {
  readonly options: ServeOptions;
  readonly limits: ServeLimits;
  /** Why no endpoint can run with what the user gave (no model; the training that was to make it failed), or undefined. */
  unavailable(): Promise<string | undefined>;
  endpoint(s: ServeScenario): Promise<Endpoint>;
  /** Removes the scenario's server, if any, and starts it afresh: the fuzzer goes on after a crash this way. */
  restart(s: ServeScenario): Promise<Endpoint>;
  /** Every endpoint started, in order. */
  started(): Endpoint[];
  /** Upper bound for one inference check. */
  readonly checkBudgetMs: number;
  /** Stops and removes every server. */
  close(): Promise<void>;
}

export interface EndpointsInput {
  image: string;
  imageId: string;
  options: ServeOptions;
  limits: ServeLimits;
  runner: ServerRunner;
  root: string;
  signal: AbortSignal;
  /** The model this run's training job wrote (for ModelSource "trained"), or why there is none. */
  trainedModel?: () => Promise<{ dir: string } | { unavailable: string }>;
  /** Time the trained model may take to come from its training run. */
  trainingBudgetMs?: number;
  /** Makes the HTTP client for a server's origin (tests pass their own). */
  http?: (origin: string) => HttpClient;
  /** Told when each server starts and becomes ready, or does not (the interactive report shows it as it happens). */
  onEvent?: SandboxListener;
}

function makeDir(path: string, mode?: number): string {
  mkdirSync(path, { recursive: true });
  if (mode !== undefined) chmodSync(path, mode);
  return path;
}

/** Path -> size and mtime of every file under `root`, bounded. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (out.size >= MAX_SNAPSHOT) return;
      const path = join(dir, e.name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      out.set(relative(root, path) + (e.isDirectory() ? "/" : ""), `${st.size}:${st.mtimeMs}`);
      if (e.isDirectory()) walk(path);
    }
  };
  walk(root);
  return out;
}

function curlLine(port: number, method: string, path: string, headers: Record<string, string>, bodyFile: string | undefined, omit: string[] = []): string {
  const words = ["curl", "-sS", "-i", "-X", method];
  for (const [k, v] of Object.entries(headers)) words.push("-H", `${k}: ${v}`);
  // "-H Name:" stops curl adding a header of its own (a form Content-Type, Expect: 100-continue for big bodies).
  for (const k of omit) words.push("-H", `${k}:`);
  if (bodyFile) words.push("--data-binary", `@${bodyFile}`);
  words.push(`http://127.0.0.1:${port}${path}`);
  return words.map(shellQuote).join(" ");
}

export function createEndpoints(input: EndpointsInput): Endpoints {
  const { options, limits } = input;
  const memo = new Map<ServeScenario, Promise<Endpoint>>();
  const all: Endpoint[] = [];
  const servers: RunningServer[] = [];
  const clients: HttpClient[] = [];
  let model: Promise<string> | undefined;
  let closed = false;
  const kept = options.keepDir !== undefined;

  const modelDir = () =>
    (model ??= (async () => {
      const m = options.model!;
      switch (m.kind) {
        case "dir":
          return m.path;
        case "none":
          return makeDir(join(input.root, "model-none"), 0o755);
        case "archive": {
          const dir = makeDir(join(input.root, "model-unpacked"), 0o755);
          await unpackModel(m.path, dir);
          return dir;
        }
        case "trained": {
          const got = await input.trainedModel!();
          if ("unavailable" in got) throw new Error(got.unavailable);
          return got.dir;
        }
      }
    })());

  async function start(s: ServeScenario): Promise<Endpoint> {
    const dir = makeDir(join(input.root, `serve-${s}`));
    let mounted = await modelDir();
    let before: Map<string, string> | undefined;
    if (s === "writable-model") {
      // A copy, writable by whatever user the image runs as, so that what the server writes can be seen.
      const copy = join(dir, "model");
      cpSync(mounted, copy, { recursive: true, verbatimSymlinks: true });
      // Files too: a non-root server that rewrites a model file must be able to, or the write goes unseen.
      const open = (d: string) => {
        chmodSync(d, 0o777);
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) open(join(d, e.name));
          else if (e.isFile()) chmodSync(join(d, e.name), 0o666);
        }
      };
      open(copy);
      mounted = copy;
      before = snapshot(copy);
    }
    let port = SERVE_PORT;
    let env = [...options.env];
    let mounts = [{ source: mounted, target: "/opt/ml/model", readOnly: s !== "writable-model" }];
    let ports = [SERVE_PORT];
    switch (s) {
      case "bind-to-port":
        port = BIND_PORT;
        env = [...env, ["SAGEMAKER_BIND_TO_PORT", String(BIND_PORT)], ["SAGEMAKER_SAFE_PORT_RANGE", SAFE_PORT_RANGE]];
        // 8080 published too, to see whether the server still answers there.
        ports = [BIND_PORT, SERVE_PORT];
        break;
      case "multi-model":
        env = [...env, ["SAGEMAKER_MULTI_MODEL", "true"]];
        mounts = MME_MODELS.map((name) => ({ source: mounted, target: `/opt/ml/models/${name}/model`, readOnly: true }));
        break;
      case "batch":
        env = [...env, ...BATCH_ENV];
        break;
    }
    const spec: ContainerSpec = { image: input.image, env, mounts, network: "bridge", ports, cmd: ["serve"] };
    const reproduce = dockerRunLine(spec);
    const requestsDir = join(dir, "requests");
    if (kept) writeFileSync(join(dir, "run.sh"), ["#!/bin/sh", `# byoc-check kept this endpoint's sandbox: ${dir}`, "# then replay the requests in its report against 127.0.0.1:8080", reproduce, ""].join("\n"), { mode: 0o755 });
    const started = await input.runner({ spec: { ...spec, image: input.imageId }, signal: input.signal });
    const base = { scenario: s, what: SERVE_SCENARIOS[s], reproduce, dir, kept, port };
    if (!started.ok) return unstartedEndpoint(base, started.startError, started.log);
    const server = started.server;
    servers.push(server);
    const emit = input.onEvent ?? (() => {});
    emit({ type: "container-started", sandbox: "endpoint", scenario: s, what: SERVE_SCENARIOS[s] });
    // A start that was in flight when the sandbox closed: nothing else will remove this one.
    if (closed) {
      await server.remove();
      throw new Error("the endpoint sandbox closed while the server was starting");
    }
    const address = server.address(port);
    const client = (input.http ?? httpClient)(`http://${address?.host ?? "127.0.0.1"}:${address?.port ?? 1}`);
    clients.push(client);
    const other = s === "bind-to-port" ? server.address(SERVE_PORT) : undefined;
    const otherClient = other ? (input.http ?? httpClient)(`http://${other.host}:${other.port}`) : undefined;
    if (otherClient) clients.push(otherClient);
    const pingOther = otherClient
      ? () => otherClient.request({ method: "GET", path: "/ping", timeoutMs: limits.pingTimeoutMs, fresh: true, maxBodyBytes: 64 * 1024 }).then((o) => o.ok && o.status === 200)
      : undefined;
    const readiness = address
      ? await awaitReady(server, client, { port, windowMs: options.startupWindowMs, pingTimeoutMs: limits.pingTimeoutMs, signal: input.signal, ...(pingOther ? { wrongPort: { port: SERVE_PORT, ping: pingOther } } : {}) })
      : await noPort(server);
    switch (readiness.kind) {
      case "ready":
        emit({ type: "container-ready", scenario: s, afterMs: readiness.afterMs });
        break;
      case "not-ready":
        emit({ type: "container-not-ready", scenario: s, afterMs: readiness.afterMs, why: readiness.last });
        break;
      case "exited":
        emit({ type: "container-exited", sandbox: "endpoint", scenario: s, exitCode: readiness.exit.exitCode, durationMs: readiness.exit.afterMs });
        break;
      case "start-error":
        emit({ type: "container-not-ready", scenario: s, afterMs: 0, why: readiness.message });
        break;
    }
    let saved = 0;
    const written = new Set<string>();
    const send: Endpoint["send"] = async (label, req) => {
      let bodyFile: string | undefined;
      if (req.body !== undefined && req.save !== false) {
        bodyFile = join(requestsDir, req.saveAs ?? `request-${++saved}.bin`);
        // Once per name: a load run sends the same sample hundreds of times, and the event loop has timing to do.
        if (!written.has(bodyFile)) {
          makeDir(requestsDir);
          writeFileSync(bodyFile, req.body);
          written.add(bodyFile);
        }
      }
      const headers = req.headers ?? {};
      const outcome = await client.request({ ...req, timeoutMs: req.timeoutMs ?? limits.invocationTimeoutMs, signal: input.signal });
      const exchange: Exchange = {
        label,
        method: req.method,
        path: req.path,
        headers,
        bodyBytes: req.body?.length ?? 0,
        outcome,
        curl: curlLine(port, req.method, req.path, req.chunked ? { ...headers, "Transfer-Encoding": "chunked" } : headers, bodyFile ?? (req.body !== undefined ? "BODY" : undefined)),
        alive: server.exit() === undefined,
      };
      return exchange;
    };
    let samples: Promise<Exchange[]> | undefined;
    let directOk: boolean | undefined;
    let stopped: Promise<StopOutcome> | undefined;
    const endpoint: Endpoint = {
      ...base,
      readiness,
      startedAt: server.startedAt,
      running: () => server.exit() === undefined,
      exit: () => server.exit(),
      log: () => server.log(),
      logMark: () => server.log().bytes,
      logSince(mark) {
        const tail = server.log();
        const n = tail.bytes - mark;
        if (n <= 0) return "";
        const bytes = Buffer.from(tail.text);
        return bytes.subarray(Math.max(0, bytes.length - n)).toString("utf8");
      },
      listeners: () => server.listeners(),
      send,
      saveRequest(name, req) {
        const file = join(requestsDir, name);
        makeDir(requestsDir);
        writeFileSync(file, req.body);
        // Exactly the request the fuzzer sent: curl adds neither a Content-Type it lacked nor an Expect header.
        const has = (name: string) => Object.keys(req.headers).some((k) => k.toLowerCase() === name);
        const omit = [...(has("content-type") ? [] : ["Content-Type"]), ...(has("expect") ? [] : ["Expect"])];
        return curlLine(port, req.method, req.path, req.chunked ? { ...req.headers, "Transfer-Encoding": "chunked" } : req.headers, file, omit);
      },
      ping: () => client.request({ method: "GET", path: "/ping", timeoutMs: limits.pingTimeoutMs, fresh: true, maxBodyBytes: 64 * 1024, signal: input.signal }),
      pingDefaultPort: async () =>
        otherClient ? otherClient.request({ method: "GET", path: "/ping", timeoutMs: limits.pingTimeoutMs, fresh: true, maxBodyBytes: 64 * 1024, signal: input.signal }) : undefined,
      async accept() {
        const timeout = Math.max(limits.acceptMs * 8, 2_000);
        const direct = directOk === false ? undefined : server.directAddress(port);
        if (direct) {
          const o = await tcpConnect(direct.host, direct.port, timeout);
          // Unreachable from here (rootless, a VM): the published port is all there is.
          if (o.ok || o.kind === "refused") {
            directOk = true;
            return { ...o, via: "container" as const };
          }
          if (directOk === undefined) directOk = false;
          else return { ...o, via: "container" as const };
        }
        return { ...(await tcpConnect(address!.host, address!.port, timeout)), via: "published port" as const };
      },
      invokeSamples: () =>
        (samples ??= (async () => {
          const out: Exchange[] = [];
          for (const sample of options.samples) {
            const headers: Record<string, string> = { "Content-Type": sample.contentType, ...(options.accept ? { Accept: options.accept } : {}) };
            out.push(await send(`${sample.name} (${sample.contentType})`, { method: "POST", path: "/invocations", headers, body: sample.body, saveAs: sample.name, maxBodyBytes: limits.responseMaxBytes }));
          }
          return out;
        })()),
      // --stop-grace may shorten the platform's 30 s, never lengthen it: a server that needs longer is killed there.
      stop: () => (stopped ??= server.stop("SIGTERM", Math.min(options.stopGraceMs ?? limits.stopGraceMs, limits.stopGraceMs))),
      remove: () => server.remove(),
      modelChanges() {
        if (!before) return [];
        const after = snapshot(mounted);
        const changed = [...after].filter(([path, sig]) => before!.get(path) !== sig).map(([path]) => path);
        // A delete fails on a read-only mount as a write does.
        const removed = [...before.keys()].filter((path) => !after.has(path)).map((path) => `${path} (deleted)`);
        return [...changed, ...removed].sort();
      },
    };
    all.push(endpoint);
    return endpoint;
  }

  function unstartedEndpoint(base: Pick<Endpoint, "scenario" | "what" | "reproduce" | "dir" | "kept" | "port">, message: string, log: LogTail): Endpoint {
    const nothing = (): never => {
      throw new Error(`the server did not start: ${message}`);
    };
    const endpoint: Endpoint = {
      ...base,
      readiness: { kind: "start-error", message },
      running: () => false,
      exit: () => undefined,
      log: () => log,
      logMark: () => log.bytes,
      logSince: () => "",
      listeners: async () => undefined,
      send: async () => nothing(),
      saveRequest: () => nothing(),
      ping: async () => nothing(),
      pingDefaultPort: async () => undefined,
      accept: async () => nothing(),
      invokeSamples: async () => nothing(),
      stop: async () => ({ signal: "SIGTERM", graceMs: 0, finishedFirst: true, killedAtDeadline: false }),
      remove: async () => {},
      modelChanges: () => [],
    };
    all.push(endpoint);
    return endpoint;
  }

  const perRequest = limits.invocationTimeoutMs;
  return {
    options,
    limits,
    checkBudgetMs:
      (input.trainingBudgetMs ?? 0) + options.startupWindowMs + (2 * options.samples.length + 6) * perRequest + (options.stopGraceMs ?? limits.stopGraceMs) + 60_000 +
      // The fuzz check runs its whole search within one check's time.
      (options.fuzz.runs > 0 ? options.fuzz.timeMs + FUZZ_OVERRUN_MS : 0),
    async unavailable() {
      if (!options.model) return "no model: give --model DIR or --model model.tar.gz (--model none for an image that carries its own model)";
      if (options.model.kind !== "trained") return undefined;
      try {
        await modelDir();
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
    endpoint(s) {
      // After close(), a check still running past its deadline must not start a server nobody would remove.
      if (closed) return Promise.reject(new Error("the endpoint sandbox is closed"));
      let p = memo.get(s);
      if (!p) memo.set(s, (p = start(s)));
      return p;
    },
    async restart(s) {
      const old = memo.get(s);
      memo.delete(s);
      if (old) await (await old.catch(() => undefined))?.remove();
      return this.endpoint(s);
    },
    started: () => [...all],
    async close() {
      closed = true;
      await Promise.all(servers.map((s) => s.remove()));
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

/** A container without the published port (the Engine did not bind it): it cannot be reached at all. */
async function noPort(server: RunningServer): Promise<Readiness> {
  const exit = server.exit();
  if (exit) return exit.execFailed ? { kind: "start-error", message: exit.execFailed } : { kind: "exited", exit };
  return { kind: "not-ready", afterMs: 0, polls: 0, last: "the Engine published no port for the container", loopbackOnly: false };
}

/**
 * Polls GET /ping from the container's start, a new request every POLL_EVERY_MS whether or not earlier ones have
 * answered (each has the platform's 2 s timeout), until a 200, the container's exit, or the window's end. A server that
 * listens on loopback only is reported as soon as its sockets show it, since no amount of waiting would change that.
 */
interface ReadyWait {
  port: number;
  windowMs: number;
  pingTimeoutMs: number;
  signal: AbortSignal;
  /** A port the server must not be serving on instead (8080 when SAGEMAKER_BIND_TO_PORT names another). */
  wrongPort?: { port: number; ping: () => Promise<boolean> };
}

function awaitReady(server: RunningServer, client: HttpClient, { port, windowMs, pingTimeoutMs, signal, wrongPort }: ReadyWait): Promise<Readiness> {
  return new Promise<Readiness>((resolve, reject) => {
    const t0 = server.startedAt;
    let done = false;
    let polls = 0;
    let last = "no answer yet";
    let lastNothing = true;
    let loopbackSeen = 0;
    let lastListenerCheck = 0;
    let listeners: Listener[] | undefined;
    let wrongSeen = 0;
    let closing = false;
    const finish = (r: Readiness | Error) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      signal.removeEventListener("abort", onAbort);
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener("abort", onAbort, { once: true });
    void server.exited.then((exit) => finish(exit.execFailed ? { kind: "start-error", message: exit.execFailed } : { kind: "exited", exit }));
    const notReady = async (answeredOn?: number) => {
      if (closing) return;
      closing = true;
      const now = performance.now();
      listeners = (await server.listeners()) ?? listeners;
      finish({
        kind: "not-ready",
        afterMs: now - t0,
        polls,
        last,
        ...(listeners ? { listeners } : {}),
        loopbackOnly: loopbackOnly(listeners, port),
        ...(answeredOn !== undefined ? { answeredOn } : {}),
      });
    };
    const tick = () => {
      if (done) return;
      const now = performance.now();
      if (now - t0 >= windowMs) {
        void notReady();
        return;
      }
      polls++;
      const sent = performance.now();
      void client
        .request({ method: "GET", path: "/ping", timeoutMs: pingTimeoutMs, fresh: true, maxBodyBytes: 64 * 1024 })
        .then((o) => {
          if (done) return;
          if (o.ok && o.status === 200) {
            finish({ kind: "ready", afterMs: sent + o.headersMs - t0, polls });
            return;
          }
          last = o.ok ? `HTTP ${o.status}${o.bodyOver ? "" : bodyHint(o.body)}` : o.message;
          lastNothing = !o.ok && (o.kind === "refused" || o.kind === "closed" || o.kind === "reset");
        });
      if (lastNothing && now - lastListenerCheck >= LISTENER_EVERY_MS) {
        lastListenerCheck = now;
        // Serving /ping on the wrong port, twice in a row: it ignores the port it was given, and always will.
        if (wrongPort) {
          void wrongPort.ping().then((yes) => {
            wrongSeen = yes ? wrongSeen + 1 : 0;
            if (!done && wrongSeen >= 2) void notReady(wrongPort.port);
          });
        }
        void server.listeners().then((l) => {
          if (done || !l) return;
          listeners = l;
          loopbackSeen = loopbackOnly(l, port) ? loopbackSeen + 1 : 0;
          if (loopbackSeen >= 2) void notReady();
        });
      }
    };
    const timer = setInterval(tick, POLL_EVERY_MS);
    tick();
  });
}

/** Something listens on the serving port, but only on a loopback address. */
function loopbackOnly(listeners: Listener[] | undefined, port: number): boolean {
  const onPort = (listeners ?? []).filter((l) => l.port === port);
  return onPort.length > 0 && onPort.every((l) => l.loopback);
}

function bodyHint(body: Buffer): string {
  const text = body.toString("utf8", 0, Math.min(body.length, 200)).replace(/\s+/g, " ").trim();
  return text ? `: ${text}` : "";
}
