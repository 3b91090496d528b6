import type { LogTail } from "./types.js";

export const LOG_TAIL_BYTES = 16 * 1024;

/** Keeps the last LOG_TAIL_BYTES of a stream that may be any size: memory stays bounded whatever the container writes. */
export class LogTailBuffer {
  private chunks: Buffer[] = [];
  private held = 0;
  private total = 0;
  private newlines = 0;
  private lastByte = 0x0a;
  /** The byte just before the first one held, once any were dropped: tells whether the tail starts on a line. */
  private beforeFirst = 0x0a;
  /** The last tail() made, until the next push: a fuzzer asks after every request, and most add nothing. */
  private made: LogTail | undefined;

  constructor(private readonly limit = LOG_TAIL_BYTES) {}

  push(chunk: Buffer): void {
    this.made = undefined;
    this.total += chunk.length;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) this.newlines++;
    if (chunk.length === 0) return;
    this.lastByte = chunk[chunk.length - 1]!;
    const keep = Buffer.from(chunk.length > this.limit ? chunk.subarray(chunk.length - this.limit) : chunk);
    this.chunks.push(keep);
    this.held += keep.length;
    while (this.held - this.chunks[0]!.length >= this.limit) {
      const dropped = this.chunks.shift()!;
      this.held -= dropped.length;
      this.beforeFirst = dropped[dropped.length - 1]!;
    }
    if (keep.length < chunk.length && this.chunks[0] === keep) this.beforeFirst = chunk[chunk.length - keep.length - 1]!;
  }

  tail(): LogTail {
    if (this.made) return this.made;
    let buf = Buffer.concat(this.chunks);
    let before = this.total > buf.length ? this.beforeFirst : 0x0a;
    if (buf.length > this.limit) {
      before = buf[buf.length - this.limit - 1]!;
      buf = buf.subarray(buf.length - this.limit);
    }
    if (before !== 0x0a) {
      const nl = buf.indexOf(0x0a);
      if (nl !== -1 && nl < buf.length - 1) buf = buf.subarray(nl + 1); // start on a whole line
    }
    return (this.made = {
      text: buf.toString("utf8"),
      lines: this.newlines + (this.lastByte === 0x0a ? 0 : 1),
      bytes: this.total,
      truncated: this.total > buf.length,
    });
  }
}

/** The last `n` lines of a tail, for a finding: enough to see the error without the whole log. */
export function lastLines(log: LogTail, n = 20): string {
  const lines = log.text.replace(/\n$/, "").split("\n");
  const shown = lines.slice(-n).join("\n");
  const hidden = log.lines - Math.min(n, lines.length);
  return hidden > 0 ? `[${hidden} earlier line${hidden === 1 ? "" : "s"} not shown]\n${shown}` : shown;
}
