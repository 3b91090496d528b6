// What the endpoint sandbox needs from a container engine to run a server: start it detached with its port published,
// watch it, look at its sockets, stop it as SageMaker does. Implemented over the Engine API in src/docker/run-server.ts.
import type { ContainerSpec, LogTail, StopOutcome } from "../jobs/types.js";

/** A listening TCP socket inside the container. */
export interface Listener {
  address: string;
  port: number;
  /** 127.0.0.0/8 or ::1: reachable from inside the container only. */
  loopback: boolean;
}

export interface ServerExit {
  exitCode: number;
  oomKilled: boolean;
  /** From the start to the exit. */
  afterMs: number;
  /** The program could not be executed (runc's exec error): it never ran. */
  execFailed?: string;
  /** The container went away without an exit status (removed under us, the Engine restarted): exitCode is -1. */
  vanished?: true;
}

export interface RunningServer {
  /** The published container port's address on this machine (127.0.0.1 and the port the Engine chose). */
  address(containerPort: number): { host: string; port: number } | undefined;
  /**
   * The container's own address on its network, where the Engine runs on this machine: connecting there measures the
   * server's accept, where the published port measures the Engine's port proxy in front of it. Undefined elsewhere.
   */
  directAddress(containerPort: number): { host: string; port: number } | undefined;
  /** performance.now() when the Engine reported the container started: every time is measured from here. */
  readonly startedAt: number;
  /** Settles (never rejects) when the container exits. */
  readonly exited: Promise<ServerExit>;
  /** The exit, once it happened. */
  exit(): ServerExit | undefined;
  log(): LogTail;
  /**
   * The TCP sockets listening inside the container, read from its network namespace; undefined where the Engine is
   * not on this machine (a remote DOCKER_HOST, a VM) and they cannot be read.
   */
  listeners(): Promise<Listener[] | undefined>;
  /** Sends `signal`, then SIGKILL when `graceMs` passes; idempotent. */
  stop(signal: "SIGTERM" | "SIGINT", graceMs: number): Promise<StopOutcome>;
  /** Removes the container, running or not; idempotent. */
  remove(): Promise<void>;
}

export type ServerStart = { ok: true; server: RunningServer } | { ok: false; startError: string; log: LogTail };

export interface ServerRequest {
  spec: ContainerSpec;
  signal: AbortSignal;
}

export type ServerRunner = (request: ServerRequest) => Promise<ServerStart>;
