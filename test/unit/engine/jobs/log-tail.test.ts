import { describe, expect, it } from "vitest";
import { LOG_TAIL_BYTES, LogTailBuffer, lastLines } from "../../../../src/engine/jobs/log-tail.js";
import type { LogTail } from "../../../../src/engine/jobs/types.js";

const held = (b: LogTailBuffer) => (b as unknown as { held: number }).held;

function feed(b: LogTailBuffer, ...chunks: string[]): LogTail {
  for (const c of chunks) b.push(Buffer.from(c));
  return b.tail();
}

describe("LogTailBuffer", () => {
  it("gives back a short log whole, counting its lines and bytes", () => {
    expect(feed(new LogTailBuffer(), "epoch 1\n", "epoch 2\n")).toEqual({ text: "epoch 1\nepoch 2\n", lines: 2, bytes: 16, truncated: false });
  });

  it("counts a last line without its newline", () => {
    expect(feed(new LogTailBuffer(), "a\nb").lines).toBe(2);
    expect(feed(new LogTailBuffer(), "a\n", "b", "c").lines).toBe(2);
  });

  it("counts lines split across chunks once", () => {
    expect(feed(new LogTailBuffer(), "hel", "lo\nwor", "ld\n", "\n")).toMatchObject({ lines: 3, text: "hello\nworld\n\n" });
  });

  it("reports an empty stream as no lines", () => {
    expect(feed(new LogTailBuffer(), "")).toEqual({ text: "", lines: 0, bytes: 0, truncated: false });
    expect(new LogTailBuffer().tail()).toEqual({ text: "", lines: 0, bytes: 0, truncated: false });
  });

  it("defaults to a 16 KiB tail", () => {
    expect(LOG_TAIL_BYTES).toBe(16 * 1024);
  });

  it("keeps memory bounded over many MB and returns the last lines, starting on a whole one", () => {
    const b = new LogTailBuffer();
    let most = 0;
    let n = 0;
    // 12 MB in chunks of varied sizes that cut lines anywhere.
    const sizes = [1, 7, 4096, 65_536, 100, 17_000, 3];
    let bytes = 0;
    for (let i = 0; bytes < 12e6; i++) {
      let chunk = "";
      const size = sizes[i % sizes.length]!;
      while (chunk.length < size) chunk += `line ${n++} ${"x".repeat(n % 50)}\n`;
      b.push(Buffer.from(chunk));
      bytes += chunk.length;
      most = Math.max(most, held(b));
    }
    expect(most).toBeLessThan(2 * LOG_TAIL_BYTES);
    const t = b.tail();
    expect(t.bytes).toBe(bytes);
    expect(t.lines).toBe(n);
    expect(t.truncated).toBe(true);
    expect(Buffer.byteLength(t.text)).toBeLessThanOrEqual(LOG_TAIL_BYTES);
    expect(Buffer.byteLength(t.text)).toBeGreaterThan(LOG_TAIL_BYTES - 100);
    expect(t.text).toMatch(/^line \d+ x*\n/);
    expect(t.text.endsWith(`line ${n - 1} ${"x".repeat(n % 50)}\n`)).toBe(true);
  });

  it("keeps the end of one chunk larger than the limit", () => {
    const t = feed(new LogTailBuffer(10), "aaaa\nbbbb\ncccc\ndddd\n");
    expect(t.text).toBe("cccc\ndddd\n");
    expect(t.lines).toBe(4);
    expect(t.bytes).toBe(20);
  });

  it("marks a tail truncated whenever bytes were dropped, starting on a whole line, after many small pushes", () => {
    // 14 bytes held for a limit of 10: the last 10 are "aa\nbbbbbb\n", and the partial "aa" goes.
    const t = feed(new LogTailBuffer(10), "aaaaaa\n", "bbbbbb\n");
    expect(t).toEqual({ text: "bbbbbb\n", lines: 2, bytes: 14, truncated: true });
  });

  // Once a bug: truncated was judged by the bytes held, not the bytes seen.
  it("marks a single oversized chunk truncated and starts it on a whole line", () => {
    // The last 10 bytes are "b\ncccc\ndd\n": the partial "b" goes, the whole lines stay.
    const t = feed(new LogTailBuffer(10), "aaaa\nbbbb\ncccc\ndd\n");
    expect(t.truncated).toBe(true);
    expect(t.text).toBe("cccc\ndd\n");
  });

  it("marks truncated when the dropped chunks leave exactly the limit held", () => {
    const t = feed(new LogTailBuffer(10), "aaaa\nbbbb\n", "cccc\ndddd\n");
    expect(t.truncated).toBe(true);
  });

  it("keeps a single line longer than the limit as its last bytes", () => {
    const t = feed(new LogTailBuffer(8), "0123456789", "abcdefghij");
    expect(t.text).toBe("cdefghij");
    expect(t.lines).toBe(1);
  });
});

describe("lastLines", () => {
  const tail = (text: string, lines: number): LogTail => ({ text, lines, bytes: text.length, truncated: false });

  it("shows a short log as it is, without its final newline", () => {
    expect(lastLines(tail("a\nb\n", 2))).toBe("a\nb");
  });

  it("shows the last n lines under a header counting the rest", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
    const shown = lastLines(tail(text, 30), 5);
    expect(shown).toBe("[25 earlier lines not shown]\nline 26\nline 27\nline 28\nline 29\nline 30");
  });

  it("says line, not lines, for one hidden line", () => {
    expect(lastLines(tail("a\nb\nc\n", 3), 2)).toBe("[1 earlier line not shown]\nb\nc");
  });

  it("counts the lines the truncated tail no longer holds", () => {
    const b = new LogTailBuffer(64);
    for (let i = 1; i <= 1000; i++) b.push(Buffer.from(`step ${i}\n`));
    const t = b.tail();
    const shown = lastLines(t, 3);
    expect(shown).toBe("[997 earlier lines not shown]\nstep 998\nstep 999\nstep 1000");
  });

  it("defaults to 20 lines", () => {
    const text = Array.from({ length: 25 }, (_, i) => `${i}`).join("\n");
    expect(lastLines(tail(text, 25)).split("\n")).toHaveLength(21);
  });

  it("shows nothing for an empty log", () => {
    expect(lastLines(tail("", 0))).toBe("");
  });
});
