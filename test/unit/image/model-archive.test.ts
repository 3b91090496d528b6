import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { create, list } from "tar";
import { afterEach, describe, expect, it } from "vitest";
import { makeFifo } from "../../../src/engine/jobs/pipe.js";
import { checkModelArchive, inspectModelDir, packModel, unpackModel } from "../../../src/image/model-archive.js";
import { ConfigError } from "../../../src/errors.js";
import { writeFileSync } from "node:fs";
import { removeTempDirs, sampleDir, tempDir } from "../helpers/fake-jobs.js";

afterEach(removeTempDirs);

async function entriesOf(archive: string): Promise<Array<{ path: string; type: string; linkpath?: string }>> {
  const out: Array<{ path: string; type: string; linkpath?: string }> = [];
  await list({ file: archive, onReadEntry: (e) => void out.push({ path: e.path, type: e.type, ...(e.linkpath ? { linkpath: e.linkpath } : {}) }) });
  return out;
}

describe("inspectModelDir", () => {
  it("counts regular files and their bytes, nested directories included, and lists them sorted", async () => {
    const d = sampleDir({ "model.json": "{}", "weights/layer-1.bin": "12345", "weights/layer-0.bin": "123", "vocab.txt": "a\nb\n" });
    expect(await inspectModelDir(d)).toEqual({
      files: 4,
      bytes: 2 + 5 + 3 + 4,
      entries: ["model.json", "vocab.txt", "weights/", "weights/layer-0.bin", "weights/layer-1.bin"],
      problems: [],
      truncated: false,
    });
  });

  it("reports an empty directory as no files", async () => {
    expect(await inspectModelDir(tempDir())).toEqual({ files: 0, bytes: 0, entries: [], problems: [], truncated: false });
  });

  it("accepts relative links that stay inside, and absolute links into /opt/ml/model", async () => {
    const d = sampleDir({ "model.json": "{}", "v2/weights.bin": "w" });
    symlinkSync("v2/weights.bin", join(d, "latest.bin"));
    symlinkSync("../model.json", join(d, "v2", "model.json"));
    symlinkSync("/opt/ml/model/v2", join(d, "current"));
    symlinkSync("/opt/ml/model", join(d, "v2", "root"));
    const listing = await inspectModelDir(d);
    expect(listing.problems).toEqual([]);
    // Links are neither files nor followed.
    expect(listing.files).toBe(2);
    expect(listing.entries).toEqual(["current", "latest.bin", "model.json", "v2/", "v2/model.json", "v2/root", "v2/weights.bin"]);
  });

  it("flags a relative link that climbs out of the model directory", async () => {
    const d = sampleDir({ "model.json": "{}", "sub/x": "" });
    symlinkSync("../../input/data/train/big.bin", join(d, "sub", "data.bin"));
    symlinkSync("../model.json.bak", join(d, "escape"));
    const listing = await inspectModelDir(d);
    expect(listing.problems).toEqual([
      { path: "escape", kind: "link", why: "is a link to ../model.json.bak, outside the model directory: it dangles once the model is unpacked elsewhere" },
      { path: "sub/data.bin", kind: "link", why: "is a link to ../../input/data/train/big.bin, outside the model directory: it dangles once the model is unpacked elsewhere" },
    ]);
  });

  it.each(["/opt/ml/checkpoints/ckpt.pt", "/opt/ml/modelx/w.bin", "/opt/ml/model/../output/w.bin", "/tmp/w.bin"])("flags an absolute link to %s", async (target) => {
    const d = sampleDir({ "model.json": "{}" });
    symlinkSync(target, join(d, "w.bin"));
    const listing = await inspectModelDir(d);
    expect(listing.problems).toEqual([{ path: "w.bin", kind: "link", why: `is a link to ${target}, outside the model directory: it dangles once the model is unpacked elsewhere` }]);
  });

  it("flags a named pipe as something the archive cannot carry", async () => {
    const d = sampleDir({ "model.json": "{}" });
    mkdirSync(join(d, "io"));
    makeFifo(join(d, "io", "events"));
    const listing = await inspectModelDir(d);
    expect(listing.files).toBe(1);
    expect(listing.problems).toEqual([{ path: "io/events", kind: "special", why: "is a named pipe, which model.tar.gz cannot carry" }]);
  });

  it("lists at most 50 entries but counts every file", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`f${String(i).padStart(2, "0")}`] = "x";
    const listing = await inspectModelDir(sampleDir(files));
    expect(listing.entries).toHaveLength(50);
    expect(listing.entries[49]).toBe("f49");
    expect(listing.files).toBe(60);
    expect(listing.truncated).toBe(false);
  });
});

describe("packModel", () => {
  it("writes a gzip tar of the directory's contents with relative entry names", async () => {
    const d = sampleDir({ "model.json": '{"layers":2}', "weights/w.bin": "0123" });
    symlinkSync("weights/w.bin", join(d, "latest.bin"));
    const dest = join(tempDir(), "model.tar.gz");
    expect(await packModel(d, dest)).toBe(dest);
    const head = readFileSync(dest).subarray(0, 2);
    expect([...head]).toEqual([0x1f, 0x8b]);
    const entries = await entriesOf(dest);
    expect(entries).toEqual([
      { path: "latest.bin", type: "SymbolicLink", linkpath: "weights/w.bin" },
      { path: "model.json", type: "File" },
      { path: "weights/", type: "Directory" },
      { path: "weights/w.bin", type: "File" },
    ]);
    expect(entries.some((e) => e.path.startsWith("./") || e.path.startsWith("/"))).toBe(false);
  });

  it("leaves out the host's owner names", async () => {
    const d = sampleDir({ "model.json": "{}" });
    const dest = join(tempDir(), "model.tar.gz");
    await packModel(d, dest);
    const owners: Array<string | undefined> = [];
    await list({ file: dest, onReadEntry: (e) => void owners.push(e.uname) });
    expect(owners).toHaveLength(1);
    expect(owners.every((o) => !o), JSON.stringify(owners)).toBe(true);
  });

  it("gives files back with their content", async () => {
    const d = sampleDir({ "model.json": '{"layers":2}' });
    const dest = join(tempDir(), "model.tar.gz");
    await packModel(d, dest);
    const bodies: string[] = [];
    await list({
      file: dest,
      onReadEntry: (e) => {
        const chunks: Buffer[] = [];
        e.on("data", (c: Buffer) => chunks.push(c));
        e.on("end", () => bodies.push(Buffer.concat(chunks).toString()));
      },
    });
    expect(bodies).toEqual(['{"layers":2}']);
  });
});

describe("checkModelArchive and unpackModel", () => {
  const errorOf = (file: string): ConfigError => {
    try {
      checkModelArchive(file);
    } catch (e) {
      return e as ConfigError;
    }
    throw new Error("no error");
  };

  it("passes the archive packModel writes, and unpacks it as it was", async () => {
    const src = sampleDir({ "model.json": "{}", "weights/layer-0.bin": "123" });
    const archive = await packModel(src, join(tempDir(), "model.tar.gz"));
    expect(() => checkModelArchive(archive)).not.toThrow();
    const dest = tempDir();
    await unpackModel(archive, dest);
    expect(readFileSync(join(dest, "weights", "layer-0.bin"), "utf8")).toBe("123");
  });

  it("refuses a file that is not a gzipped tar, with the hint", () => {
    const f = join(tempDir(), "model.tar.gz");
    writeFileSync(f, "not an archive at all, just text that is long enough to look like something");
    const e = errorOf(f);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe(`--model ${f} is not a gzipped tar archive`);
    expect(e.hint).toContain("the model.tar.gz your training job wrote");
  });

  it("refuses an archive whose entries climb out of the model directory", async () => {
    const root = tempDir();
    mkdirSync(join(root, "in"));
    writeFileSync(join(root, "evil.txt"), "x");
    const archive = join(root, "model.tar.gz");
    await create({ gzip: true, file: archive, cwd: join(root, "in"), preservePaths: true }, ["../evil.txt"]);
    expect(errorOf(archive).message).toBe(`--model ${archive} holds entries that cannot be unpacked into /opt/ml/model: ../evil.txt (outside the model directory)`);
  });

  it("refuses an archive holding a FIFO", async () => {
    const src = tempDir();
    makeFifo(join(src, "pipe"));
    const archive = join(tempDir(), "model.tar.gz");
    // GNU tar archives a FIFO as one; node-tar's create skips it.
    execFileSync("tar", ["-czf", archive, "-C", src, "pipe"]);
    expect(errorOf(archive).message).toBe(`--model ${archive} holds entries that cannot be unpacked into /opt/ml/model: pipe (FIFO)`);
  });

  it("refuses an absolute symlink up front, with the way around it, rather than fail while unpacking", async () => {
    const src = tempDir();
    writeFileSync(join(src, "model.json"), "{}");
    symlinkSync("/opt/ml/model/model.json", join(src, "latest"));
    const archive = join(tempDir(), "model.tar.gz");
    execFileSync("tar", ["-czf", archive, "-C", src, "model.json", "latest"]);
    expect(errorOf(archive).message).toBe(
      `--model ${archive} holds entries that cannot be unpacked into /opt/ml/model: latest (a link to the absolute path /opt/ml/model/model.json: give the model as a directory, --model DIR, to keep it)`,
    );
  });
});
