// The endpoint sandbox without Docker: createEndpoints over a ServerRunner whose "container" is a node:http server on
// 127.0.0.1 at a random port, answering as a script says, so the real undici client and the real readiness loop run.
import { mkdirSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import type { AnyCheck, Outcome } from "../../../src/engine/check.js";
import { LogTailBuffer } from "../../../src/engine/jobs/log-tail.js";
import type { ContainerSpec, StopOutcome } from "../../../src/engine/jobs/types.js";
import { type Endpoints, type EndpointsInput, type ServeLimits, createEndpoints } from "../../../src/engine/serve/endpoints.js";
import type { Listener, RunningServer, ServerExit, ServerRequest, ServerRunner } from "../../../src/engine/serve/runner.js";
import type { Sample, ServeOptions } from "../../../src/engine/serve/types.js";
import type { ImageConfig } from "../../../src/image/config.js";
import { IMAGE_ID, IMAGE_TAG, removeTempDirs, sampleDir, tempDir } from "./fake-jobs.js";
import { config, context } from "./memory-image.js";

export { IMAGE_ID, IMAGE_TAG };

/** The contract's numbers, shrunk so that a test runs in milliseconds: the payload limits stay the real 6 MiB. */
export const LIMITS: ServeLimits = {
  pingTimeoutMs: 300,
  acceptMs: 250,
  invocationTimeoutMs: 1_000,
  requestMaxBytes: 6 * 1024 * 1024,
  responseMaxBytes: 6 * 1024 * 1024,
  stopGraceMs: 30_000,
};

/** The "container" a script plays: what it was started with, and the levers a test pulls. */
export interface FakeContainer {
  readonly spec: ContainerSpec;
  /** The host directory mounted at /opt/ml/model (the first model of a multi-model run), and whether it is read-only. */
  readonly modelDir: string;
  readonly modelReadOnly: boolean;
  /** "GET /ping", "POST /invocations", in the order they arrived. */
  readonly received: string[];
  /** Signals stop() sent. */
  readonly signals: string[];
  /** remove() was called on it. */
  removed: boolean;
  /** Invocations being answered right now (kept by the script). */
  inFlight: number;
  running(): boolean;
  /** The container's environment variable, the last one set. */
  env(name: string): string | undefined;
  /** The container port a request came in on (8080, or the bind-to-port scenario's). */
  portOf(req: IncomingMessage): number | undefined;
  /** The process ends now: the listening socket and every open connection go with it. */
  exit(code: number, more?: { oomKilled?: boolean; execFailed?: string }): void;
  /** A line on the container's stdout. */
  say(line: string): void;
  /** Writes a file under the mounted model directory, as the server would (creating parent directories). */
  writeModelFile(rel: string, content: string): void;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, c: FakeContainer) => void | Promise<void>;

export interface ServerScript {
  /** Answers every request; the body has been read. Defaults to `healthy`. */
  handle?: Handler;
  /** Sees each request before its body is read (a proxy's view); returning true means it was dealt with. */
  early?(req: IncomingMessage, res: ServerResponse, c: FakeContainer): boolean;
  /** Runs when the container starts, before it listens. */
  start?(c: FakeContainer): void;
  /** false: nothing listens on any published port (connections are refused). */
  listen?: boolean;
  /** The container ports the program listens on; default: SAGEMAKER_BIND_TO_PORT, or 8080 (see bindPort). */
  listenOn?(c: FakeContainer): number[];
  /** false: the Engine published no port (address() gives undefined). */
  publish?: boolean;
  /** What the server does on SIGTERM: exit promptly (default), or ignore it until SIGKILL at the grace's end. */
  onSignal?: "exit" | "ignore";
  /** The exit code after a handled signal (default 0). */
  signalExitCode?: number;
  /** What listeners() reports while running; default 0.0.0.0 on each port listened on. Give undefined for "cannot be read". */
  listeners?: Listener[] | undefined;
  /** The container never starts: the Engine's error. */
  startError?: string;
  /** What the container prints at start. */
  log?: string;
}

export const ALL_INTERFACES: Listener[] = [{ address: "0.0.0.0", port: 8080, loopback: false }];
export const LOOPBACK_ONLY: Listener[] = [{ address: "127.0.0.1", port: 8080, loopback: true }];

/** /ping 200, /invocations 200 with a small JSON answer, anything else 404. */
export const healthy: Handler = (req, res) => {
  if (req.method === "GET" && req.url === "/ping") return void res.writeHead(200, { "Content-Type": "text/plain" }).end("");
  if (req.method === "POST" && req.url === "/invocations") return void res.writeHead(200, { "Content-Type": "application/json" }).end('{"predictions": [0.5]}');
  res.writeHead(404).end();
};

/** Answers /invocations with `answer`, and /ping (and the rest) as `healthy` does. */
export function invocations(answer: Handler): Handler {
  return (req, res, body, c) => (req.url === "/invocations" ? answer(req, res, body, c) : healthy(req, res, body, c));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export type FakeServerRunner = ServerRunner & { requests: ServerRequest[]; containers: FakeContainer[]; removed: number };

const liveServers = new Set<Server>();

/** The port a conformant server serves on: SAGEMAKER_BIND_TO_PORT when set, 8080 otherwise. */
export function bindPort(c: FakeContainer): number {
  return Number(c.env("SAGEMAKER_BIND_TO_PORT") ?? 8080);
}

export function fakeServerRunner(script: ServerScript = {}): FakeServerRunner {
  const requests: ServerRequest[] = [];
  const containers: FakeContainer[] = [];
  const runner = (async (req: ServerRequest) => {
    requests.push(req);
    const log = new LogTailBuffer();
    if (script.log) log.push(Buffer.from(script.log));
    if (script.startError !== undefined) return { ok: false, startError: script.startError, log: log.tail() };
    // /opt/ml/model, or the first of the multi-model mounts under /opt/ml/models.
    const model = req.spec.mounts.find((m) => m.target === "/opt/ml/model") ?? req.spec.mounts[0];
    if (!model) throw new Error("the container has no model mount");
    const startedAt = performance.now();
    let exit: ServerExit | undefined;
    let settle!: (e: ServerExit) => void;
    const exited = new Promise<ServerExit>((r) => (settle = r));
    /** Container port -> the node:http server standing for the socket the program listens on. */
    const https = new Map<number, Server>();
    const c: FakeContainer = {
      spec: req.spec,
      modelDir: model.source,
      modelReadOnly: model.readOnly,
      received: [],
      signals: [],
      removed: false,
      inFlight: 0,
      running: () => exit === undefined,
      env: (name) => req.spec.env.findLast(([k]) => k === name)?.[1],
      portOf: (rq) => [...https].find(([, srv]) => (srv.address() as AddressInfo | null)?.port === rq.socket.localPort)?.[0],
      exit(code, more = {}) {
        if (exit) return;
        exit = { exitCode: code, oomKilled: more.oomKilled ?? false, afterMs: performance.now() - startedAt, ...(more.execFailed ? { execFailed: more.execFailed } : {}) };
        for (const srv of https.values()) {
          srv.close(() => liveServers.delete(srv));
          srv.closeAllConnections();
        }
        settle(exit);
      },
      say: (line) => log.push(Buffer.from(`${line}\n`)),
      writeModelFile(rel, content) {
        const path = join(model.source, rel);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
      },
    };
    containers.push(c);
    script.start?.(c);
    const handle = script.handle ?? healthy;
    const serveOn = script.listen === false ? [] : (script.listenOn?.(c) ?? [bindPort(c)]);
    /** Container port -> host port, for every port published; a port nothing listens on refuses connections. */
    const published = new Map<number, number>();
    for (const containerPort of req.spec.ports ?? []) {
      if (!serveOn.includes(containerPort) || exit !== undefined) {
        published.set(containerPort, await closedPort());
        continue;
      }
      const srv = createServer((rq, rs) => {
        c.received.push(`${rq.method} ${rq.url}`);
        rq.on("error", () => {});
        if (script.early?.(rq, rs, c)) return;
        const chunks: Buffer[] = [];
        rq.on("data", (d: Buffer) => chunks.push(d));
        rq.on("end", () => {
          void (async () => {
            try {
              await handle(rq, rs, Buffer.concat(chunks), c);
            } catch {
              rs.destroy();
            }
          })();
        });
      });
      srv.keepAliveTimeout = 60_000;
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      published.set(containerPort, (srv.address() as AddressInfo).port);
      if (exit === undefined) {
        liveServers.add(srv);
        https.set(containerPort, srv);
      } else srv.close(); // a timer the script set ended it while it was binding
    }
    let stopping: Promise<StopOutcome> | undefined;
    const server: RunningServer = {
      startedAt,
      exited,
      exit: () => exit,
      log: () => log.tail(),
      // The fake has no network of its own: like a remote engine, only the published port reaches it.
      directAddress: () => undefined,
      address(containerPort) {
        const port = script.publish === false ? undefined : published.get(containerPort);
        return port === undefined ? undefined : { host: "127.0.0.1", port };
      },
      listeners: async () => {
        if (exit) return undefined;
        if ("listeners" in script) return script.listeners;
        return serveOn.map((port) => ({ address: "0.0.0.0", port, loopback: false }));
      },
      stop(signal, graceMs) {
        return (stopping ??= (async (): Promise<StopOutcome> => {
          if (exit) return { signal, graceMs, finishedFirst: true, killedAtDeadline: false };
          const sentAt = performance.now();
          c.signals.push(signal);
          if ((script.onSignal ?? "exit") === "exit") setTimeout(() => c.exit(script.signalExitCode ?? 0), 5);
          const onTime = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
          if (!onTime) {
            c.signals.push("SIGKILL");
            c.exit(137);
          }
          const ended = await exited;
          return { signal, graceMs, finishedFirst: false, sentAfterMs: sentAt - startedAt, exitedAfterMs: ended.afterMs - (sentAt - startedAt), killedAtDeadline: !onTime };
        })());
      },
      async remove() {
        runner.removed++;
        c.removed = true;
        c.exit(137);
      },
    };
    return { ok: true, server };
  }) as FakeServerRunner;
  runner.requests = requests;
  runner.containers = containers;
  runner.removed = 0;
  return runner;
}

/** A model directory with one small file. */
export function modelDir(files: Record<string, string> = { "model.json": '{"weights": [1, 2, 3]}' }): string {
  return sampleDir(files);
}

/** ServeOptions as a test wants them: a model directory, a 2 s window, a 0.2 s stop grace, two clients at once. */
export function serveOptions(o: Partial<ServeOptions> = {}): ServeOptions {
  return {
    model: { kind: "dir", path: modelDir() },
    samples: [],
    startupWindowMs: 2_000,
    startupWindowSet: false,
    readyGateMs: 1_000,
    concurrency: 2,
    env: [],
    stopGraceMs: 200,
    fuzz: { runs: 0, timeMs: 60_000, seed: 1, strict: false },
    ...o,
  };
}

export function sample(name = "sample.csv", contentType = "text/csv", body: string | Buffer = "1,2,3\n"): Sample {
  return { file: `samples/${name}`, name, contentType, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

export interface ServeSandbox {
  endpoints: Endpoints;
  runner: FakeServerRunner;
  root: string;
  /** The first container started (the default scenario's, usually). */
  container(i?: number): FakeContainer;
}

const opened: Endpoints[] = [];

export function serveSandbox(
  options: Partial<ServeOptions> = {},
  script: ServerScript = {},
  more: { limits?: Partial<ServeLimits>; signal?: AbortSignal } & Partial<Pick<EndpointsInput, "trainedModel" | "trainingBudgetMs" | "http">> = {},
): ServeSandbox {
  const root = tempDir("unit-serve-");
  const runner = fakeServerRunner(script);
  const { limits, signal, ...rest } = more;
  const endpoints = createEndpoints({
    image: IMAGE_TAG,
    imageId: IMAGE_ID,
    options: serveOptions(options),
    limits: { ...LIMITS, ...limits },
    runner,
    root,
    signal: signal ?? new AbortController().signal,
    ...rest,
  });
  opened.push(endpoints);
  return {
    endpoints,
    runner,
    root,
    container(i = 0) {
      const c = runner.containers[i];
      if (!c) throw new Error(`no container ${i}: ${runner.containers.length} started`);
      return c;
    },
  };
}

/** Closes every sandbox and fake server a test opened, and removes its temp dirs; call it from afterEach. */
export async function closeServe(): Promise<void> {
  await Promise.all(opened.splice(0).map((e) => e.close()));
  for (const s of liveServers) {
    s.closeAllConnections();
    s.close();
  }
  liveServers.clear();
  removeTempDirs();
}

/** Runs an inference check as the engine would: the base context, the image config, and the sandbox. */
export async function runServeCheck(check: AnyCheck, endpoints: Endpoints, imageConfig: ImageConfig = config({ Entrypoint: ["/opt/program/serve"] })): Promise<Outcome> {
  return await check.run({ ...context({ config: imageConfig }), endpoints });
}
