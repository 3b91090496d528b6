// The result cache: a verdict keyed on the image's content, the spec, the suite and the options that change what
// runs, so that an unchanged image is not run again. Files under the user's cache directory, one per verdict,
// written whole or not at all so that concurrent runs never see half of one.
//
// Only node: built-ins at run time (the report model's one constant aside): the concurrency test runs this file in
// child processes under Node's type stripping.
import { createHash, randomUUID } from "node:crypto";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  futimesSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
  type Stats,
} from "node:fs";
import { homedir } from "node:os";
import { join, posix, resolve, win32 } from "node:path";
import { REPORT_VERSION, type Report } from "../report/model.js";

const NAME = "byoc-check";

/** The layout of an entry. A new one goes to a new v<N>/ directory, so two versions of byoc-check never meet. */
export const CACHE_FORMAT_VERSION = 1;
/** Bumped when what verdictKey hashes changes shape, so that old keys cannot collide with new ones. */
const KEY_VERSION = 1;
export const DEFAULT_MAX_ENTRIES = 500;
export const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;
/** A temp file this old belongs to a writer that died before its rename. */
const STALE_TEMP_MS = 60 * 60_000;

const KEY = /^[0-9a-f]{64}$/;
const ENTRY = /^[0-9a-f]{64}\.json$/;
const TEMP = /^\..+\.tmp$/;
// OCI image spec, descriptor.md "Digests": algorithm ":" encoded.
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function homeOrEmpty(): string {
  try {
    return homedir();
  } catch {
    return "";
  }
}

/** Where verdicts live unless BYOC_CHECK_CACHE_DIR says otherwise: the platform's per-user cache directory. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homeOrEmpty()): string {
  if (env.BYOC_CHECK_CACHE_DIR) return env.BYOC_CHECK_CACHE_DIR;
  if (platform === "win32") {
    // Microsoft's Known Folders: FOLDERID_LocalAppData (%LOCALAPPDATA%) is per user and never roams, the place for
    // data that can be rebuilt; <app>\Cache below it is the layout of env-paths, which most Node CLIs follow.
    return win32.join(env.LOCALAPPDATA || win32.join(home, "AppData", "Local"), NAME, "Cache");
  }
  if (platform === "darwin") {
    // Apple's File System Programming Guide: caches an app can re-create go in ~/Library/Caches/<app>.
    return posix.join(home, "Library", "Caches", NAME);
  }
  // XDG Base Directory Specification 0.8: $XDG_CACHE_HOME, else $HOME/.cache; "If an implementation encounters a
  // relative path in any of these variables it should consider the path invalid and ignore it."
  const xdg = env.XDG_CACHE_HOME;
  return posix.join(xdg && posix.isAbsolute(xdg) ? xdg : posix.join(home, ".cache"), NAME);
}

/**
 * JSON with the keys of every object sorted and arrays left in order: equal values give equal text whatever order
 * their keys were written in. Refuses what JSON would silently drop or flatten (Map, Set, Buffer, class instances,
 * NaN, functions): a value the key cannot see would let two different runs share a verdict.
 */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown, at: string): string => {
    if (v === null) return "null";
    switch (typeof v) {
      case "string":
      case "boolean":
        return JSON.stringify(v);
      case "number":
        if (!Number.isFinite(v)) throw new TypeError(`cannot key ${at || "the value"}: ${v} is not a finite number`);
        return JSON.stringify(v);
      case "object": {
        if (seen.has(v)) throw new TypeError(`cannot key ${at || "the value"}: it refers to itself`);
        if (v instanceof Date) return JSON.stringify(v.toISOString());
        const proto = Object.getPrototypeOf(v) as unknown;
        if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
          throw new TypeError(`cannot key ${at || "the value"}: a ${(v as object).constructor?.name ?? "non-plain object"} is not plain data; pass a digest of its content`);
        }
        seen.add(v);
        const text = Array.isArray(v)
          ? `[${v.map((item, i) => (item === undefined ? "null" : walk(item, `${at}[${i}]`))).join(",")}]`
          : `{${Object.keys(v)
              .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
              .sort()
              .map((k) => `${JSON.stringify(k)}:${walk((v as Record<string, unknown>)[k], at ? `${at}.${k}` : k)}`)
              .join(",")}}`;
        seen.delete(v);
        return text;
      }
      default:
        throw new TypeError(`cannot key ${at || "the value"}: a ${typeof v} is not data`);
    }
  };
  return walk(value, "");
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export interface VerdictKeyInput {
  /**
   * The image's content. configDigest is the sha256 of the config blob, and the config lists rootfs.diff_ids, so
   * the digest alone already pins the layers. The diff ids are hashed as well because the id an engine reports is
   * not always that digest: with Docker's containerd image store `docker inspect` gives the manifest or index
   * digest, and one index stands for several platforms with different layers. Layers alone would not do either: the
   * config (entrypoint, env, user, labels) is what half the checks judge. So both are required; a source that
   * cannot produce a config digest cannot be cached.
   */
  image: { configDigest: string; diffIds: readonly string[] };
  specVersion: string;
  /** suiteFingerprint of the checks the run would select. */
  suite: string;
  /** The options that change what runs or what the report says (plain data; see canonicalJson). */
  options: unknown;
}

export function verdictKey(input: VerdictKeyInput): string {
  const { configDigest, diffIds } = input.image;
  if (!DIGEST.test(configDigest)) throw new TypeError(`verdictKey: config digest "${configDigest}" is not algorithm:hex`);
  const bad = diffIds.find((d) => !DIGEST.test(d));
  if (bad !== undefined) throw new TypeError(`verdictKey: diff id "${bad}" is not algorithm:hex`);
  return sha256(
    canonicalJson({ keyVersion: KEY_VERSION, image: { configDigest, diffIds: [...diffIds] }, specVersion: input.specVersion, suite: input.suite, options: input.options }),
  );
}

/** What suiteFingerprint reads of a check: AnyCheck fits. */
export interface FingerprintedCheck {
  readonly id: string;
  readonly severity: string;
  readonly clauses: readonly string[];
  readonly title: string;
  readonly deprecated?: boolean;
  readonly timeoutMs?: number;
  readonly needs?: object;
  readonly run?: unknown;
}

/**
 * Changes when a check is added, removed, reordered or changed, or the tool's version changes. The version covers
 * releases; the source text of each check's run() covers a checkout edited without a version bump (helpers it calls
 * are not covered; bump the version or pass --no-cache). Order counts because the report lists results in it.
 */
export function suiteFingerprint(checks: ReadonlyArray<FingerprintedCheck>, toolVersion: string): string {
  return sha256(
    canonicalJson({
      tool: toolVersion,
      checks: checks.map((c) => ({
        id: c.id,
        severity: c.severity,
        clauses: [...c.clauses],
        title: c.title,
        deprecated: c.deprecated === true,
        timeoutMs: c.timeoutMs,
        needs: c.needs === undefined ? undefined : { ...c.needs },
        run: typeof c.run === "function" ? sha256(Function.prototype.toString.call(c.run)) : undefined,
      })),
    }),
  );
}

/**
 * Whether a report is a verdict on the image, worth keeping: a run that ended in an error (Docker went away, a
 * deadline passed, a check broke) says something about the environment that the next run may not repeat.
 */
export function isCacheable(report: Report): boolean {
  return (report.exitCode === 0 || report.exitCode === 1) && report.results.length > 0 && report.results.every((r) => r.status !== "error");
}

export interface CachedVerdict {
  report: Report;
  /** When the verdict was stored: the date to print next to a cached report. */
  storedAt: Date;
}

export interface VerdictCache {
  /** The cache directory as given, resolved; entries live in its v<N>/ subdirectory. */
  readonly dir: string;
  /** false when the directory cannot be used: get misses, put and clear do nothing. */
  readonly enabled: boolean;
  /** Why the cache is not working, one line for the caller to print: set on open, or by the first put that failed. */
  readonly warning: string | undefined;
  /** The verdict stored under key, or undefined; a damaged entry is a miss and is removed. Never throws for I/O. */
  get(key: string): CachedVerdict | undefined;
  /** Stores the report under key, replacing any, then evicts the least recently used beyond the bounds. */
  put(key: string, report: Report): void;
  /** Removes every verdict, of this format and of older or newer ones. */
  clear(): void;
}

export interface VerdictCacheOptions {
  maxEntries?: number;
  maxBytes?: number;
  /** The clock for storedAt and for the times that order eviction. */
  now?: () => Date;
}

interface StoredEntry {
  formatVersion: typeof CACHE_FORMAT_VERSION;
  key: string;
  storedAt: string;
  report: Report;
}

function assertKey(key: string): void {
  if (!KEY.test(key)) throw new TypeError(`verdict cache: "${key}" is not a key from verdictKey`);
}

function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(error);
}

function parseEntry(text: string, key: string): CachedVerdict | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== "object" || data === null) return undefined;
  const entry = data as Partial<StoredEntry>;
  if (entry.formatVersion !== CACHE_FORMAT_VERSION || entry.key !== key || typeof entry.storedAt !== "string") return undefined;
  const storedAt = new Date(entry.storedAt);
  const report = entry.report as Partial<Report> | undefined;
  if (Number.isNaN(storedAt.getTime()) || typeof report !== "object" || report === null) return undefined;
  if (report.reportVersion !== REPORT_VERSION || !Array.isArray(report.results) || typeof report.summary !== "object" || report.summary === null) return undefined;
  return { report: report as Report, storedAt };
}

/** A synchronous pause for the rename retries below. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * rename(2) replaces the target in one step on POSIX. Windows refuses (EPERM, EACCES, EBUSY) while another process
 * has the target open or is renaming onto it, so there a few tries with a pause.
 */
function replace(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (process.platform !== "win32" || attempt >= 8 || !(code === "EPERM" || code === "EACCES" || code === "EBUSY")) throw e;
      pause(5 * 2 ** attempt);
    }
  }
}

export function openVerdictCache(dir: string, o: VerdictCacheOptions = {}): VerdictCache {
  const maxEntries = o.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`verdict cache: maxEntries ${maxEntries} is not a whole number over 0`);
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError(`verdict cache: maxBytes ${maxBytes} is not a whole number over 0`);
  const now = o.now ?? (() => new Date());
  const root = resolve(dir);
  const entries = join(root, `v${CACHE_FORMAT_VERSION}`);
  let warning: string | undefined;
  const note = (what: string, error: unknown) => {
    warning ??= `the verdict cache in ${root} ${what} (${errorText(error)}); byoc-check runs without it. Set BYOC_CHECK_CACHE_DIR to a writable directory, or pass --no-cache`;
  };

  let enabled = true;
  try {
    mkdirSync(entries, { recursive: true, mode: 0o700 });
    // access(W_OK) says yes to root whatever the mode; a file actually written is the honest answer.
    const probe = join(entries, `.probe.${process.pid}.${randomUUID()}.tmp`);
    closeSync(openSync(probe, "wx", 0o600));
    unlinkSync(probe);
  } catch (e) {
    enabled = false;
    note("cannot be used", e);
  }

  const pathOf = (key: string) => join(entries, `${key}.json`);

  /** Removes a damaged entry, unless a writer has renamed a good one over it since it was read. */
  const discard = (path: string, read: Stats) => {
    try {
      const current = lstatSync(path);
      if (current.ino === read.ino && current.dev === read.dev) unlinkSync(path);
    } catch {
      // Already gone, or not ours to remove: a miss either way.
    }
  };

  const evict = () => {
    let names: string[];
    try {
      names = readdirSync(entries);
    } catch {
      return;
    }
    const staleBefore = now().getTime() - STALE_TEMP_MS;
    const live: Array<{ name: string; mtimeMs: number; size: number }> = [];
    for (const name of names) {
      try {
        if (ENTRY.test(name)) {
          const st = statSync(join(entries, name));
          if (st.isFile()) live.push({ name, mtimeMs: st.mtimeMs, size: st.size });
        } else if (TEMP.test(name) && statSync(join(entries, name)).mtimeMs < staleBefore) {
          unlinkSync(join(entries, name));
        }
      } catch {
        // Evicted, renamed or cleared by another run meanwhile.
      }
    }
    live.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? -1 : 1));
    let count = 0;
    let bytes = 0;
    let full = false;
    for (const e of live) {
      if (!full && count < maxEntries && bytes + e.size <= maxBytes) {
        count++;
        bytes += e.size;
        continue;
      }
      // Least recently used: once one entry does not fit, it and every older one go.
      full = true;
      try {
        unlinkSync(join(entries, e.name));
      } catch {
        // Another run evicted it first.
      }
    }
  };

  return {
    dir: root,
    enabled,
    get warning() {
      return warning;
    },

    get(key) {
      assertKey(key);
      if (!enabled) return undefined;
      const path = pathOf(key);
      let fd: number;
      try {
        fd = openSync(path, "r");
      } catch {
        return undefined;
      }
      let st: Stats | undefined;
      let text: string | undefined;
      try {
        st = fstatSync(fd);
        // Entries are never written in place (a new one is renamed over the old), so the size read is the size.
        if (st.isFile() && st.size <= maxBytes) {
          const buf = Buffer.alloc(st.size);
          let off = 0;
          for (let n = 1; off < buf.length && n > 0; off += n) n = readSync(fd, buf, off, buf.length - off, off);
          if (off === buf.length) text = buf.toString("utf8");
        }
      } catch {
        // Unreadable: treated as damaged below.
      } finally {
        closeSync(fd);
      }
      const entry = text === undefined ? undefined : parseEntry(text, key);
      if (entry === undefined) {
        if (st !== undefined) discard(path, st);
        return undefined;
      }
      try {
        const t = now();
        utimesSync(path, t, t);
      } catch {
        // Evicted meanwhile, or a read-only file: the hit stands, only its place in the eviction order is lost.
      }
      return entry;
    },

    put(key, report) {
      assertKey(key);
      if (!enabled) return;
      const storedAt = now();
      const entry: StoredEntry = { formatVersion: CACHE_FORMAT_VERSION, key, storedAt: storedAt.toISOString(), report };
      const data = Buffer.from(JSON.stringify(entry), "utf8");
      // A report larger than the whole cache would only evict everything and then itself.
      if (data.length > maxBytes) return;
      // Same directory as the entry, so that the rename stays on one file system; a unique name per writer.
      const temp = join(entries, `.${key}.${process.pid}.${randomUUID()}.tmp`);
      let fd: number | undefined;
      try {
        fd = openSync(temp, "wx", 0o600);
        for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
        futimesSync(fd, storedAt, storedAt);
        // Without it a crash could leave the renamed name pointing at blocks never written (ext4 delalloc): a miss
        // then, but the point is that a name only ever holds a whole entry.
        fsyncSync(fd);
        closeSync(fd);
        fd = undefined;
        replace(temp, pathOf(key));
      } catch (e) {
        if (fd !== undefined) {
          try {
            closeSync(fd);
          } catch {
            // The write error is the one to report.
          }
        }
        try {
          unlinkSync(temp);
        } catch {
          // Never created, or removed by clear().
        }
        // ENOENT: clear() in another run removed the temp file; the verdict is simply not stored.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") note("cannot be written", e);
        return;
      }
      evict();
    },

    clear() {
      if (!enabled) return;
      let names: string[] = [];
      try {
        names = readdirSync(root);
      } catch {
        return;
      }
      for (const name of names) {
        if (!/^v\d+$/.test(name)) continue;
        const sub = join(root, name);
        if (sub !== entries) {
          try {
            rmSync(sub, { recursive: true, force: true, maxRetries: 3 });
          } catch {
            // Another format's directory that will not go: it holds no verdict this version would read.
          }
          continue;
        }
        // The current directory stays, so that a run writing into it meanwhile only loses its own verdict.
        let files: string[] = [];
        try {
          files = readdirSync(entries);
        } catch {
          continue;
        }
        for (const f of files) {
          if (!ENTRY.test(f) && !TEMP.test(f)) continue;
          try {
            unlinkSync(join(entries, f));
          } catch {
            // Gone already.
          }
        }
      }
    },
  };
}
