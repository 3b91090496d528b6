import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { Header } from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ArchiveError,
  BlobDigestError,
  type ImageScan,
  PlatformError,
  parseImageSource,
  parsePlatform,
  readImageSource,
  readImageStream,
} from "../../../src/image/archive.js";
import { type ContentConsumer, EntryLimitError, LayerError } from "../../../src/image/layers.js";

type Item = { name: string; body?: string | Buffer } | { name: string; symlink: string } | { name: string; dir: true };

/** A plain ustar archive, written with tar's own header encoder. */
function tar(items: Item[], end = true): Buffer {
  const parts: Buffer[] = [];
  for (const it of items) {
    const body = "body" in it ? Buffer.from(it.body ?? "") : Buffer.alloc(0);
    const h = new Header({
      path: it.name,
      mode: "dir" in it ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      size: body.length,
      mtime: new Date(1_700_000_000_000),
      type: "symlink" in it ? "SymbolicLink" : "dir" in it ? "Directory" : "File",
      linkpath: "symlink" in it ? it.symlink : "",
    });
    h.encode();
    parts.push(h.block!, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  if (end) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const hex = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const sha = (b: Buffer | string) => `sha256:${hex(b)}`;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const chunked = (b: Buffer, size = 1000) => Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));

function config(arch: string, layers: Buffer[], extra: Record<string, unknown> = {}) {
  return json({ architecture: arch, os: "linux", config: { Entrypoint: ["/serve"] }, rootfs: { type: "layers", diff_ids: layers.map(sha) }, ...extra });
}

const base = tar([{ name: "etc/", dir: true }, { name: "etc/os-release", body: "ID=test\n" }, { name: "opt/secret.key", body: "-----BEGIN PRIVATE KEY-----" }]);
const app = tar([{ name: "opt/.wh.secret.key" }, { name: "serve", body: "#!/bin/sh\nexec app\n" }, { name: "bin/sh", symlink: "/bin/busybox" }]);

/** Docker <= 24: <v1id>/layer.tar, <v1id>/json, <config>.json, manifest.json, repositories. */
function legacySave(images: Array<{ tag: string; layers: Buffer[]; shareFirstWith?: string; cfg?: Buffer }>): Buffer {
  const items: Item[] = [];
  const manifest: unknown[] = [];
  for (const [n, img] of images.entries()) {
    const ids = img.layers.map((l, i) => hex(`${img.tag}/${i}/${hex(l)}`));
    img.layers.forEach((layer, i) => {
      items.push({ name: `${ids[i]}/`, dir: true }, { name: `${ids[i]}/VERSION`, body: "1.0" }, { name: `${ids[i]}/json`, body: JSON.stringify({ id: ids[i] }) });
      if (i === 0 && img.shareFirstWith) items.push({ name: `${ids[i]}/layer.tar`, symlink: `../${img.shareFirstWith}/layer.tar` });
      else items.push({ name: `${ids[i]}/layer.tar`, body: layer });
    });
    const cfg = img.cfg ?? config("amd64", img.layers, { n });
    items.push({ name: `${hex(cfg)}.json`, body: cfg });
    manifest.push({ Config: `${hex(cfg)}.json`, RepoTags: [img.tag], Layers: ids.map((id) => `${id}/layer.tar`) });
  }
  items.push({ name: "manifest.json", body: JSON.stringify(manifest) }, { name: "repositories", body: "{}" });
  return tar(items);
}

/** Docker >= 25: blobs/sha256/<hex> for everything, index.json and oci-layout, and manifest.json too. */
function ociSave(tag: string, layers: Buffer[], stored: Buffer[]): Buffer {
  const cfg = config("amd64", layers);
  const manifest = json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(cfg), size: cfg.length },
    layers: stored.map((s) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(s), size: s.length })),
  });
  const index = json({
    schemaVersion: 2,
    manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(manifest), size: manifest.length, annotations: { "io.containerd.image.name": `docker.io/library/${tag}`, "org.opencontainers.image.ref.name": tag.split(":")[1] } }],
  });
  const blobs = [cfg, manifest, ...stored];
  return tar([
    { name: "blobs/", dir: true },
    { name: "blobs/sha256/", dir: true },
    ...blobs.map((b) => ({ name: `blobs/sha256/${hex(b)}`, body: b })),
    { name: "index.json", body: index },
    { name: "manifest.json", body: JSON.stringify([{ Config: `blobs/sha256/${hex(cfg)}`, RepoTags: [tag], Layers: stored.map((s) => `blobs/sha256/${hex(s)}`) }]) },
    { name: "oci-layout", body: '{"imageLayoutVersion":"1.0.0"}' },
  ]);
}

/** An OCI layout whose index.json points at an image index of two platforms plus an attestation whose blob is absent. */
function multiPlatformLayout(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const blob = (b: Buffer) => {
    files.set(`blobs/sha256/${hex(b)}`, b);
    return b;
  };
  const image = (arch: string, variant?: string) => {
    const layer = tar([{ name: "etc/arch", body: arch }]);
    const stored = blob(gzipSync(layer));
    const cfg = blob(config(arch, [base, layer], variant ? { variant } : {}));
    const baseBlob = blob(base);
    const manifest = blob(
      json({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(cfg), size: cfg.length },
        layers: [baseBlob, stored].map((s) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha(s), size: s.length })),
      }),
    );
    return { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(manifest), size: manifest.length, platform: { os: "linux", architecture: arch, ...(variant ? { variant } : {}) } };
  };
  const statement = blob(json({ _type: "https://in-toto.io/Statement/v0.1" }));
  const attested = blob(
    json({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(statement), size: statement.length },
      layers: [{ mediaType: "application/vnd.in-toto+json", digest: sha(statement), size: statement.length }],
    }),
  );
  const attestation = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(attested), size: attested.length, platform: { os: "unknown", architecture: "unknown" }, annotations: { "vnd.docker.reference.type": "attestation-manifest" } };
  // A platform the index lists but a partial export left out.
  const absent = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha("not here"), size: 8, platform: { os: "linux", architecture: "ppc64le" } };
  const idx = blob(json({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [image("arm64", "v8"), image("amd64"), attestation, absent] }));
  files.set("index.json", json({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", digest: sha(idx), size: idx.length, annotations: { "org.opencontainers.image.ref.name": "latest" } }] }));
  files.set("oci-layout", json({ imageLayoutVersion: "1.0.0" }));
  return files;
}

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "byoc-archive-"));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeTree(dir: string, files: Map<string, Buffer>) {
  for (const [name, body] of files) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), body);
  }
}

async function writeTmp(name: string, body: Buffer): Promise<string> {
  const p = join(tmp, name);
  await writeFile(p, body);
  return p;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

/** Records which layer keys each file was offered under. */
function offers() {
  const seen: string[] = [];
  const consumer: ContentConsumer = (o) => {
    seen.push(`${o.layer} ${o.path}`);
    return undefined;
  };
  return { seen, consumer };
}

const paths = (scan: ImageScan) => [...scan.fs.walk()].map((e) => `${e.path}@${e.layer}`);

describe("parseImageSource", () => {
  it.each([
    ["docker-archive:/tmp/img.tar", { kind: "docker-archive", path: "/tmp/img.tar" }],
    ["docker-archive:img.tar:app:1", { kind: "docker-archive", path: "img.tar", image: "app:1" }],
    ["oci:./layout", { kind: "oci", path: "./layout" }],
    ["oci:./layout:latest", { kind: "oci", path: "./layout", image: "latest" }],
    ["oci-archive:x.tar", { kind: "oci-archive", path: "x.tar" }],
    ["python:3.12-slim", { kind: "engine", reference: "python:3.12-slim" }],
    ["localhost:5000/app:1", { kind: "engine", reference: "localhost:5000/app:1" }],
    ["docker://app", { kind: "engine", reference: "docker://app" }],
  ])("%s", (text, expected) => {
    expect(parseImageSource(text)).toEqual(expected);
  });

  it("refuses a transport without a path", () => {
    expect(() => parseImageSource("oci-archive:")).toThrow(ArchiveError);
  });

  it("parses platforms", () => {
    expect(parsePlatform("linux/arm/v7")).toEqual({ os: "linux", architecture: "arm", variant: "v7" });
    expect(() => parsePlatform("amd64")).toThrow(/not a platform/);
  });
});

describe("docker save, legacy format", () => {
  it("reads a stream: layers in manifest order, whiteouts applied, config and tags, consumers under layer keys", async () => {
    const archive = legacySave([{ tag: "app:1", layers: [base, app] }]);
    const { seen, consumer } = offers();
    const scan = await readImageStream(chunked(archive), { consumers: [consumer] });
    expect(scan).toMatchObject({ source: "stream", format: "docker-save", repoTags: ["app:1"], platform: { os: "linux", architecture: "amd64" }, diffIdMismatches: [] });
    expect(scan.config).toMatchObject({ config: { Entrypoint: ["/serve"] } });
    expect(scan.layers.map((l) => [l.index, l.diffId, l.expectedDiffId, l.compression])).toEqual([
      [0, sha(base), sha(base), "none"],
      [1, sha(app), sha(app), "none"],
    ]);
    const [k0, k1] = scan.layers.map((l) => l.key);
    expect(k0).toMatch(/^[a-f0-9]{64}\/layer\.tar$/);
    expect(seen).toEqual([`${k0} /etc/os-release`, `${k0} /opt/secret.key`, `${k1} /serve`]);
    expect(scan.fs.lstat("/opt/secret.key")).toBeUndefined();
    expect(scan.fs.lstat("/serve")).toMatchObject({ kind: "file", layer: 1 });
    expect(scan.fs.lstat("/bin/sh")).toMatchObject({ kind: "symlink", linkTarget: "/bin/busybox" });
  });

  it("reads the same archive from a file, by random access, with the same result", async () => {
    const archive = legacySave([{ tag: "app:1", layers: [base, app] }]);
    const file = await writeTmp("legacy.tar", archive);
    const fromFile = await readImageSource({ kind: "docker-archive", path: file });
    const fromStream = await readImageStream(chunked(archive));
    expect(fromFile.source).toBe("docker-archive");
    expect(fromFile.layers).toEqual(fromStream.layers);
    expect(fromFile.configDigest).toBe(fromStream.configDigest);
    expect(paths(fromFile)).toEqual(paths(fromStream));
  });

  it("follows a symlinked layer.tar to the layer it shares, and selects one image of several", async () => {
    const first = legacySave([{ tag: "base:1", layers: [base] }]);
    const baseId = /([a-f0-9]{64})\/layer\.tar/.exec(first.toString("latin1"))![1]!;
    const archive = legacySave([
      { tag: "base:1", layers: [base] },
      { tag: "app:2", layers: [base, app], shareFirstWith: baseId },
    ]);
    const file = await writeTmp("two.tar", archive);
    const e = await rejection(readImageSource({ kind: "docker-archive", path: file }));
    expect(e).toBeInstanceOf(ArchiveError);
    expect(e.message).toMatch(/holds 2 images \(base:1; app:2\)/);
    expect((e as ArchiveError).hint).toMatch(/docker-archive:.*two\.tar:IMAGE/);
    for (const read of [() => readImageSource(parseImageSource(`docker-archive:${file}:app:2`) as never), () => readImageStream(chunked(archive), { image: "docker.io/library/app:2" })]) {
      const scan = await read();
      expect(scan.repoTags).toEqual(["app:2"]);
      expect(scan.layers.map((l) => l.key)).toEqual([`${baseId}/layer.tar`, expect.stringMatching(/layer\.tar$/)]);
      expect(scan.layers.map((l) => l.diffId)).toEqual([sha(base), sha(app)]);
      expect(scan.fs.lstat("/serve")).toMatchObject({ layer: 1 });
    }
    const missing = await rejection(readImageStream(chunked(archive), { image: "nope:1" }));
    expect(missing.message).toMatch(/has no image nope:1; it holds base:1; app:2/);
  });

  it("reports diff IDs that do not match the config without failing", async () => {
    const wrong = `sha256:${"0".repeat(64)}`;
    const cfg = json({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha(base), wrong] } });
    const archive = legacySave([{ tag: "app:1", layers: [base, app], cfg }]);
    const scan = await readImageStream(chunked(archive));
    expect(scan.diffIdMismatches).toEqual([{ index: 1, key: scan.layers[1]!.key, expected: wrong, actual: sha(app) }]);
    expect(scan.layers[1]!.expectedDiffId).toBe(wrong);
  });

  it("gives a LayerError for a truncated stream, and a typed error for an archive that is no image", async () => {
    const archive = legacySave([{ tag: "app:1", layers: [base, app] }]);
    const cut = await rejection(readImageStream(chunked(archive.subarray(0, 2000 + 512 * 3))));
    expect(cut).toBeInstanceOf(LayerError);
    const noImage = await rejection(readImageStream(chunked(tar([{ name: "readme.txt", body: "hello" }]))));
    expect(noImage).toBeInstanceOf(ArchiveError);
    expect(noImage.message).toMatch(/neither manifest\.json .* nor index\.json/);
    const notTar = await rejection(readImageSource({ kind: "docker-archive", path: await writeTmp("x.zip", Buffer.from("PK\u0003\u0004".padEnd(600, "z"))) }));
    expect(notTar).toBeInstanceOf(ArchiveError);
    expect(notTar.message).toMatch(/is not a tar archive/);
    const absent = await rejection(readImageSource({ kind: "docker-archive", path: join(tmp, "absent.tar") }));
    expect(absent).toBeInstanceOf(ArchiveError);
    expect(absent.message).toMatch(/absent\.tar does not exist/);
    expect((absent as ArchiveError).hint).toMatch(/check the path/);
    const truncatedFile = await rejection(readImageSource({ kind: "docker-archive", path: await writeTmp("cut.tar", archive.subarray(0, archive.length - 3000)) }));
    expect(truncatedFile).toBeInstanceOf(LayerError);
  });

  it("fails only when the chosen image uses a damaged layer; the entry limit fails at once", async () => {
    const broken = gzipSync(base).subarray(0, 100);
    const archive = legacySave([
      { tag: "app:1", layers: [base, app] },
      { tag: "other:1", layers: [broken], cfg: json({ os: "linux", architecture: "amd64", rootfs: { diff_ids: [] } }) },
    ]);
    const ok = await readImageStream(chunked(archive), { image: "app:1" });
    expect(ok.layers.map((l) => l.diffId)).toEqual([sha(base), sha(app)]);
    const e = await rejection(readImageStream(chunked(archive), { image: "other:1" }));
    expect(e).toBeInstanceOf(ArchiveError);
    expect(e.message).toMatch(/layer 0 \(.*layer\.tar\) cannot be read: .*gzip stream is corrupt or truncated/);
    const limit = await rejection(readImageStream(chunked(archive), { image: "app:1", maxEntries: 4 }));
    expect(limit).toBeInstanceOf(EntryLimitError);
  });

  it("rejects with the abort reason when aborted mid-stream", async () => {
    const archive = legacySave([{ tag: "app:1", layers: [base, app] }]);
    const stalled = new Readable({ read() {} });
    stalled.push(archive.subarray(0, 3000));
    const controller = new AbortController();
    const reason = new Error("interrupted");
    setTimeout(() => controller.abort(reason), 30);
    expect(await rejection(readImageStream(stalled, { signal: controller.signal }))).toBe(reason);
    expect(stalled.destroyed).toBe(true);
  });
});

describe("docker save, OCI format (Docker 25+)", () => {
  it("reads gzip and zstd layers from blobs/sha256, verifying their digests", async () => {
    const stored = [gzipSync(base), zstdCompressSync(app)];
    const archive = ociSave("app:1", [base, app], stored);
    const { seen, consumer } = offers();
    const scan = await readImageStream(chunked(archive, 4096), { consumers: [consumer] });
    expect(scan.format).toBe("docker-save");
    expect(scan.layers.map((l) => [l.key, l.compression, l.digest, l.diffId])).toEqual([
      [`blobs/sha256/${hex(stored[0]!)}`, "gzip", sha(stored[0]!), sha(base)],
      [`blobs/sha256/${hex(stored[1]!)}`, "zstd", sha(stored[1]!), sha(app)],
    ]);
    expect(scan.diffIdMismatches).toEqual([]);
    expect(seen).toContain(`blobs/sha256/${hex(stored[0]!)} /opt/secret.key`);
    expect(scan.fs.lstat("/opt/secret.key")).toBeUndefined();
    // The same archive read as an OCI layout (index.json) by random access.
    const file = await writeTmp("oci-save.tar", archive);
    const asOci = await readImageSource({ kind: "oci-archive", path: file });
    expect(asOci.format).toBe("oci-layout");
    expect(asOci.repoTags).toEqual(["docker.io/library/app:1"]);
    expect(asOci.layers).toEqual(scan.layers);
    expect(paths(asOci)).toEqual(paths(scan));
  });

  it("detects a blob whose bytes do not match its name", async () => {
    const layer = gzipSync(base);
    const archive = ociSave("app:1", [base], [layer]);
    const at = archive.indexOf(layer);
    const forged = Buffer.from(archive);
    // Rewrite the gzip header's mtime: still a valid stream, different bytes.
    forged[at + 4] = forged[at + 4]! ^ 0xff;
    const e = await rejection(readImageStream(chunked(forged)));
    expect(e).toBeInstanceOf(BlobDigestError);
    expect((e as BlobDigestError).expected).toBe(sha(layer));
  });
});

describe("OCI layouts", () => {
  it("chooses linux/amd64 by default, another platform on request, and lists the platforms when one is absent", async () => {
    await writeTree(join(tmp, "layout"), multiPlatformLayout());
    const { seen, consumer } = offers();
    const amd = await readImageSource({ kind: "oci", path: join(tmp, "layout") }, { consumers: [consumer] });
    expect(amd).toMatchObject({ source: "oci", format: "oci-layout", platform: { architecture: "amd64" }, repoTags: ["latest"], diffIdMismatches: [] });
    expect(amd.fs.lstat("/etc/arch")).toMatchObject({ size: 5, layer: 1 });
    // Only the chosen platform's layers were read.
    expect(seen.filter((s) => s.endsWith("/etc/arch"))).toHaveLength(1);
    const arm = await readImageSource({ kind: "oci", path: join(tmp, "layout") }, { platform: "linux/arm64" });
    expect(arm.platform).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(arm.fs.lstat("/etc/arch")).toMatchObject({ size: 5 });
    expect(arm.config.architecture).toBe("arm64");
    expect(arm.layers[1]!.diffId).not.toBe(amd.layers[1]!.diffId);
    const e = await rejection(readImageSource({ kind: "oci", path: join(tmp, "layout") }, { platform: "linux/s390x" }));
    expect(e).toBeInstanceOf(PlatformError);
    expect((e as PlatformError).available).toEqual(["linux/arm64/v8", "linux/amd64"]);
    expect(e.message).toMatch(/has no linux\/s390x image \(available: linux\/arm64\/v8, linux\/amd64\)/);
    const listed = await rejection(readImageSource({ kind: "oci", path: join(tmp, "layout") }, { platform: "linux/ppc64le" }));
    expect(listed).toBeInstanceOf(PlatformError);
    expect(listed.message).toMatch(/lists linux\/ppc64le, but its blobs are not in it/);
  });

  it("reads the same layout from an oci-archive, plain (random access) and gzip-compressed (one pass)", async () => {
    const files = multiPlatformLayout();
    const items: Item[] = [...files].map(([name, body]) => ({ name, body }));
    const plain = await writeTmp("layout.tar", tar(items));
    const gz = await writeTmp("layout.tar.gz", gzipSync(tar(items)));
    await writeTree(join(tmp, "layout"), files);
    const fromDir = await readImageSource({ kind: "oci", path: join(tmp, "layout") }, { platform: "linux/arm64/v8" });
    for (const path of [plain, gz]) {
      const scan = await readImageSource({ kind: "oci-archive", path }, { platform: "linux/arm64/v8" });
      expect(scan.source).toBe("oci-archive");
      expect(scan.configDigest).toBe(fromDir.configDigest);
      expect(scan.manifestDigest).toBe(fromDir.manifestDigest);
      expect(scan.layers).toEqual(fromDir.layers);
      expect(paths(scan)).toEqual(paths(fromDir));
    }
    const e = await rejection(readImageSource({ kind: "oci-archive", path: gz }, { platform: "windows/amd64" }));
    expect(e).toBeInstanceOf(PlatformError);
  });

  it("detects a layer blob and a config blob whose digest does not match", async () => {
    const files = multiPlatformLayout();
    const dir = join(tmp, "layout");
    const baseName = `blobs/sha256/${hex(base)}`;
    const forged = Buffer.from(base);
    forged[forged.indexOf("ID=test")] = "J".charCodeAt(0);
    files.set(baseName, forged);
    await writeTree(dir, files);
    const e = await rejection(readImageSource({ kind: "oci", path: dir }));
    expect(e).toBeInstanceOf(BlobDigestError);
    expect(e).toMatchObject({ path: baseName, expected: sha(base), actual: sha(forged) });

    const cfgName = [...files.keys()].find((k) => files.get(k)!.toString().includes('"architecture":"amd64"'))!;
    files.set(baseName, base);
    // Same length, so that only the digest can tell.
    files.set(cfgName, Buffer.from(files.get(cfgName)!.toString().replace("/serve", "/SERVE")));
    await writeTree(dir, files);
    const e2 = await rejection(readImageSource({ kind: "oci", path: dir }));
    expect(e2).toBeInstanceOf(BlobDigestError);
    expect((e2 as BlobDigestError).path).toBe(cfgName);
  });

  it("chooses one of several images by ref name or digest, and treats two tags of one image as one", async () => {
    const files = new Map<string, Buffer>();
    const image = (layer: Buffer) => {
      const cfg = config("amd64", [layer]);
      const manifest = json({ schemaVersion: 2, config: { digest: sha(cfg), size: cfg.length }, layers: [{ digest: sha(layer), size: layer.length }] });
      for (const b of [cfg, manifest, layer]) files.set(`blobs/sha256/${hex(b)}`, b);
      return { digest: sha(manifest), size: manifest.length };
    };
    const one = image(base);
    const two = image(app);
    const ref = (d: { digest: string; size: number }, name: string) => ({ mediaType: "application/vnd.oci.image.manifest.v1+json", ...d, annotations: { "io.containerd.image.name": name } });
    files.set("index.json", json({ schemaVersion: 2, manifests: [ref(one, "docker.io/library/app:1"), ref(two, "docker.io/library/app:2"), ref(two, "docker.io/library/app:latest")] }));
    await writeTree(join(tmp, "many"), files);
    const dir = join(tmp, "many");
    const e = await rejection(readImageSource({ kind: "oci", path: dir }));
    expect(e.message).toMatch(/holds several images \(docker\.io\/library\/app:1; docker\.io\/library\/app:2; docker\.io\/library\/app:latest\)/);
    expect((e as ArchiveError).hint).toMatch(/oci:.*many:IMAGE/);
    const latest = await readImageSource(parseImageSource(`oci:${dir}:app`) as never);
    expect(latest.repoTags).toEqual(["docker.io/library/app:latest"]);
    expect(latest.layers.map((l) => l.diffId)).toEqual([sha(app)]);
    const byDigest = await readImageSource({ kind: "oci", path: dir, image: one.digest.slice(7, 7 + 12) });
    expect(byDigest.manifestDigest).toBe(one.digest);
    expect(byDigest.platform).toEqual({ os: "linux", architecture: "amd64" });
    await writeFile(join(dir, "index.json"), json({ schemaVersion: 2, manifests: [ref(two, "docker.io/library/app:2"), ref(two, "docker.io/library/app:latest")] }));
    const tagged = await readImageSource({ kind: "oci", path: dir });
    expect(tagged.repoTags).toEqual(["docker.io/library/app:2", "docker.io/library/app:latest"]);
  });

  it("says what is wrong with a directory that is no layout, and with a file given as oci:", async () => {
    await mkdir(join(tmp, "empty"));
    const e = await rejection(readImageSource({ kind: "oci", path: join(tmp, "empty") }));
    expect(e).toBeInstanceOf(ArchiveError);
    expect(e.message).toMatch(/neither manifest\.json .* nor index\.json/);
    const file = await writeTmp("f.tar", tar([]));
    const e2 = await rejection(readImageSource({ kind: "oci", path: file }));
    expect((e2 as ArchiveError).hint).toMatch(/oci-archive:/);
  });
});
