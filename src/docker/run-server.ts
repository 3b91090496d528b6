// Runs an inference server as SageMaker hosts one: detached, its port published on 127.0.0.1 at a port the Engine
// chooses, logs followed from the first line, stopped with SIGTERM and then SIGKILL at the grace's end.
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { LogTailBuffer } from "../engine/jobs/log-tail.js";
import type { StopOutcome } from "../engine/jobs/types.js";
import type { Listener, RunningServer, ServerExit, ServerRunner } from "../engine/serve/runner.js";
import { EnvironmentError } from "../errors.js";
import { engineAddress, engineError, engineMessage, statusOf } from "./errors.js";
import { EXEC_FAILED, createOptions, followLogs, raceSignal } from "./run-container.js";
import type { DockerSession } from "./session.js";

const LISTEN = "0A";
const DOCKER_DNS = "127.0.0.11";
/** How the Engine reports a program it could not exec at start: the image's fault, not the Engine's. */
const START_FAILED = /exec|executable file not found|no such file or directory|permission denied|exec format error|not a directory/i;
/** After SIGKILL, how long the Engine may take to report the exit. */
const KILL_SETTLE_MS = 10_000;

/** Decodes /proc/net/tcp's little-endian hex IPv4 address. */
function ipv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join(".");
}

/** Decodes /proc/net/tcp6's address: four 32-bit words, each little-endian. */
function ipv6(hex: string): string {
  const bytes: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(word.slice(b * 2, b * 2 + 2));
  }
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(Number.parseInt(bytes[i]! + bytes[i + 1]!, 16).toString(16));
  const text = groups.join(":");
  if (text === "0:0:0:0:0:0:0:0") return "::";
  if (text === "0:0:0:0:0:0:0:1") return "::1";
  const mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(text);
  if (mapped) {
    const hi = Number.parseInt(mapped[1]!, 16);
    const lo = Number.parseInt(mapped[2]!, 16);
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return text;
}

/** The listening sockets in a /proc/<pid>/net/tcp or tcp6 table. */
export function parseListeners(table: string, family: 4 | 6): Listener[] {
  const out: Listener[] = [];
  for (const line of table.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || cols[3] !== LISTEN) continue;
    const [addr, port] = cols[1]!.split(":");
    if (!addr || !port) continue;
    const address = family === 4 ? ipv4(addr) : ipv6(addr);
    const loopback = address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
    out.push({ address, port: Number.parseInt(port, 16), loopback });
  }
  return out;
}

/** Whether the Engine runs on this machine, so that a container's host pid means something here. */
function engineIsLocal(): boolean {
  return engineAddress().startsWith("unix://");
}

/** The container's sockets, read through its init process's network namespace; undefined when that cannot be done. */
async function readListeners(pid: number | undefined, containerId: string): Promise<Listener[] | undefined> {
  if (!pid || !engineIsLocal()) return undefined;
  try {
    // The pid is the Engine's view: make sure it names this container's process here, not an unrelated one (a VM).
    const cgroup = await readFile(`/proc/${pid}/cgroup`, "utf8");
    if (!cgroup.includes(containerId)) return undefined;
    const [t4, t6] = await Promise.all([readFile(`/proc/${pid}/net/tcp`, "utf8"), readFile(`/proc/${pid}/net/tcp6`, "utf8").catch(() => "")]);
    // Docker's embedded DNS server listens at 127.0.0.11 in every container on a user-defined network: the Engine's, not the image's.
    return [...parseListeners(t4, 4), ...parseListeners(t6, 6)].filter((l) => l.address !== DOCKER_DNS);
  } catch {
    return undefined;
  }
}

export function serverRunner(session: DockerSession): ServerRunner {
  return async (req) => {
    const docker = session.docker;
    const log = new LogTailBuffer();
    let container: Docker.Container;
    const network = req.spec.network === "bridge" ? await raceSignal(session.network(), req.signal) : "none";
    const creating = docker.createContainer(createOptions(session, req.spec, "server", network));
    // Interrupted while the Engine creates it: remove it when it lands, as nothing else will know of it.
    creating.then((c) => (req.signal.aborted ? c.remove({ force: true, v: true }) : undefined)).catch(() => {});
    try {
      container = await raceSignal(creating, req.signal);
    } catch (e) {
      if (req.signal.aborted) throw req.signal.reason;
      if (statusOf(e) === 400) return { ok: false, startError: engineMessage(e).trim(), log: log.tail() };
      throw engineError(e, `creating a container of ${req.spec.image}`);
    }
    const remove = once(async () => {
      await container.remove({ force: true, v: true }).catch(() => {});
    });
    try {
      await raceSignal(container.start(), req.signal);
    } catch (e) {
      await remove();
      if (req.signal.aborted) throw req.signal.reason;
      if (statusOf(e) === undefined) throw engineError(e, "starting the server's container");
      const message = engineMessage(e).trim();
      // Only runc's exec errors are the image's doing; a port the Engine cannot publish, a broken network, are not.
      if (!START_FAILED.test(message)) {
        throw new EnvironmentError(`the Docker engine could not start the server's container: ${message}`, "check the engine (docker info; its log), then run again");
      }
      return { ok: false, startError: message, log: log.tail() };
    }
    const startedAt = performance.now();
    try {
      // Long-lived calls go through the client without an idle timeout: a server may be quiet for minutes.
      const streamed = session.streaming.getContainer(container.id);
      const { drained, stream } = await followLogs(docker, streamed, log);
      const info = await container.inspect();
      const pid = info.State?.Pid;
      const ports = (info.NetworkSettings?.Ports ?? {}) as Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
      let exit: ServerExit | undefined;
      const exited: Promise<ServerExit> = (streamed.wait() as Promise<{ StatusCode: number }>)
        .then(async (r) => {
          const afterMs = performance.now() - startedAt;
          await Promise.race([drained, sleep(2_000)]);
          stream.destroy();
          const state = await container.inspect().then((i) => i.State).catch(() => undefined);
          const tail = log.tail().text;
          exit = {
            exitCode: r.StatusCode,
            oomKilled: state?.OOMKilled === true,
            afterMs,
            ...(r.StatusCode !== 0 && EXEC_FAILED.test(tail) ? { execFailed: tail.trim() } : {}),
          };
          return exit;
        })
        .catch(() => {
          // The container went away under us (removed, or the Engine restarted): treat it as gone.
          exit ??= { exitCode: -1, oomKilled: false, afterMs: performance.now() - startedAt, vanished: true };
          return exit;
        });
      let stopping: Promise<StopOutcome> | undefined;
      const server: RunningServer = {
        startedAt,
        exited,
        exit: () => exit,
        log: () => log.tail(),
        address(containerPort) {
          const binding = ports[`${containerPort}/tcp`]?.find((b) => b.HostPort);
          return binding ? { host: "127.0.0.1", port: Number(binding.HostPort) } : undefined;
        },
        directAddress(containerPort) {
          const ip = Object.values(info.NetworkSettings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
          return ip && engineIsLocal() ? { host: ip, port: containerPort } : undefined;
        },
        listeners: () => (exit ? Promise.resolve(undefined) : readListeners(pid, container.id)),
        stop(signal, graceMs) {
          return (stopping ??= (async (): Promise<StopOutcome> => {
            if (exit) return { signal, graceMs, finishedFirst: true, killedAtDeadline: false };
            const sentAt = performance.now();
            let gone = false;
            await container.kill({ signal }).catch((e: unknown) => {
              // 409/404: it exited (or went) between the test above and the signal: there was nothing to stop.
              if (statusOf(e) === 409 || statusOf(e) === 404) gone = true;
              else throw engineError(e, `sending ${signal} to the server`);
            });
            if (gone) return { signal, graceMs, finishedFirst: true, killedAtDeadline: false };
            const timer = new AbortController();
            const onTime = await Promise.race([exited.then(() => true), sleep(graceMs, false, { signal: timer.signal }).catch(() => false)]);
            timer.abort();
            if (!onTime) await container.kill({ signal: "SIGKILL" }).catch(() => {});
            // SIGKILL cannot be refused, but the Engine may be slow to say so: bounded, then the clock says when.
            const ended = await Promise.race([exited, sleep(KILL_SETTLE_MS).then(() => undefined)]);
            const exitedAt = ended ? ended.afterMs : performance.now() - startedAt;
            return { signal, graceMs, finishedFirst: false, sentAfterMs: sentAt - startedAt, exitedAfterMs: Math.max(0, exitedAt - (sentAt - startedAt)), killedAtDeadline: !onTime };
          })());
        },
        remove,
      };
      return { ok: true, server };
    } catch (e) {
      await remove();
      throw engineError(e, "watching the server's container");
    }
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
