import { createReadStream, lstatSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { channelFiles, feedFifo, makeFifo } from "../../../../src/engine/jobs/pipe.js";
import { removeTempDirs, sampleDir, tempDir } from "../../helpers/fake-jobs.js";

afterEach(removeTempDirs);

/** Opens the FIFO for reading, as the job does, and collects everything until EOF. */
async function readAll(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("makeFifo", () => {
  it("creates a named pipe", () => {
    const path = join(tempDir(), "train_0");
    makeFifo(path);
    expect(lstatSync(path).isFIFO()).toBe(true);
  });

  it("says which path it could not create", () => {
    const path = join(tempDir(), "missing", "train_0");
    expect(() => makeFifo(path)).toThrow(`mkfifo ${path}:`);
  });
});

describe("channelFiles", () => {
  it("lists every regular file, recursing into directories in name order", async () => {
    const d = sampleDir({ "b.csv": "", "a.csv": "", "sub/z.csv": "", "sub/deeper/y.csv": "", "c/x.csv": "", "B.csv": "" });
    expect((await channelFiles(d)).map((f) => f.slice(d.length + 1))).toEqual(["B.csv", "a.csv", "b.csv", "c/x.csv", "sub/deeper/y.csv", "sub/z.csv"]);
  });

  it("leaves out links and named pipes, and gives nothing for an empty directory", async () => {
    const d = sampleDir({ "data.csv": "1\n" });
    symlinkSync(join(d, "data.csv"), join(d, "link.csv"));
    makeFifo(join(d, "pipe"));
    mkdirSync(join(d, "empty"));
    expect((await channelFiles(d)).map((f) => f.slice(d.length + 1))).toEqual(["data.csv"]);
    expect(await channelFiles(tempDir())).toEqual([]);
  });
});

describe("feedFifo", () => {
  it("streams the files, concatenated in order, to a reader, then closes so the reader sees EOF", async () => {
    const d = sampleDir({ "part-1.csv": "a,1\n", "part-2.csv": "b,2\n", "nested/part-3.csv": "c,3\n" });
    const big = Buffer.alloc(300_000, "x");
    writeFileSync(join(d, "part-0.bin"), big);
    const fifo = join(tempDir(), "train_0");
    makeFifo(fifo);
    const files = await channelFiles(d);
    const fed = feedFifo(fifo, files, new AbortController().signal);
    const got = await readAll(fifo);
    await fed;
    expect(got.equals(Buffer.concat([Buffer.from("c,3\n"), big, Buffer.from("a,1\nb,2\n")]))).toBe(true);
  });

  it("waits for a reader that opens late", async () => {
    const fifo = join(tempDir(), "train_0");
    makeFifo(fifo);
    const fed = feedFifo(fifo, await channelFiles(sampleDir({ "a.txt": "late reader\n" })), new AbortController().signal);
    await new Promise((r) => setTimeout(r, 150));
    expect((await readAll(fifo)).toString()).toBe("late reader\n");
    await fed;
  });

  it("gives an immediate EOF for an empty channel", async () => {
    const fifo = join(tempDir(), "train_0");
    makeFifo(fifo);
    const fed = feedFifo(fifo, [], new AbortController().signal);
    expect((await readAll(fifo)).length).toBe(0);
    await fed;
  });

  it("ends the wait when its signal aborts and no reader ever opened", async () => {
    const fifo = join(tempDir(), "train_0");
    makeFifo(fifo);
    const stop = new AbortController();
    const fed = feedFifo(fifo, await channelFiles(sampleDir()), stop.signal);
    setTimeout(() => stop.abort(), 120);
    const started = Date.now();
    await expect(fed).rejects.toMatchObject({ name: "AbortError" });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("rethrows what is not a missing reader", async () => {
    await expect(feedFifo(join(tempDir(), "no-such-fifo"), [], new AbortController().signal)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
