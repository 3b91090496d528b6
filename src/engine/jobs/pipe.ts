import { spawnSync } from "node:child_process";
import { constants, createReadStream, openSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { Socket } from "node:net";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** Creates a named pipe; Node has no mkfifo of its own. */
export function makeFifo(path: string): void {
  const r = spawnSync("mkfifo", ["-m", "0644", path], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${(r.stderr || r.error?.message || "failed").trim()}`);
}

/** Every regular file under `dir`, in a stable order: what one epoch of a Pipe-mode channel streams. */
export async function channelFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

/**
 * Feeds `files` into the FIFO at `path` once the job opens it for reading, then closes it so the job sees EOF.
 * Opening is non-blocking and polled, so a job that never reads holds no thread; `signal` ends the wait.
 */
export async function feedFifo(path: string, files: readonly string[], signal: AbortSignal): Promise<void> {
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENXIO") throw e; // ENXIO: no reader yet
      await sleep(50, undefined, { signal });
    }
  }
  const socket = new Socket({ fd, readable: false, writable: true });
  const onAbort = () => socket.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (const file of files) await pipeline(createReadStream(file), socket, { end: false });
    await new Promise<void>((resolve) => socket.end(resolve));
  } finally {
    signal.removeEventListener("abort", onAbort);
    socket.destroy();
  }
}
