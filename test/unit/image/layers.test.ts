import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  type ContentConsumer,
  type ContentSink,
  LayerError,
  type LayerRecord,
  LayerScanner,
  MergedFs,
  type ScanOptions,
  normaliseEntryName,
} from "../../../src/image/layers.js";

// Hand-made tar headers, so that every odd case (pax keys, GNU types, base-256 sizes, raw name bytes) is exact.
interface Spec {
  name: string | Buffer;
  /** Typeflag: "0" file, "1" hard link, "2" symlink, "3"/"4" devices, "5" dir, "6" fifo, "S" GNU sparse, ... */
  type?: string;
  body?: string | Buffer;
  /** Declared size when it differs from the body's. */
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  link?: string;
  /** Pax records (or a raw pax body) placed before the entry. */
  pax?: Record<string, string> | Buffer;
  /** Emits the name through a GNU `L` long-name entry. */
  longName?: boolean;
  /** Bytes to write into the header at given offsets, after everything else. */
  patch?: Array<[number, Buffer]>;
}

function octal(buf: Buffer, off: number, width: number, n: number) {
  if (n >= 8 ** (width - 1)) {
    // GNU base-256: a leading 0x80, then the number big-endian.
    buf[off] = 0x80;
    let v = BigInt(n);
    for (let i = off + width - 1; i > off; i--) {
      buf[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return;
  }
  buf.write(`${n.toString(8).padStart(width - 1, "0")}\0`, off, width, "ascii");
}

function header(name: Buffer, type: string, size: number, s: Partial<Spec> = {}): Buffer {
  const h = Buffer.alloc(512);
  name.copy(h, 0, 0, Math.min(100, name.length));
  octal(h, 100, 8, s.mode ?? 0o644);
  octal(h, 108, 8, s.uid ?? 0);
  octal(h, 116, 8, s.gid ?? 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, 1_700_000_000);
  h.write(type, 156, 1, "ascii");
  if (s.link) h.write(s.link, 157, 100, "utf8");
  h.write("ustar\u000000", 257, 8, "ascii");
  for (const [off, bytes] of s.patch ?? []) bytes.copy(h, off);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

function paxBody(records: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(records).map(([k, v]) => {
      const rest = ` ${k}=${v}\n`;
      let len = Buffer.byteLength(rest) + 1;
      while (String(len).length + Buffer.byteLength(rest) !== len) len++;
      return Buffer.from(`${len}${rest}`);
    }),
  );
}

function entryBlocks(s: Spec): Buffer {
  const name = typeof s.name === "string" ? Buffer.from(s.name) : s.name;
  const body = typeof s.body === "string" ? Buffer.from(s.body) : (s.body ?? Buffer.alloc(0));
  const parts: Buffer[] = [];
  if (s.pax) {
    const pb = Buffer.isBuffer(s.pax) ? s.pax : paxBody(s.pax);
    parts.push(header(Buffer.from("PaxHeader"), "x", pb.length), pad(pb));
  }
  if (s.longName) {
    const ln = Buffer.concat([name, Buffer.from([0])]);
    parts.push(header(Buffer.from("././@LongLink"), "L", ln.length), pad(ln));
  }
  parts.push(header(name, s.type ?? "0", s.size ?? body.length, s), pad(body));
  return Buffer.concat(parts);
}

function tar(specs: Spec[], end = true): Buffer {
  return Buffer.concat([...specs.map(entryBlocks), end ? Buffer.alloc(1024) : Buffer.alloc(0)]);
}

const file = (name: string, body: string | Buffer = "", more: Partial<Spec> = {}): Spec => ({ name, body, ...more });
const dir = (name: string, more: Partial<Spec> = {}): Spec => ({ name, type: "5", mode: 0o755, ...more });
const symlink = (name: string, link: string): Spec => ({ name, type: "2", link, mode: 0o777 });
const hardlink = (name: string, link: string): Spec => ({ name, type: "1", link });

/** Streams a buffer in uneven chunks, so that headers and bodies straddle chunk boundaries. */
function chunked(b: Buffer, size = 777): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
  return Readable.from(parts);
}

async function scanAll(layers: Buffer[], options: ScanOptions = {}): Promise<LayerRecord[]> {
  const scanner = new LayerScanner(options);
  const out: LayerRecord[] = [];
  for (const [i, b] of layers.entries()) out.push(await scanner.scan(chunked(b), `L${i}`));
  return out;
}

const merged = async (...layers: Spec[][]) => MergedFs.merge(await scanAll(layers.map((l) => tar(l))));
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Collects every file's bytes per layer key, as a secret scanner would. */
function collector(filter: (path: string) => boolean = () => true) {
  const seen: Array<{ layer: string; path: string; text: string; ended: number }> = [];
  const consumer: ContentConsumer = (offer) => {
    if (!filter(offer.path)) return undefined;
    const chunks: Buffer[] = [];
    const row = { layer: offer.layer, path: offer.path, text: "", ended: 0 };
    seen.push(row);
    return {
      write: (c) => void chunks.push(c),
      end: () => {
        row.text = Buffer.concat(chunks).toString();
        row.ended++;
      },
    };
  };
  return { seen, consumer };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("normaliseEntryName", () => {
  it.each([
    ["./a", "/a", false],
    ["a/../b", "/b", false],
    ["/etc//passwd", "/etc/passwd", false],
    ["usr/bin/", "/usr/bin", false],
    ["./", "/", false],
    ["../../etc/passwd", "/etc/passwd", true],
    ["a/../../b", "/b", true],
  ])("%s -> %s", (raw, path, escaped) => {
    expect(normaliseEntryName(raw)).toEqual({ path, escaped });
  });
});

describe("LayerScanner.scan", () => {
  it("records every kind of entry with its metadata, links kept as written", async () => {
    const body = "#!/bin/sh\necho hi\n";
    const [rec] = await scanAll([
      tar([
        dir("./usr/", { uid: 0 }),
        file("./usr/bin/tool", body, { mode: 0o4755, uid: 1000, gid: 1001 }),
        hardlink("usr/bin/tool2", "usr/bin/tool"),
        symlink("usr/bin/rel", "../lib/x"),
        symlink("usr/bin/abs", "/etc/x"),
        { name: "dev/null", type: "3", mode: 0o666, patch: [[329, Buffer.from("0000001\0")], [337, Buffer.from("0000003\0")]] },
        { name: "dev/sda", type: "4" },
        { name: "run/fifo", type: "6" },
        file("a/../b", "b"),
        file("/abs/path", "c"),
      ]),
    ]);
    const byPath = new Map(rec!.entries.map((e) => [e.path, e]));
    expect(byPath.get("/usr")).toMatchObject({ kind: "dir", mode: 0o755 });
    expect(byPath.get("/usr/bin/tool")).toEqual({ path: "/usr/bin/tool", kind: "file", mode: 0o4755, size: body.length, uid: 1000, gid: 1001, linkTarget: undefined, escapedName: undefined });
    expect(byPath.get("/usr/bin/tool2")).toMatchObject({ kind: "hardlink", linkTarget: "usr/bin/tool" });
    expect(byPath.get("/usr/bin/rel")).toMatchObject({ kind: "symlink", linkTarget: "../lib/x", mode: 0o777 });
    expect(byPath.get("/usr/bin/abs")).toMatchObject({ kind: "symlink", linkTarget: "/etc/x" });
    expect(["/dev/null", "/dev/sda", "/run/fifo"].map((p) => byPath.get(p)?.kind)).toEqual(["other", "other", "other"]);
    expect(byPath.get("/b")).toMatchObject({ kind: "file", size: 1 });
    expect(byPath.get("/abs/path")).toMatchObject({ kind: "file", escapedName: undefined });
    expect(rec!.entries).toHaveLength(10);
  });

  it("keeps a ../ name inside the root and notes that it tried to escape", async () => {
    const [rec] = await scanAll([tar([file("../../etc/passwd", "root:x:0:0"), file("ok/../../../x", "")])]);
    expect(rec!.entries.map((e) => [e.path, e.escapedName])).toEqual([
      ["/etc/passwd", "../../etc/passwd"],
      ["/x", "ok/../../../x"],
    ]);
  });

  it("reads GNU long names, long pax paths and link targets, and non-UTF-8 names without crashing", async () => {
    const long = `deep/${"d".repeat(120)}/${"e".repeat(150)}/file.txt`;
    const paxPath = `p/${"x".repeat(5000)}`;
    const [rec] = await scanAll([
      tar([
        file(long, "long", { longName: true }),
        file("short-name-in-header", "pax", { pax: { path: paxPath } }),
        { name: "lnk", type: "2", link: "t", pax: { linkpath: `/${"t".repeat(300)}` } },
        { name: Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]), body: "latin1" },
        file("after", "still parsed"),
      ]),
    ]);
    const paths = rec!.entries.map((e) => e.path);
    expect(paths[0]).toBe(`/${long}`);
    expect(paths[1]).toBe(`/${paxPath}`);
    expect(rec!.entries[2]).toMatchObject({ path: "/lnk", linkTarget: `/${"t".repeat(300)}` });
    expect(paths[3]).toBe("/bad\uFFFD\uFFFD.txt");
    expect(paths[4]).toBe("/after");
  });

  it("ignores odd and malformed pax records but applies the ones it knows", async () => {
    const raw = Buffer.concat([
      paxBody({ "SCHILY.xattr.security.capability": "\u0001\u0000\u0000\u0002", "LIBARCHIVE.creationtime": "1700000000", uid: "4242", mode: "not-a-number", path: "from/pax" }),
      Buffer.from("99 this line lies about its length\n"),
      Buffer.from("garbage without a length\n"),
    ]);
    const [rec] = await scanAll([tar([file("header-name", "body", { pax: raw, mode: 0o600 }), file("next", "n")])]);
    expect(rec!.entries[0]).toMatchObject({ path: "/from/pax", uid: 4242, mode: 0o600, size: 4 });
    expect(rec!.entries[1]).toMatchObject({ path: "/next", uid: 0 });
  });

  it("treats a GNU sparse entry's sizes as metadata and reads the entry after it intact", async () => {
    // Old GNU sparse header: the real size (here 1 TiB) sits at offset 483, the stored bytes follow the header.
    const realSize = Buffer.alloc(12);
    realSize[0] = 0x80;
    realSize.writeUIntBE(2 ** 40, 6, 6);
    const { seen, consumer } = collector();
    const [rec] = await scanAll([tar([{ name: "sparse.img", type: "S", body: Buffer.alloc(1024, 7), patch: [[483, realSize]] }, file("after", "intact")])], { consumers: [consumer] });
    expect(rec!.entries.map((e) => [e.path, e.kind, e.size])).toEqual([
      ["/sparse.img", "file", 1024],
      ["/after", "file", 6],
    ]);
    expect(seen.map((s) => [s.path, s.text])).toEqual([["/after", "intact"]]);
  });

  it("rejects a huge declared size promptly, without reading or allocating more than the stream holds", async () => {
    const { seen, consumer } = collector();
    const layer = Buffer.concat([entryBlocks({ name: "huge.bin", body: "only this", size: 2 ** 40 }), Buffer.alloc(1024)]);
    const e = await rejection(scanAll([layer], { consumers: [consumer] }));
    expect(e).toBeInstanceOf(LayerError);
    expect((e as LayerError).message).toMatch(/layer L0: .*Truncated input/);
    expect((e as LayerError).hint).toMatch(/damaged/);
    expect(seen[0]).toMatchObject({ path: "/huge.bin", ended: 0 });
    // A pax size claims 1 TiB too.
    const e2 = await rejection(scanAll([tar([file("paxhuge", "x", { pax: { size: String(2 ** 40) } })])]));
    expect(e2).toBeInstanceOf(LayerError);
  });

  it.each([
    ["in the middle of a file", (t: Buffer) => t.subarray(0, 512 + 300), /Truncated input/],
    ["at an entry boundary, before the end marker", (t: Buffer) => t.subarray(0, 1024), /end-of-archive marker/],
    ["in the middle of a header", (t: Buffer) => t.subarray(0, 1024 + 100), /end-of-archive marker/],
    ["to nothing", (t: Buffer) => t.subarray(0, 0), /not a tar/],
  ])("gives a LayerError for a tar cut %s", async (_what, cut, message) => {
    const full = tar([file("a", "a".repeat(400)), file("b", "b")]);
    const e = await rejection(scanAll([cut(full)]));
    expect(e).toBeInstanceOf(LayerError);
    expect((e as Error).message).toMatch(message);
  });

  it("gives a LayerError for a truncated gzip or zstd stream, and for bytes that are no tar at all", async () => {
    const t = tar([file("a", "x".repeat(100_000))]);
    const gz = gzipSync(t);
    const e1 = await rejection(scanAll([gz.subarray(0, gz.length - 200)]));
    expect(e1).toBeInstanceOf(LayerError);
    expect((e1 as Error).message).toMatch(/layer L0: the gzip stream is corrupt or truncated/);
    const zs = zstdCompressSync(t);
    const e2 = await rejection(scanAll([zs.subarray(0, zs.length - 20)]));
    expect(e2).toBeInstanceOf(LayerError);
    const e3 = await rejection(scanAll([Buffer.from("PK\u0003\u0004 this is a zip file, padded".padEnd(2000, "."))]));
    expect(e3).toBeInstanceOf(LayerError);
    expect((e3 as Error).message).toMatch(/is not a tar archive/);
  });

  it("hashes the uncompressed stream (diff ID) and the stored one (digest) for plain, gzip and zstd layers", async () => {
    const t = tar([dir("etc"), file("etc/hostname", "box\n")]);
    const gz = gzipSync(t);
    const zs = zstdCompressSync(t);
    const [plain, g, z] = await scanAll([t, gz, zs]);
    expect(plain).toMatchObject({ compression: "none", diffId: sha(t), digest: sha(t), tarBytes: t.length, storedBytes: t.length });
    expect(g).toMatchObject({ compression: "gzip", diffId: sha(t), digest: sha(gz), tarBytes: t.length, storedBytes: gz.length });
    expect(z).toMatchObject({ compression: "zstd", diffId: sha(t), digest: sha(zs), storedBytes: zs.length });
    expect(z!.entries.map((e) => e.path)).toEqual(["/etc", "/etc/hostname"]);
  });

  it("offers every file of every layer to consumers, deleted and overwritten ones included, under its layer key", async () => {
    const { seen, consumer } = collector((p) => p !== "/skip");
    const big = "0123456789".repeat(100_000);
    await scanAll(
      [
        tar([file("app/.env", "TOKEN=first"), file("app/model.bin", big), file("skip", "no"), symlink("app/link", ".env")]),
        gzipSync(tar([file("app/.wh..env"), file("app/model.bin", "replaced")])),
        tar([file("app/.wh..wh..opq"), file("app/new", "new")]),
      ],
      { consumers: [consumer] },
    );
    expect(seen.map((s) => [s.layer, s.path, s.text.length > 20 ? s.text.length : s.text, s.ended])).toEqual([
      ["L0", "/app/.env", "TOKEN=first", 1],
      ["L0", "/app/model.bin", 1_000_000, 1],
      ["L1", "/app/model.bin", "replaced", 1],
      ["L2", "/app/new", "new", 1],
    ]);
    expect(seen[1]!.text).toBe(big);
  });

  it("stops writing to a sink that says enough, keeps feeding the others, and ends each once", async () => {
    const writes = { head: 0, all: 0, ends: 0 };
    let allBytes = 0;
    const head: ContentConsumer = () => ({ write: () => (writes.head++, "enough"), end: () => void writes.ends++ });
    const all: ContentConsumer = (o) =>
      o.path === "/big"
        ? ({ write: (c) => void (writes.all++, (allBytes += c.length)), end: () => void writes.ends++ } satisfies ContentSink)
        : undefined;
    const [rec] = await scanAll([tar([file("big", Buffer.alloc(300_000, 1).toString()), file("small", "s")])], { consumers: [head, all] });
    expect(writes.head).toBe(2);
    expect(writes.all).toBeGreaterThan(1);
    expect(allBytes).toBe(300_000);
    expect(writes.ends).toBe(3);
    expect(rec!.entries.map((e) => e.path)).toEqual(["/big", "/small"]);
  });

  it("skips the rest of an entry once every sink has enough", async () => {
    let bytes = 0;
    const first: ContentConsumer = () => ({ write: (c) => ((bytes += c.length), "enough"), end: () => {} });
    const [rec] = await scanAll([tar([file("big", "y".repeat(2_000_000)), file("tail", "t")])], { consumers: [first, first] });
    // One chunk per sink (the first holds what the 512-byte sniff gathered), not two million bytes.
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(2 * 2 * 777);
    expect(rec!.entries.at(-1)!.path).toBe("/tail");
  });

  it("fails the scan with the consumer's own error when a sink throws", async () => {
    const boom = new Error("consumer bug");
    const bad: ContentConsumer = () => ({ write: () => { throw boom; }, end: () => {} });
    expect(await rejection(scanAll([tar([file("x", "data")])], { consumers: [bad] }))).toBe(boom);
  });

  it("stops at maxEntries, counted across layers", async () => {
    const layer = tar([file("a"), file("b"), file("c")]);
    expect(await scanAll([layer, layer], { maxEntries: 6 })).toHaveLength(2);
    const e = await rejection(scanAll([layer, layer], { maxEntries: 5 }));
    expect(e).toBeInstanceOf(LayerError);
    expect((e as Error).message).toMatch(/more than 5 filesystem entries/);
  });

  it("rejects with the abort reason, promptly, when the source stalls, and destroys the source", async () => {
    const controller = new AbortController();
    const reason = new Error("user pressed ctrl-c");
    const stalled = new Readable({ read() {} });
    stalled.push(tar([file("a", "a")], false));
    const started = Date.now();
    setTimeout(() => controller.abort(reason), 50);
    const e = await rejection(new LayerScanner({ signal: controller.signal }).scan(stalled, "L0"));
    expect(e).toBe(reason);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(stalled.destroyed).toBe(true);
    const already = AbortSignal.abort(reason);
    expect(await rejection(new LayerScanner({ signal: already }).scan(chunked(tar([])), "L0"))).toBe(reason);
  });

  it("aborts in the middle of a gzip layer", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    let sent = 0;
    const gz = gzipSync(tar([file("a", randomBytes(2_000_000))]));
    const slow = new Readable({
      read() {
        if (sent >= gz.length) return void this.push(null);
        const c = gz.subarray(sent, sent + 1000);
        sent += c.length;
        setTimeout(() => this.push(c), 1);
      },
    });
    setTimeout(() => controller.abort(reason), 30);
    expect(await rejection(new LayerScanner({ signal: controller.signal }).scan(slow, "L0"))).toBe(reason);
    expect(sent).toBeLessThan(gz.length);
  });
});

describe("MergedFs", () => {
  it("applies a whiteout to lower layers", async () => {
    const fs = await merged([file("a/x", "1"), file("a/y", "2"), file("b", "3")], [file("a/.wh.x"), file(".wh.b")]);
    expect(fs.lstat("/a/x")).toBeUndefined();
    expect(fs.lstat("/b")).toBeUndefined();
    expect(fs.lstat("/a/y")).toMatchObject({ kind: "file", layer: 0 });
    expect(fs.list("/a")!.map((e) => e.path)).toEqual(["/a/y"]);
  });

  it("makes a directory opaque: lower content below it is hidden, the directory and its own layer's content stay", async () => {
    const fs = await merged(
      [dir("d"), file("d/old", "o"), file("d/sub/deep", "x"), file("keep", "k")],
      [file("d/new-before", "n"), file("d/.wh..wh..opq"), file("d/new-after", "n")],
    );
    expect(fs.list("/d")!.map((e) => e.path)).toEqual(["/d/new-after", "/d/new-before"]);
    expect(fs.lstat("/d/sub/deep")).toBeUndefined();
    expect(fs.lstat("/d")).toMatchObject({ kind: "dir", layer: 0 });
    expect(fs.lstat("/keep")).toMatchObject({ layer: 0 });
  });

  it("never lets a whiteout touch entries of its own layer, whichever comes first", async () => {
    const fs = await merged([file("e/f", "lower"), file("e/g", "lower")], [file("e/f", "same layer"), file("e/.wh.f"), file("e/.wh.g"), file("e/g", "same layer")]);
    expect(fs.lstat("/e/f")).toMatchObject({ kind: "file", layer: 1, size: 10 });
    expect(fs.lstat("/e/g")).toMatchObject({ kind: "file", layer: 1 });
  });

  it("re-adds a path after deleting it, in a later layer or the same one", async () => {
    const fs = await merged([file("p", "file"), file("q", "file")], [file(".wh.p"), dir("q"), file(".wh.q")], [dir("p"), file("p/inner", "i")]);
    expect(fs.lstat("/p")).toMatchObject({ kind: "dir", layer: 2, implicit: false });
    expect(fs.lstat("/p/inner")).toMatchObject({ layer: 2 });
    expect(fs.lstat("/q")).toMatchObject({ kind: "dir", layer: 1 });
    expect(fs.layerOf("/q")).toBe(1);
  });

  it("merges a directory over a directory but replaces anything else, subtree and all", async () => {
    const fs = await merged([dir("m", { mode: 0o700 }), file("m/a", "a"), dir("n"), file("n/b", "b"), file("o", "o")], [dir("m", { mode: 0o755, uid: 7 }), file("n", "now a file"), dir("o")]);
    expect(fs.lstat("/m")).toMatchObject({ kind: "dir", mode: 0o755, uid: 7, layer: 1 });
    expect(fs.lstat("/m/a")).toMatchObject({ layer: 0 });
    expect(fs.lstat("/n")).toMatchObject({ kind: "file", layer: 1 });
    expect(fs.lstat("/n/b")).toBeUndefined();
    expect(fs.lstat("/o")).toMatchObject({ kind: "dir", layer: 1 });
  });

  it("creates implicit parents for entries without directory entries", async () => {
    const fs = await merged([file("x/y/z", "z")]);
    expect(fs.lstat("/x/y")).toMatchObject({ kind: "dir", implicit: true, mode: 0o755, uid: 0, layer: 0 });
    expect(fs.lstat("/")).toMatchObject({ kind: "dir", implicit: true, layer: -1 });
    expect([...fs.walk()].map((e) => e.path)).toEqual(["/", "/x", "/x/y", "/x/y/z"]);
  });

  it("keeps hard links as links, with their target as written", async () => {
    const fs = await merged([file("usr/bin/python3.11", "ELF", { mode: 0o755 }), hardlink("usr/bin/python3", "usr/bin/python3.11")]);
    expect(fs.lstat("/usr/bin/python3")).toMatchObject({ kind: "hardlink", linkTarget: "usr/bin/python3.11", layer: 0 });
    expect(fs.resolve("/usr/bin/python3")).toMatchObject({ found: true, entry: { kind: "hardlink" } });
  });

  it("resolves relative, absolute and ..-escaping symlinks inside the root, and detects loops", async () => {
    const fs = await merged(
      [
        file("usr/bin/python3.11", "ELF", { mode: 0o755 }),
        symlink("usr/bin/python3", "python3.11"),
        symlink("usr/local/bin/python", "/usr/bin/python3"),
        symlink("usr/local/bin/escape", "../../../../../../usr/bin/python3.11"),
        symlink("loop/a", "b"),
        symlink("loop/b", "./a"),
        symlink("lib", "usr/lib"),
        file("usr/lib/libc.so.6", "ELF"),
        symlink("dangling", "/nowhere"),
      ],
    );
    expect(fs.resolve("/usr/local/bin/python")).toEqual({
      found: true,
      entry: expect.objectContaining({ path: "/usr/bin/python3.11", kind: "file" }),
      chain: ["/usr/local/bin/python", "/usr/bin/python3", "/usr/bin/python3.11"],
    });
    expect(fs.resolve("/usr/local/bin/escape")).toMatchObject({ found: true, entry: { path: "/usr/bin/python3.11" } });
    expect(fs.lstat("/usr/local/bin/python")).toMatchObject({ kind: "symlink", linkTarget: "/usr/bin/python3" });
    expect(fs.resolve("/loop/a")).toMatchObject({ found: false, reason: "loop" });
    expect(fs.resolve("/lib/libc.so.6")).toMatchObject({ found: true, entry: { path: "/usr/lib/libc.so.6" } });
    expect(fs.lstat("/lib/libc.so.6")).toMatchObject({ path: "/usr/lib/libc.so.6" });
    expect(fs.resolve("/dangling")).toMatchObject({ found: false, reason: "missing" });
    expect(fs.resolve("/usr/bin/python3.11/x")).toMatchObject({ found: false, reason: "not-a-directory" });
    expect(fs.list("/lib")!.map((e) => e.path)).toEqual(["/usr/lib/libc.so.6"]);
  });

  it("follows at most 40 symlinks in one lookup", async () => {
    const chain = (n: number, prefix: string) => [...Array.from({ length: n }, (_, i) => symlink(`${prefix}/l${i}`, `l${i + 1}`)), file(`${prefix}/l${n}`, "end")];
    const fs = await merged([...chain(40, "ok"), ...chain(41, "long")]);
    expect(fs.resolve("/ok/l0")).toMatchObject({ found: true, entry: { path: "/ok/l40" } });
    expect(fs.resolve("/long/l0")).toMatchObject({ found: false, reason: "loop" });
  });

  it("writes an entry below a symlinked directory into the link's target, as extraction would", async () => {
    const fs = await merged([dir("usr/lib"), symlink("lib", "usr/lib")], [file("lib/libnew.so", "ELF")]);
    expect(fs.lstat("/usr/lib/libnew.so")).toMatchObject({ kind: "file", layer: 1 });
    expect(fs.lstat("/lib")).toMatchObject({ kind: "symlink" });
  });

  it("keeps ../ names inside the root in the merged view", async () => {
    const fs = await merged([file("../../etc/passwd", "evil")]);
    expect(fs.lstat("/etc/passwd")).toMatchObject({ kind: "file", escapedName: "../../etc/passwd" });
  });

  it("scans 200k streamed entries and hides them all with one opaque marker, in bounded time", async () => {
    const N = 200_000;
    // Generated lazily: one 512-byte header per empty file, 1000 files per directory. Only the name changes, so the
    // checksum is the template's plus the name's bytes.
    const template = header(Buffer.alloc(0), "0", 0);
    const blank = Buffer.from(template);
    blank.fill(0x20, 148, 156);
    const baseSum = blank.reduce((a, b) => a + b, 0);
    function* blocks() {
      const batch = Buffer.alloc(512 * 128);
      let n = 0;
      for (let i = 0; i < N; i++) {
        const h = batch.subarray(n * 512, (n + 1) * 512);
        template.copy(h);
        const name = `big/d${Math.floor(i / 1000)}/f${i}`;
        h.write(name, 0, "ascii");
        let sum = baseSum;
        for (let j = 0; j < name.length; j++) sum += name.charCodeAt(j);
        h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
        if (++n === 128) {
          yield Buffer.from(batch);
          n = 0;
        }
      }
      yield Buffer.concat([batch.subarray(0, n * 512), Buffer.alloc(1024)]);
    }
    const scanner = new LayerScanner();
    const t0 = performance.now();
    const big = await scanner.scan(Readable.from(blocks()), "big");
    const t1 = performance.now();
    const hide = await scanner.scan(chunked(tar([file("big/.wh..wh..opq"), file("big/only", "x")])), "hide");
    const fs = MergedFs.merge([big, hide]);
    const t2 = performance.now();
    const kept = MergedFs.merge([big]);
    expect(big.entries).toHaveLength(N);
    expect(kept.lstat("/big/d199/f199999")).toMatchObject({ kind: "file", layer: 0 });
    expect(kept.list("/big/d7")).toHaveLength(1000);
    expect(fs.list("/big")!.map((e) => e.path)).toEqual(["/big/only"]);
    expect([...fs.walk()]).toHaveLength(3);
    console.log(`200k entries: scan ${(t1 - t0).toFixed(0)} ms (${Math.round(N / ((t1 - t0) / 1000))} entries/s), merge ${(t2 - t1).toFixed(0)} ms`);
    expect(t1 - t0).toBeLessThan(15_000);
    expect(t2 - t1).toBeLessThan(5_000);
  }, 30_000);
});
