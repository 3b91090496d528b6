import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { EnvironmentError } from "../errors.js";
import { engineAddress, engineError, statusOf } from "./errors.js";

/** Every label byoc-check sets lives under this prefix. */
export const LABEL_PREFIX = "dev.byoc-check";
export const SESSION_LABEL = `${LABEL_PREFIX}.session`;
export const OWNER_LABEL = `${LABEL_PREFIX}.owner`;

/** The oldest Engine API byoc-check speaks (Docker 20.10), and the newest it asks for. */
export const MIN_API = "1.41";
const MAX_API = "1.47";
const CALL_TIMEOUT_MS = 60_000;
const TEMP_PREFIX = "byoc-check-";

export interface Owner {
  host: string;
  pid: number;
}

function compareApi(a: string, b: string): number {
  const [am = 0, an = 0] = a.split(".").map(Number);
  const [bm = 0, bn = 0] = b.split(".").map(Number);
  return am - bm || an - bn;
}

function ownerLabel(owner: Owner): string {
  return `${owner.host}/${owner.pid}`;
}

function parseOwner(label: string | undefined): Owner | undefined {
  const m = /^(.*)\/(\d+)$/.exec(label ?? "");
  return m ? { host: m[1]!, pid: Number(m[2]) } : undefined;
}

/** Whether the byoc-check run that created something may still be using it. */
export function ownerAlive(owner: Owner | undefined): boolean {
  if (!owner) return false;
  if (owner.host !== hostname()) return true; // another machine's run: not ours to judge
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface SweepReport {
  containers: number;
  networks: number;
  volumes: number;
  tempDirs: number;
}

async function connect(): Promise<{ docker: Docker; apiVersion: string }> {
  let probe: Docker;
  try {
    probe = new Docker({ timeout: CALL_TIMEOUT_MS });
  } catch (e) {
    throw new EnvironmentError(`DOCKER_HOST=${process.env.DOCKER_HOST} cannot be used: ${(e as Error).message}`, "write it as unix:///var/run/docker.sock or tcp://HOST:2375");
  }
  let version: { ApiVersion?: string; MinAPIVersion?: string };
  try {
    version = await probe.version();
  } catch (e) {
    throw engineError(e, "asking for its version");
  }
  const engineMax = version.ApiVersion ?? "0.0";
  if (compareApi(engineMax, MIN_API) < 0) {
    throw new EnvironmentError(
      `the Docker engine at ${engineAddress()} speaks API ${engineMax}, older than the ${MIN_API} byoc-check needs`,
      "upgrade to Docker Engine 20.10 or newer",
    );
  }
  // Ask for the newest version both sides know, as the docker CLI does; new engines refuse very old versions.
  const apiVersion = compareApi(engineMax, MAX_API) < 0 ? engineMax : MAX_API;
  return { docker: new Docker({ version: `v${apiVersion}`, timeout: CALL_TIMEOUT_MS }), apiVersion };
}

/**
 * A client for the calls that stay open as long as a container runs (wait, followed logs): docker-modem's timeout is
 * an idle timeout on the socket, and a container that is quiet for a minute would otherwise lose its exit and its log.
 * Callers bound these themselves (the job's timeout, the stop grace, the session's end).
 */
function streamingClient(apiVersion: string): Docker {
  return new Docker({ version: `v${apiVersion}` });
}

/**
 * One byoc-check run's hold on the Docker engine. Everything it creates carries the session label, and `close()`
 * removes all of it, even what a crash left half-made: it asks the engine for the label rather than trusting memory.
 */
export class DockerSession {
  readonly id = randomUUID();
  readonly owner: Owner = { host: hostname(), pid: process.pid };
  private tempDirs: string[] = [];
  private closed = false;

  /** For wait and followed logs only: no idle timeout (see streamingClient). */
  readonly streaming: Docker;

  private constructor(
    readonly docker: Docker,
    readonly apiVersion: string,
  ) {
    this.streaming = streamingClient(apiVersion);
  }

  static async open(): Promise<DockerSession> {
    const { docker, apiVersion } = await connect();
    return new DockerSession(docker, apiVersion);
  }

  /** Labels for anything this session creates. */
  labels(extra: Record<string, string> = {}): Record<string, string> {
    return { [SESSION_LABEL]: this.id, [OWNER_LABEL]: ownerLabel(this.owner), ...extra };
  }

  /**
   * This session's own bridge network, made on first use: the containers under test reach the outside as on Docker's
   * default bridge, but not the other containers of this machine. Labelled, so close() and the sweep remove it.
   */
  network(): Promise<string> {
    return (this.networkName ??= (async () => {
      const name = `byoc-check-${this.id.slice(0, 12)}`;
      try {
        await this.docker.createNetwork({ Name: name, Driver: "bridge", Labels: this.labels({ [`${LABEL_PREFIX}.role`]: "network" }) });
      } catch (e) {
        throw engineError(e, "creating the session's network");
      }
      return name;
    })());
  }

  private networkName: Promise<string> | undefined;

  /** A private temp dir, removed by close() and, if the process dies first, by the next run's sweep. */
  tempDir(purpose: string): string {
    const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${purpose}-`));
    writeFileSync(join(dir, ".owner"), JSON.stringify(this.owner));
    this.tempDirs.push(dir);
    return dir;
  }

  /** Removes everything this session made. Idempotent; never throws, returns what failed instead. */
  async close(): Promise<string[]> {
    if (this.closed) return [];
    this.closed = true;
    const problems = await removeLabelled(this.docker, [`${SESSION_LABEL}=${this.id}`], () => true);
    for (const dir of this.tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (e) {
        problems.push(`temp dir ${dir}: ${(e as Error).message}`);
      }
    }
    return problems;
  }
}

/**
 * Removes what earlier runs left behind: resources whose owning process is gone, and their temp dirs.
 * With `all`, removes every labelled resource, live sessions included.
 */
export async function sweepStale(docker: Docker, options: { all?: boolean; except?: string } = {}): Promise<SweepReport & { problems: string[] }> {
  const stale = (labels: Record<string, string> | undefined) =>
    labels?.[SESSION_LABEL] !== options.except && (options.all === true || !ownerAlive(parseOwner(labels?.[OWNER_LABEL])));
  const counts = { containers: 0, networks: 0, volumes: 0, tempDirs: 0 };
  const problems = await removeLabelled(docker, [SESSION_LABEL], stale, counts);
  for (const name of safeReaddir(tmpdir())) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(readFileSync(join(dir, ".owner"), "utf8")) as Owner;
    } catch {
      continue; // not one of ours, or still being created
    }
    if (options.all || !ownerAlive(owner)) {
      try {
        rmSync(dir, { recursive: true, force: true });
        counts.tempDirs++;
      } catch (e) {
        // Files a container wrote as root cannot go without root: say so, and let the run go on.
        problems.push(`temp dir ${dir}: ${(e as Error).message}`);
      }
    }
  }
  return { ...counts, problems };
}

/**
 * Removes a container, waiting out a removal already in progress (a run's own cleanup racing the session's): the
 * process may exit right after, and an Engine that sees its client go may abandon that other removal.
 */
async function removeContainer(container: Docker.Container): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await container.remove({ force: true, v: true });
      return;
    } catch (e) {
      if (statusOf(e) !== 409 || attempt >= 50) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function removeLabelled(
  docker: Docker,
  labelFilter: string[],
  select: (labels: Record<string, string> | undefined) => boolean,
  counts: Partial<SweepReport> = {},
): Promise<string[]> {
  const problems: string[] = [];
  const filters = JSON.stringify({ label: labelFilter });
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false; // already gone: removal is idempotent
      problems.push(`${what}: ${(e as Error).message}`);
      return false;
    }
  };
  await attempt("listing containers", async () => {
    for (const c of await docker.listContainers({ all: true, filters })) {
      if (!select(c.Labels)) continue;
      if (await attempt(`container ${c.Id.slice(0, 12)}`, () => removeContainer(docker.getContainer(c.Id)))) {
        counts.containers = (counts.containers ?? 0) + 1;
      }
    }
  });
  await attempt("listing networks", async () => {
    for (const n of await docker.listNetworks({ filters })) {
      if (!select(n.Labels)) continue;
      if (await attempt(`network ${n.Name}`, () => docker.getNetwork(n.Id).remove())) counts.networks = (counts.networks ?? 0) + 1;
    }
  });
  await attempt("listing volumes", async () => {
    const { Volumes } = await docker.listVolumes({ filters });
    for (const v of Volumes ?? []) {
      if (!select(v.Labels ?? undefined)) continue;
      if (await attempt(`volume ${v.Name}`, () => docker.getVolume(v.Name).remove())) counts.volumes = (counts.volumes ?? 0) + 1;
    }
  });
  return problems;
}
