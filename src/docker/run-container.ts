import { setTimeout as sleep } from "node:timers/promises";
import { Writable } from "node:stream";
import type Docker from "dockerode";
import { LogTailBuffer } from "../engine/jobs/log-tail.js";
import type { ContainerRunner, RunRequest } from "../engine/jobs/runner.js";
import type { ContainerOutcome, ContainerSpec, LogTail, StopOutcome } from "../engine/jobs/types.js";
import { engineError, engineMessage, statusOf } from "./errors.js";
import { LABEL_PREFIX, type DockerSession } from "./session.js";

/** A job may fork, but not without end. */
const PIDS_LIMIT = 4096;
const MAX_CHANGES = 1000;
/** How runc reports an entrypoint it could not exec once the container started: the program never ran. */
export const EXEC_FAILED = /^exec [^\n]*: (exec format error|no such file or directory|permission denied)\n?$/;
/** After the exit, how long the log stream may take to drain. */
const LOG_DRAIN_MS = 2_000;

/** The outcome of a container that never ran its program. */
function unstarted(startError: string, log: LogTail, durationMs = 0): ContainerOutcome {
  return { startError, exitCode: null, durationMs, timedOut: false, oomKilled: false, log, changes: [] };
}

/** `network` is the session's own bridge, taken for "bridge": the container gets out, but not to other containers. */
export function createOptions(session: DockerSession, spec: ContainerSpec, role: "job" | "server", network: string): Docker.ContainerCreateOptions {
  const ports = spec.ports ?? [];
  return {
    Image: spec.image,
    ...(spec.hostname !== undefined ? { Hostname: spec.hostname } : {}),
    ...(ports.length > 0 ? { ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])) } : {}),
    Env: spec.env.map(([k, v]) => `${k}=${v}`),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    Labels: session.labels({ [`${LABEL_PREFIX}.role`]: role }),
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      Binds: spec.mounts.map((m) => `${m.source}:${m.target}${m.readOnly ? ":ro" : ""}`),
      NetworkMode: spec.network === "bridge" ? network : spec.network,
      // The image is untrusted: what it serves is reachable from this machine only, at a port the Engine picks.
      ...(ports.length > 0 ? { PortBindings: Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostIp: "127.0.0.1", HostPort: "" }]])) } : {}),
      Privileged: false,
      PidsLimit: PIDS_LIMIT,
      Init: false,
      // The Engine keeps what the job writes on disk: bounded, whatever the daemon's default log driver.
      LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "1" } },
    },
  };
}

/** Whether `path` is a mount target, below one, or a directory Docker created to hold one. */
export function mountRelated(path: string, targets: readonly string[]): boolean {
  return targets.some((t) => path === t || path.startsWith(`${t}/`) || t.startsWith(`${path}/`));
}

export async function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw signal.reason;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => signal.addEventListener("abort", (onAbort = () => reject(signal.reason)), { once: true }))]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Follows a container's stdout and stderr into `log` from its first line: a plain streamed GET, unlike attach, which
 * needs a connection upgrade that some proxies in front of the Engine do not pass.
 */
export async function followLogs(docker: Docker, container: Docker.Container, log: LogTailBuffer): Promise<{ drained: Promise<void>; stream: { destroy(): void } }> {
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (log.push(chunk), done()) });
  const stream = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const drained = new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
  docker.modem.demuxStream(stream, sink, sink);
  return { drained, stream };
}

export function containerRunner(session: DockerSession): ContainerRunner {
  return async (req: RunRequest): Promise<ContainerOutcome> => {
    const docker = session.docker;
    const log = new LogTailBuffer();
    let container: Docker.Container;
    try {
      const network = req.spec.network === "bridge" ? await raceSignal(session.network(), req.signal) : "none";
      container = await raceSignal(docker.createContainer(createOptions(session, req.spec, "job", network)), req.signal);
    } catch (e) {
      if (req.signal.aborted) throw req.signal.reason;
      // 400: the Engine refuses this image and command (no command at all, say): the job cannot start.
      if (statusOf(e) === 400) return unstarted(engineMessage(e).trim(), log.tail());
      throw engineError(e, `creating a container of ${req.spec.image}`);
    }
    const timers = new AbortController();
    try {
      try {
        await raceSignal(container.start(), req.signal);
      } catch (e) {
        if (req.signal.aborted) throw req.signal.reason;
        if (statusOf(e) === undefined) throw engineError(e, "starting the job's container");
        return unstarted(engineMessage(e), log.tail());
      }
      // Times count from the moment the Engine reports the container started.
      const t0 = performance.now();
      req.onStarted?.();
      // Long-lived calls go through the client without an idle timeout; the job's own timeout bounds them.
      const streamed = session.streaming.getContainer(container.id);
      const { drained, stream } = await followLogs(docker, streamed, log);
      let exitedAt = 0;
      const exited = (streamed.wait() as Promise<{ StatusCode: number }>).then((r) => {
        exitedAt = performance.now();
        return r.StatusCode;
      });
      exited.catch(() => {});
      const within = async (ms: number) =>
        Promise.race([exited.then(() => true), sleep(ms, false, { signal: timers.signal }).catch(() => false)]);

      let timedOut = false;
      let stop: StopOutcome | undefined;
      const run = async () => {
        if (req.stop) {
          const { signal, afterMs, graceMs } = req.stop;
          if (await within(afterMs)) {
            stop = { signal, graceMs, finishedFirst: true, killedAtDeadline: false };
            return;
          }
          const sentAt = performance.now();
          await container.kill({ signal }).catch((e: unknown) => {
            if (statusOf(e) !== 409) throw e; // 409: it exited in between
          });
          const onTime = await within(graceMs);
          if (!onTime) await container.kill({ signal: "SIGKILL" }).catch(() => {});
          await exited;
          stop = { signal, graceMs, finishedFirst: false, sentAfterMs: sentAt - t0, exitedAfterMs: exitedAt - sentAt, killedAtDeadline: !onTime };
        } else if (!(await within(req.timeoutMs))) {
          timedOut = true;
          await container.kill({ signal: "SIGKILL" }).catch(() => {});
          await exited;
        }
      };
      try {
        await raceSignal(run(), req.signal);
      } catch (e) {
        if (req.signal.aborted) {
          await container.kill({ signal: "SIGKILL" }).catch(() => {});
          throw req.signal.reason;
        }
        throw engineError(e, "waiting for the job's container");
      }
      const exitCode = await exited;
      await Promise.race([drained, sleep(LOG_DRAIN_MS, undefined, { signal: timers.signal }).catch(() => {})]);
      stream.destroy();
      const tail = log.tail();
      // runc could not exec the program: it never ran, whatever else the container shows.
      if (exitCode !== 0 && EXEC_FAILED.test(tail.text)) return unstarted(tail.text.trim(), tail, exitedAt - t0);
      const info = await container.inspect();
      const targets = req.spec.mounts.map((m) => m.target);
      const changes = ((await container.changes()) as Array<{ Path: string }> | null ?? [])
        .map((c) => c.Path)
        .filter((p) => !mountRelated(p, targets))
        .slice(0, MAX_CHANGES);
      const outcome: ContainerOutcome = {
        exitCode,
        durationMs: exitedAt - t0,
        timedOut,
        oomKilled: info.State?.OOMKilled === true,
        log: tail,
        changes,
      };
      if (stop) outcome.stop = stop;
      return outcome;
    } finally {
      timers.abort();
      // The run is over (or abandoned): the container goes now, not at the session's end.
      await container.remove({ force: true, v: true }).catch(() => {});
    }
  };
}
