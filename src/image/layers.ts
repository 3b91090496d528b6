// The single-pass layer reader (issue 6). Each layer's tar stream is parsed once, never extracted and never held in
// memory: its entries, whiteouts and opaque directories go into a per-layer record, and the bytes of the regular files
// that checks asked for are pushed to their sinks as they pass. Records are merged in manifest order at the end,
// because a `docker save` stream names that order only after the layers.

import { createHash } from "node:crypto";
import { posix } from "node:path";
import { Readable } from "node:stream";
import * as zlib from "node:zlib";
import { Header, Parser, type ReadEntry } from "tar";
import { ExpectedError } from "../errors.js";
import { MAX_SYMLINK_HOPS } from "./fs.js";

/** A layer or archive that cannot be read: truncated, corrupt, too large, or not what it claims to be. */
/** An image archive or layer that cannot be read: the input's fault, reported in one line with a hint. */
export class LayerError extends ExpectedError {
  readonly kind = "config";
}

/** The image has more filesystem entries than the scan allows (maxEntries). */
export class EntryLimitError extends LayerError {}

export type EntryKind = "file" | "dir" | "symlink" | "hardlink" | "other";
export type Compression = "none" | "gzip" | "zstd";

export interface LayerEntry {
  /** Absolute and normalised: no `.`, `..`, repeated or trailing slashes. */
  path: string;
  kind: EntryKind;
  /** Permission bits, 0o7777. */
  mode: number;
  /** As declared in the header: metadata, never a promise of how many bytes follow. */
  size: number;
  uid: number;
  gid: number;
  /** For symlinks and hard links: the target exactly as written (hard-link targets are relative to the root). */
  linkTarget: string | undefined;
  /** The name as stored, when its `..` components climbed above the root (`../../etc/passwd` is kept as /etc/passwd). */
  escapedName: string | undefined;
}

export interface LayerRecord {
  /** The caller's name for the layer (an archive path or a blob digest), as consumers saw it. */
  key: string;
  entries: LayerEntry[];
  /** Paths that `.wh.NAME` entries delete from lower layers. */
  whiteouts: string[];
  /** Directories that `.wh..wh..opq` entries make opaque: lower layers' content below them is hidden. */
  opaqueDirs: string[];
  compression: Compression;
  /** sha256 of the bytes as read, compressed or not: the blob's digest. */
  digest: string;
  /** sha256 of the uncompressed tar stream: the layer's diff ID. */
  diffId: string;
  storedBytes: number;
  tarBytes: number;
}

/** What a consumer is told about a regular file before its bytes stream past. */
export interface FileOffer {
  path: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** The key of the layer being read; the result maps keys to layer indexes. */
  layer: string;
}

/**
 * Receives one file's bytes, in order and synchronously as they stream. Chunks are not reused by the reader, so they
 * may be kept (a few bytes kept from a large chunk are better copied: a slice pins the whole chunk). "enough" stops
 * further writes to this sink; end() is called once when the entry is over, unless the scan fails first.
 */
export interface ContentSink {
  write(chunk: Buffer): void | "enough";
  end(): void;
}

/** Called for every regular file of every layer, including those a later layer deletes or overwrites. */
export type ContentConsumer = (file: FileOffer) => ContentSink | undefined;

export interface ScanOptions {
  consumers?: readonly ContentConsumer[];
  /** Across all layers scanned by one LayerScanner. */
  maxEntries?: number;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_ENTRIES = 5_000_000;

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
/** AUFS bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`); Docker skips these entries when it applies a layer. */
const WHITEOUT_META = ".wh..wh.";
/** Bigger than zlib's defaults (16 KiB): fewer round trips to the thread pool, about 1.5x faster inflate. */
const ZIP_OPTIONS = { chunkSize: 64 * 1024, highWaterMark: 1024 * 1024 };
const TAR_BLOCK = 512;

const DAMAGED_HINT = "the image archive is damaged or was cut short; export it again (docker save, or the registry copy)";

/** Turns a tar entry name into an absolute path inside the root; `..` never climbs above it. */
export function normaliseEntryName(raw: string): { path: string; escaped: boolean } {
  const out: string[] = [];
  let escaped = false;
  for (const part of raw.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0) out.pop();
      else escaped = true;
      continue;
    }
    out.push(part);
  }
  return { path: `/${out.join("/")}`, escaped };
}

export function sniffCompression(head: Buffer): Compression | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return undefined;
}

/** A first 512-byte block that is a tar header with a valid checksum, or all zeros (an empty archive). */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length < TAR_BLOCK) return false;
  try {
    const h = new Header(head.subarray(0, TAR_BLOCK));
    return h.cksumValid || h.nullBlock;
  } catch {
    return false;
  }
}

function kindOf(type: ReadEntry["type"]): EntryKind {
  switch (type) {
    case "File":
    case "OldFile":
    case "ContiguousFile":
      return "file";
    case "Link":
      return "hardlink";
    case "SymbolicLink":
      return "symlink";
    case "Directory":
    case "GNUDumpDir":
      return "dir";
    default:
      return "other";
  }
}

const id = (n: number | undefined) => (n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : 0);

/**
 * Races every wait of one scan against its abort signal and its first failure, so that a stalled source or a
 * decompressor that never ends cannot hang the scan. Waiters are kept in a set rather than chained onto one
 * long-lived promise, which would hold a reaction for every chunk ever awaited.
 */
export class Abortable {
  readonly #waiting = new Set<(e: unknown) => void>();
  readonly #onFail: Array<(e: unknown) => void> = [];
  #failed = false;
  #error: unknown;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.fail(this.#signal!.reason);

  constructor(signal?: AbortSignal) {
    this.#signal = signal;
    if (signal?.aborted) this.fail(signal.reason);
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** The first failure wins; later ones are dropped. */
  fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#error = error;
    for (const reject of this.#waiting) reject(error);
    this.#waiting.clear();
    for (const f of this.#onFail) f(error);
  }

  onFail(f: (e: unknown) => void): void {
    if (this.#failed) f(this.#error);
    else this.#onFail.push(f);
  }

  get failed(): boolean {
    return this.#failed;
  }

  get error(): unknown {
    return this.#error;
  }

  throwIfFailed(): void {
    if (this.#failed) throw this.#error;
  }

  race<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#failed) reject(this.#error);
      else this.#waiting.add(reject);
      p.then(
        (v) => {
          this.#waiting.delete(reject);
          resolve(v);
        },
        (e: unknown) => {
          this.#waiting.delete(reject);
          reject(e);
        },
      );
    });
  }

  dispose(): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}

/** Pulls chunks from an async iterator, every wait raced against an Abortable; keeps what peek() read. */
export class Pull {
  #pending: Buffer[] = [];
  #done = false;
  constructor(
    private readonly it: AsyncIterator<Buffer>,
    private readonly run: Abortable,
  ) {}

  async next(): Promise<Buffer | undefined> {
    const kept = this.#pending.shift();
    if (kept) return kept;
    if (this.#done) return undefined;
    const r = await this.run.race(this.it.next());
    if (r.done) {
      this.#done = true;
      return undefined;
    }
    return r.value;
  }

  /** At least `n` bytes from the start, fewer only when the source ends; they are read again by next(). */
  async peek(n: number): Promise<Buffer> {
    let have = this.#pending.reduce((s, b) => s + b.length, 0);
    while (have < n && !this.#done) {
      const r = await this.run.race(this.it.next());
      if (r.done) this.#done = true;
      else if (r.value.length > 0) {
        this.#pending.push(r.value);
        have += r.value.length;
      }
    }
    return this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
  }

  /** Stops the source early; a Node stream is destroyed, a tar entry only paused. */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#pending = [];
    void Promise.resolve(this.it.return?.()).catch(() => {});
  }
}

/**
 * Reads `pull` to its end, decompressing when asked, and hands each chunk to `sink` in stream order; a sink that
 * returns a promise slows the source down until it settles. `onRaw` sees the bytes as stored.
 */
export async function pump(
  pull: Pull,
  compression: Compression,
  run: Abortable,
  what: string,
  sink: (chunk: Buffer) => void | Promise<void>,
  onRaw?: (chunk: Buffer) => void,
): Promise<void> {
  if (compression === "none") {
    for (let c = await pull.next(); c !== undefined; c = await pull.next()) {
      onRaw?.(c);
      const p = sink(c);
      if (p) await run.race(p);
    }
    return;
  }
  const z = decompressor(compression, what);
  const broken = (e: unknown) =>
    run.fail(new LayerError(`${what}: the ${compression} stream is corrupt or truncated (${(e as Error).message})`, DAMAGED_HINT, { cause: e }));
  z.on("error", broken);
  z.on("data", (c: Buffer) => {
    if (run.failed) return;
    try {
      const p = sink(c);
      if (p) {
        z.pause();
        p.then(() => z.resume(), (e: unknown) => run.fail(e));
      }
    } catch (e) {
      run.fail(e);
    }
  });
  const ended = new Promise<void>((resolve) => z.once("end", resolve));
  try {
    for (let c = await pull.next(); c !== undefined; c = await pull.next()) {
      onRaw?.(c);
      if (!z.write(c)) await run.race(new Promise<void>((resolve) => z.once("drain", resolve)));
      run.throwIfFailed();
    }
    z.end();
    await run.race(ended);
    run.throwIfFailed();
  } finally {
    z.removeAllListeners("data");
    z.on("error", () => {});
    z.destroy();
  }
}

function decompressor(compression: "gzip" | "zstd", what: string): zlib.Gunzip | zlib.ZstdDecompress {
  if (compression === "gzip") return zlib.createGunzip(ZIP_OPTIONS);
  // node:zlib has zstd from Node 22.15 and 23.8 on.
  if (typeof zlib.createZstdDecompress !== "function") {
    throw new LayerError(`${what} is zstd-compressed, which this Node.js (${process.version}) cannot decompress`, "run byoc-check with Node.js 22.15 or newer");
  }
  return zlib.createZstdDecompress(ZIP_OPTIONS);
}

/** Feeds one uncompressed tar stream through tar's Parser and builds the layer's record, synchronously per chunk. */
class TarReader {
  readonly entries: LayerEntry[] = [];
  readonly whiteouts: string[] = [];
  readonly opaqueDirs: string[] = [];
  readonly #parser: Parser;
  #eof = false;

  constructor(
    private readonly key: string,
    private readonly what: string,
    private readonly consumers: readonly ContentConsumer[],
    private readonly count: () => void,
  ) {
    this.#parser = new Parser({
      // Decompression happens before the parser, where the diff ID is hashed; only gzip sniffing cannot be turned off.
      zstd: false,
      onReadEntry: (entry) => this.#onEntry(entry),
      onwarn: (_code, message, data) => {
        // Docker writes whiteouts of hard-linked files as regular files that keep the link's name (Go's archive/tar
        // ignores it); tar's Parser drops such an entry with this warning. Without a body it is read from its header;
        // with one, the parser has lost its place in the stream.
        const header = (data as { header?: { path?: string; type?: string; size?: number; mode?: number; uid?: number; gid?: number } } | undefined)?.header;
        if (message === "linkpath forbidden" && header?.path && !header.size) {
          this.#onEntry({ path: header.path, type: header.type ?? "File", size: 0, mode: header.mode, uid: header.uid, gid: header.gid, resume: () => undefined } as unknown as ReadEntry);
          return;
        }
        throw new LayerError(`${what}: ${/Unrecognized archive format/.test(message) ? "not a tar stream" : message}`, DAMAGED_HINT);
      },
    });
    this.#parser.on("error", (e: Error) => {
      throw new LayerError(`${what}: ${e.message}`, DAMAGED_HINT, { cause: e });
    });
    this.#parser.on("eof", () => (this.#eof = true));
    this.#parser.on("ignoredEntry", (entry: ReadEntry) => this.#onIgnored(entry));
  }

  write(chunk: Buffer): void {
    // Past the end-of-archive marker the parser would only buffer; padding and trailing bytes are hashed, not parsed.
    if (!this.#eof) this.#parser.write(chunk);
  }

  end(): void {
    if (this.#eof) return;
    this.#parser.end();
    if (!this.#eof) throw new LayerError(`${this.what}: the tar stream ends without its end-of-archive marker (truncated)`, DAMAGED_HINT);
  }

  #onEntry(entry: ReadEntry): void {
    this.count();
    const raw = entry.path;
    const { path, escaped } = normaliseEntryName(raw);
    const base = path.slice(path.lastIndexOf("/") + 1);
    if (base.startsWith(WHITEOUT)) {
      const dir = path.slice(0, path.lastIndexOf("/")) || "/";
      const name = base.slice(WHITEOUT.length);
      if (base === OPAQUE) this.opaqueDirs.push(dir);
      else if (!base.startsWith(WHITEOUT_META) && name !== "" && name !== "." && name !== "..") this.whiteouts.push(dir === "/" ? `/${name}` : `${dir}/${name}`);
      return skip(entry);
    }
    const kind = kindOf(entry.type);
    const e: LayerEntry = {
      path,
      kind,
      mode: (entry.mode ?? 0) & 0o7777,
      size: entry.size,
      uid: id(entry.uid),
      gid: id(entry.gid),
      linkTarget: kind === "symlink" || kind === "hardlink" ? (entry.linkpath ?? "") : undefined,
      escapedName: escaped ? raw : undefined,
    };
    this.entries.push(e);
    // An entry read from its header alone (see onwarn) has no body to offer.
    if (kind === "file" && this.consumers.length > 0 && typeof (entry as Partial<ReadEntry>).on === "function") {
      const offer: FileOffer = { path, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, layer: this.key };
      let sinks: ContentSink[] | undefined;
      for (const consumer of this.consumers) {
        const sink = consumer(offer);
        if (sink) (sinks ??= []).push(sink);
      }
      if (sinks) return deliver(entry, sinks);
    }
    skip(entry);
  }

  #onIgnored(entry: ReadEntry): void {
    if (entry.meta) {
      // Skipping an oversized pax or long-name header would give the next entry its truncated ustar name.
      throw new LayerError(`${this.what}: a ${entry.type} header of ${entry.size} bytes, more than tar's 1 MiB limit`, DAMAGED_HINT);
    }
    this.count();
    // A GNU sparse file is a regular file, but its stored bytes are only its data segments: no consumer is offered them.
    if (entry.type !== "SparseFile") return;
    const { path, escaped } = normaliseEntryName(entry.path);
    this.entries.push({ path, kind: "file", mode: (entry.mode ?? 0) & 0o7777, size: entry.size, uid: id(entry.uid), gid: id(entry.gid), linkTarget: undefined, escapedName: escaped ? entry.path : undefined });
  }
}

function skip(entry: ReadEntry): void {
  // An ignored entry drops its body as the parser writes it, without emitting a chunk.
  entry.ignore = true;
  entry.resume();
}

function deliver(entry: ReadEntry, sinks: ContentSink[]): void {
  let live = sinks;
  entry.on("data", (chunk: Buffer) => {
    let still: ContentSink[] | undefined;
    for (let i = 0; i < live.length; i++) {
      const sink = live[i]!;
      if (sink.write(chunk) === "enough") still ??= live.slice(0, i);
      else still?.push(sink);
    }
    if (still === undefined) return;
    live = still;
    // Every sink has what it wanted: the rest of the entry passes without being emitted.
    if (live.length === 0) entry.ignore = true;
  });
  entry.on("end", () => {
    for (const sink of sinks) sink.end();
  });
}

/** Scans layers one after another, sharing consumers, the entry budget and the abort signal. */
export class LayerScanner {
  #entries = 0;
  readonly #max: number;
  readonly #consumers: readonly ContentConsumer[];
  readonly #signal: AbortSignal | undefined;

  constructor(options: ScanOptions = {}) {
    this.#max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#consumers = options.consumers ?? [];
    this.#signal = options.signal;
  }

  get entriesSeen(): number {
    return this.#entries;
  }

  /**
   * Reads one layer blob (a tar, gzip-compressed or zstd-compressed tar, told apart by their magic bytes) to its end.
   * Rejects with a LayerError when it is none of these or is truncated, and with the signal's reason on abort.
   */
  async scan(source: AsyncIterable<Buffer>, key: string): Promise<LayerRecord> {
    const signal = this.#signal;
    const run = new Abortable(signal);
    const pull = new Pull(source[Symbol.asyncIterator](), run);
    const what = `layer ${key}`;
    try {
      const head = await pull.peek(TAR_BLOCK);
      const compression = sniffCompression(head) ?? "none";
      if (compression === "none" && !looksLikeTar(head)) {
        throw new LayerError(`${what} is not a tar archive (nor a gzip- or zstd-compressed one)`, DAMAGED_HINT);
      }
      const reader = new TarReader(key, what, this.#consumers, () => {
        if (++this.#entries > this.#max) {
          throw new EntryLimitError(`the image has more than ${this.#max} filesystem entries`, "raise the limit (maxEntries) if the image is really this large");
        }
      });
      const tarHash = createHash("sha256");
      const storedHash = compression === "none" ? undefined : createHash("sha256");
      let storedBytes = 0;
      let tarBytes = 0;
      await pump(
        pull,
        compression,
        run,
        what,
        (chunk) => {
          tarHash.update(chunk);
          tarBytes += chunk.length;
          reader.write(chunk);
        },
        (chunk) => {
          storedBytes += chunk.length;
          storedHash?.update(chunk);
        },
      );
      reader.end();
      const diffId = `sha256:${tarHash.digest("hex")}`;
      return {
        key,
        entries: reader.entries,
        whiteouts: reader.whiteouts,
        opaqueDirs: reader.opaqueDirs,
        compression,
        digest: storedHash ? `sha256:${storedHash.digest("hex")}` : diffId,
        diffId,
        storedBytes,
        tarBytes,
      };
    } catch (e) {
      // An abort wins over whatever it interrupted.
      if (signal?.aborted) throw signal.reason;
      throw e;
    } finally {
      pull.close();
      if (source instanceof Readable) source.destroy();
      run.dispose();
    }
  }
}

interface Node {
  /** undefined: a directory no layer has an entry for, made because something below it exists. */
  entry: LayerEntry | undefined;
  layer: number;
  /** Set exactly for directories. */
  children: Map<string, Node> | undefined;
}

export interface MergedEntry extends LayerEntry {
  /** Index (in manifest order) of the layer that last wrote this path; -1 for a root no layer wrote. */
  layer: number;
  /** A directory no layer has an entry for (reported as 0755, owned by root, as Docker creates it). */
  implicit: boolean;
}

export type Lookup =
  | { found: true; entry: MergedEntry; chain: string[] }
  | { found: false; reason: "missing" | "loop" | "not-a-directory"; chain: string[] };

type Walked = { node: Node; names: string[] } | { reason: "missing" | "loop" | "not-a-directory" };

/**
 * The image's filesystem after applying every layer in order, as a tree of directories: deleting a path or making a
 * directory opaque drops a subtree in O(depth), whatever its size. Paths are looked up like the kernel does inside a
 * chroot: symlinks in parent components are followed, `..` and absolute targets never leave the root.
 */
export class MergedFs {
  readonly #root: Node = { entry: undefined, layer: -1, children: new Map() };

  private constructor(readonly layerCount: number) {}

  /** Applies the layers bottom-up; a layer's whiteouts and opaque directories only hide what lower layers wrote. */
  static merge(layers: readonly LayerRecord[]): MergedFs {
    const fs = new MergedFs(layers.length);
    layers.forEach((record, i) => fs.#apply(record, i));
    return fs;
  }

  /** Like lstat(2): symlinks in parent components are followed, one in the last component is not. */
  lstat(path: string): MergedEntry | undefined {
    const w = this.#lookup(path, false);
    return "node" in w ? entryOf(w.node, w.names) : undefined;
  }

  /** Like stat(2): follows symlinks in every component, at most 40 of them. */
  resolve(path: string): Lookup {
    const chain = [posix.normalize(`/${path}`)];
    const w = this.#lookup(path, true, chain);
    return "node" in w ? { found: true, entry: entryOf(w.node, w.names), chain } : { found: false, reason: w.reason, chain };
  }

  /** The entries of a directory (symlinks to it followed), sorted by name; undefined when it is not one. */
  list(dir: string): MergedEntry[] | undefined {
    const w = this.#lookup(dir, true);
    if (!("node" in w) || w.node.children === undefined) return undefined;
    const out: MergedEntry[] = [];
    for (const [name, child] of w.node.children) out.push(entryOf(child, [...w.names, name]));
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Every path below (and including) `dir`, parents before children, without following symlinks. */
  *walk(dir = "/"): Generator<MergedEntry> {
    const start = this.#lookup(dir, false);
    if (!("node" in start)) return;
    const stack: Array<[Node, string]> = [[start.node, start.names.length ? `/${start.names.join("/")}` : "/"]];
    while (stack.length > 0) {
      const [node, path] = stack.pop()!;
      yield entryOf(node, undefined, path);
      if (node.children === undefined) continue;
      const below: Array<[Node, string]> = [];
      for (const [name, child] of node.children) below.push([child, path === "/" ? `/${name}` : `${path}/${name}`]);
      for (let i = below.length - 1; i >= 0; i--) stack.push(below[i]!);
    }
  }

  /** The index of the layer that last wrote `path` (not following a final symlink). */
  layerOf(path: string): number | undefined {
    return this.lstat(path)?.layer;
  }

  #lookup(path: string, followLast: boolean, chain?: string[]): Walked {
    const stack: Node[] = [this.#root];
    const names: string[] = [];
    const todo = path.split("/").reverse();
    let hops = 0;
    while (todo.length > 0) {
      const part = todo.pop()!;
      if (part === "" || part === ".") continue;
      if (part === "..") {
        if (stack.length > 1) {
          stack.pop();
          names.pop();
        }
        continue;
      }
      const dir = stack[stack.length - 1]!;
      if (dir.children === undefined) return { reason: "not-a-directory" };
      const child = dir.children.get(part);
      if (child === undefined) return { reason: "missing" };
      if (child.entry?.kind === "symlink" && (followLast || todo.length > 0)) {
        if (++hops > MAX_SYMLINK_HOPS) return { reason: "loop" };
        const target = child.entry.linkTarget ?? "";
        if (target === "") return { reason: "missing" };
        if (target.startsWith("/")) {
          stack.length = 1;
          names.length = 0;
        }
        const parts = target.split("/");
        for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
        chain?.push(posix.normalize(`/${[...names, ...todo.slice().reverse()].join("/")}`));
        continue;
      }
      stack.push(child);
      names.push(part);
    }
    return { node: stack[stack.length - 1]!, names };
  }

  #apply(record: LayerRecord, layer: number): void {
    for (const path of record.whiteouts) {
      const slash = path.lastIndexOf("/");
      // RemoveAll of the joined path, as Docker applies a whiteout: parents resolve, the last component does not.
      const w = this.#lookup(path.slice(0, slash), true);
      if ("node" in w) w.node.children?.delete(path.slice(slash + 1));
    }
    for (const dir of record.opaqueDirs) {
      const w = this.#lookup(dir, false);
      if ("node" in w && w.node.children !== undefined) w.node.children = new Map();
    }
    for (const entry of record.entries) this.#add(entry, layer);
  }

  #add(entry: LayerEntry, layer: number): void {
    if (entry.path === "/") {
      if (entry.kind === "dir") {
        this.#root.entry = entry;
        this.#root.layer = layer;
      }
      return;
    }
    const slash = entry.path.lastIndexOf("/");
    const parent = this.#ensureDir(entry.path.slice(0, slash), layer);
    const name = entry.path.slice(slash + 1);
    const existing = parent.children!.get(name);
    // A directory over a directory merges (only its metadata changes); anything else replaces what was there.
    if (existing?.children !== undefined && entry.kind === "dir") {
      existing.entry = entry;
      existing.layer = layer;
      return;
    }
    parent.children!.set(name, { entry, layer, children: entry.kind === "dir" ? new Map() : undefined });
  }

  /**
   * The directory node for `dir`, created (as implicit directories) where missing. A symlink on the way is followed
   * inside the root, as extraction into a chroot would; a file in the way is replaced, where Docker would have failed.
   */
  #ensureDir(dir: string, layer: number): Node {
    let node = this.#root;
    if (dir === "") return node;
    const parts = dir.split("/");
    for (let i = 1; i < parts.length; i++) {
      const part = parts[i]!;
      let child = node.children!.get(part);
      if (child?.entry?.kind === "symlink") {
        const w = this.#lookup(parts.slice(0, i + 1).join("/"), true);
        if ("node" in w && w.node.children !== undefined) {
          node = w.node;
          continue;
        }
        child = undefined;
      }
      if (child === undefined || child.children === undefined) {
        child = { entry: undefined, layer, children: new Map() };
        node.children!.set(part, child);
      }
      node = child;
    }
    return node;
  }
}

function entryOf(node: Node, names: string[] | undefined, path = names && names.length > 0 ? `/${names.join("/")}` : "/"): MergedEntry {
  const e = node.entry;
  if (e === undefined) {
    return { path, kind: "dir", mode: 0o755, size: 0, uid: 0, gid: 0, linkTarget: undefined, escapedName: undefined, layer: node.layer, implicit: true };
  }
  return { ...e, path, layer: node.layer, implicit: false };
}
