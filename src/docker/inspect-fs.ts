import { posix } from "node:path";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { Parser, type ReadEntry } from "tar";
import type { FileKind, FileStat, ImageFs } from "../image/fs.js";
import { engineError, engineMessage, statusOf } from "./errors.js";
import type { DockerSession } from "./session.js";

// Go's os.FileMode bits, as the Engine reports them in X-Docker-Container-Path-Stat (bit numbers from io/fs).
const goBit = (mode: number, n: number) => ((mode >>> n) & 1) === 1;
const GO_DIR = 31;
const GO_SYMLINK = 27;
const GO_OTHER_TYPES = [26, 25, 24, 21, 19]; // device, named pipe, socket, char device, irregular
const GO_SETUID = 23;
const GO_SETGID = 22;
const GO_STICKY = 20;

/** Bytes the archive stream may carry before a listing stops, so a 10 GB file baked into an image cannot stall a check. */
const LIST_BYTE_BUDGET = 64 * 1024 * 1024;

function kindFromGoMode(mode: number): FileKind {
  if (goBit(mode, GO_DIR)) return "dir";
  if (goBit(mode, GO_SYMLINK)) return "symlink";
  return GO_OTHER_TYPES.some((n) => goBit(mode, n)) ? "other" : "file";
}

function permFromGoMode(mode: number): number {
  return (mode & 0o777) | (goBit(mode, GO_SETUID) ? 0o4000 : 0) | (goBit(mode, GO_SETGID) ? 0o2000 : 0) | (goBit(mode, GO_STICKY) ? 0o1000 : 0);
}

function kindFromTar(type: ReadEntry["type"]): FileKind {
  switch (type) {
    case "File":
    case "OldFile":
    case "ContiguousFile":
    case "Link":
      return "file";
    case "Directory":
      return "dir";
    case "SymbolicLink":
      return "symlink";
    default:
      return "other";
  }
}

/**
 * Reads an image's filesystem without running it: a container is created (never started, no network) and read
 * through the Engine's archive API. Removed by close(), and by the session in any case.
 */
export async function openInspectionFs(session: DockerSession, imageId: string): Promise<ImageFs & { close(): Promise<void> }> {
  let container: Docker.Container;
  try {
    container = await session.docker.createContainer({
      Image: imageId,
      // Never started: the entrypoint only has to be present for the Engine to accept the create.
      Entrypoint: ["/byoc-check-never-started"],
      Cmd: [],
      Labels: session.labels({ "dev.byoc-check.role": "inspect" }),
      NetworkDisabled: true,
      HostConfig: { NetworkMode: "none", Privileged: false },
    });
  } catch (e) {
    throw engineError(e, "creating a container to read the image's files");
  }

  async function lstat(path: string): Promise<FileStat | null> {
    let res: Readable & { headers: Record<string, string | undefined> };
    try {
      res = (await container.infoArchive({ path })) as typeof res;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      if (statusOf(e) === 500 || /too many links/.test(engineMessage(e))) {
        // The Engine evaluates a final symlink to report its target; a loop fails that evaluation.
        return { path, kind: "symlink", mode: 0o777, size: 0 };
      }
      throw engineError(e, `reading ${path} in the image`);
    }
    res.resume();
    const header = res.headers["x-docker-container-path-stat"];
    if (!header) throw new Error(`the Engine sent no path stat for ${path}`);
    const raw = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as { size: number; mode: number; linkTarget: string };
    const kind = kindFromGoMode(raw.mode);
    const st: FileStat = { path, kind, mode: permFromGoMode(raw.mode), size: raw.size };
    if (kind === "symlink" && raw.linkTarget) st.linkTarget = raw.linkTarget;
    return st;
  }

  /** Streams the archive of `path` through a tar parser; `onEntry` returns false to stop early. */
  async function scan(path: string, onEntry: (entry: ReadEntry, fullPath: string) => boolean | "keep-data", byteBudget: number): Promise<boolean> {
    let stream: Readable;
    try {
      stream = (await container.getArchive({ path })) as Readable;
    } catch (e) {
      if (statusOf(e) === 404) throw Object.assign(new Error(`${path} does not exist in the image`), { code: "ENOENT" });
      throw engineError(e, `reading ${path} in the image`);
    }
    const base = posix.dirname(posix.normalize(path));
    return await new Promise<boolean>((resolve, reject) => {
      let bytes = 0;
      let done = false;
      const finish = (truncated: boolean, error?: unknown) => {
        if (done) return;
        done = true;
        stream.destroy();
        if (error) reject(error);
        else resolve(truncated);
      };
      const parser = new Parser({
        onReadEntry: (entry) => {
          if (done) return entry.resume();
          const verdict = onEntry(entry, posix.join(base, entry.path));
          if (verdict === false) return finish(true);
          if (verdict !== "keep-data") entry.resume();
        },
      });
      parser.on("end", () => finish(false));
      parser.on("error", (e: unknown) => finish(false, e));
      stream.on("error", (e) => finish(false, engineError(e, `reading ${path} in the image`)));
      stream.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > byteBudget) return finish(true);
        parser.write(chunk);
      });
      stream.on("end", () => parser.end());
    });
  }

  async function readHead(path: string, maxBytes: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let have = 0;
    let seen = false;
    await scan(
      path,
      (entry) => {
        if (seen) return false;
        seen = true;
        if (kindFromTar(entry.type) !== "file") return false;
        entry.on("data", (c: Buffer) => {
          if (have < maxBytes) chunks.push(c.subarray(0, maxBytes - have));
          have += c.length;
        });
        return "keep-data";
      },
      // The header block plus the bytes asked for, rounded up to whole 512-byte records, plus slack for pax headers.
      maxBytes + 64 * 1024,
    );
    return Buffer.concat(chunks).subarray(0, maxBytes);
  }

  async function listFiles(dir: string, limit: number): Promise<{ files: FileStat[]; truncated: boolean }> {
    const files: FileStat[] = [];
    let truncated: boolean;
    try {
      truncated = await scan(
        dir,
        (entry, fullPath) => {
          const kind = kindFromTar(entry.type);
          if (kind === "dir") return true;
          if (files.length >= limit) return false;
          const st: FileStat = { path: fullPath, kind, mode: entry.mode ?? 0, size: entry.size ?? 0 };
          if (kind === "symlink" && entry.linkpath) st.linkTarget = entry.linkpath;
          files.push(st);
          return true;
        },
        LIST_BYTE_BUDGET,
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { files: [], truncated: false };
      throw e;
    }
    return { files, truncated };
  }

  return {
    lstat,
    readHead,
    listFiles,
    async close() {
      try {
        await container.remove({ force: true, v: true });
      } catch (e) {
        if (statusOf(e) !== 404) throw engineError(e, "removing the inspection container");
      }
    },
  };
}
