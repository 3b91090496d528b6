// Reads an ELF file that streams past once (a layer's tar entry), keeping only the parts parseElfBytes needs: the
// head of the file (headers, and the dynamic string table that the first loadable segment holds), the dynamic
// section, and the section header table with the bytes just before it (where linkers put .shstrtab). Fatbin
// containers and their wrappers are found in the same pass (fatbin.ts). Memory per file is bounded by HEAD_CAP and
// the table caps, whatever the file's size: a 2 GB libtorch_cuda.so costs what its headers cost.

import { ElfError, ElfNotKept, parseElfBytes, parseElfHeader, readSegments, MAGIC, PT_DYNAMIC, PT_LOAD, type ElfBytes, type ElfHeader, type ElfInfo, type ElfSegment } from "./elf.js";
import { FatbinScanner, WrapperScanner, kernelContainers, labelRegistrations, labelSections, type FatbinContainer } from "./fatbin.js";

/** The head kept at most: .dynsym and .dynstr of the largest CUDA libraries fit in a few MiB. */
export const HEAD_CAP = 32 * 1024 * 1024;
/** Kept before the section header table, for .shstrtab. */
const SHSTRTAB_WINDOW = 64 * 1024;
const TABLE_CAP = 8 * 1024 * 1024;
/** Enough for the ELF header and the program headers of any ordinary file. */
const FIRST_LOOK = 64 * 1024;

export interface ElfScan {
  /** Absent when the file is not ELF (`error` says why) or its headers do not parse. */
  elf?: ElfInfo;
  error?: string;
  fatbins: FatbinContainer[];
  /** What in the fatbins did not parse. */
  fatbinProblems: string[];
}

class Range {
  readonly buf: Buffer;
  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    this.buf = Buffer.alloc(end - start);
  }
  /** Copies the part of `chunk` (at file offset `at`) that falls in this range. */
  take(chunk: Buffer, at: number): void {
    const from = Math.max(this.start, at);
    const to = Math.min(this.end, at + chunk.length);
    if (from < to) chunk.copy(this.buf, from - this.start, from - at, to - at);
  }
}

export class ElfStream {
  private pos = 0;
  private head: Buffer[] = [];
  private headLength = 0;
  /** The head is kept up to here; lowered once the program headers say where the first segment ends. */
  private headUntil: number;
  private header?: ElfHeader;
  private segments?: ElfSegment[];
  private ranges: Range[] = [];
  private notElf?: string;
  private readonly fatbins: FatbinScanner;
  private readonly wrappers = new WrapperScanner();
  readonly size: number;

  constructor(size: number) {
    this.size = size;
    this.headUntil = Math.min(size, FIRST_LOOK);
    this.fatbins = new FatbinScanner(size);
  }

  /** Feeds the next bytes; "enough" once it is clear the file is not ELF, so the caller can skip the rest. */
  write(chunk: Buffer): void | "enough" {
    if (this.notElf) return "enough";
    // Until the program headers are read, take no step past FIRST_LOOK, so that what they plan applies to the rest.
    if (!this.segments && this.pos < FIRST_LOOK && this.pos + chunk.length > FIRST_LOOK) {
      const cut = FIRST_LOOK - this.pos;
      return this.write(chunk.subarray(0, cut)) ?? this.write(chunk.subarray(cut));
    }
    const at = this.pos;
    this.pos += chunk.length;
    if (at === this.headLength && at < this.headUntil) {
      const part = chunk.subarray(0, this.headUntil - at);
      this.head.push(Buffer.from(part));
      this.headLength += part.length;
    }
    for (const r of this.ranges) r.take(chunk, at);
    this.fatbins.write(chunk);
    this.wrappers.write(chunk);
    if (!this.header && this.headLength >= Math.min(64, this.size)) {
      if (this.headBytes(4).compare(MAGIC) !== 0) {
        this.notElf = "not an ELF file";
        return "enough";
      }
      try {
        this.header = parseElfHeader(this.headBytes(64));
      } catch (e) {
        if (!(e instanceof ElfError)) throw e;
        this.notElf = e.message;
        return "enough";
      }
      this.plan(this.header);
    }
    const tablesEnd = this.header ? this.header.phoff + this.header.phnum * this.header.phentsize : 0;
    if (this.header && !this.segments && (this.headLength >= Math.min(this.size, tablesEnd) || this.pos >= FIRST_LOOK)) {
      this.planSegments(this.header);
    }
  }

  end(): ElfScan {
    const listing = this.fatbins.end();
    if (this.notElf || !this.header) return { error: this.notElf ?? "truncated ELF header", fatbins: listing.containers, fatbinProblems: listing.problems };
    const kept = this.kept();
    let elf: ElfInfo;
    try {
      elf = parseElfBytes(kept, this.headBytes(64));
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
      return { error: e.message, fatbins: listing.containers, fatbinProblems: listing.problems };
    }
    if (this.pos < this.size) elf.unread.push(`the file was read to byte ${this.pos} of ${this.size}`);
    labelSections(listing.containers, elf.sections);
    const loads = (this.segments ?? []).filter((s) => s.type === PT_LOAD);
    labelRegistrations(listing.containers, this.wrappers.wrappers, (addr) => {
      const s = loads.find((l) => addr >= l.vaddr && addr < l.vaddr + l.filesz);
      return s ? s.offset + (addr - s.vaddr) : undefined;
    });
    return { elf, fatbins: listing.containers, fatbinProblems: listing.problems };
  }

  private headBytes(n: number): Buffer {
    if (this.head.length > 1) this.head = [Buffer.concat(this.head)];
    return (this.head[0] ?? Buffer.alloc(0)).subarray(0, n);
  }

  /** From the header: keep the section header table and the window before it. */
  private plan(h: ElfHeader): void {
    const tableSize = h.shnum * h.shentsize;
    if (h.shoff > 0 && tableSize > 0 && tableSize <= TABLE_CAP && h.shoff + tableSize <= this.size) {
      this.keep(Math.max(0, h.shoff - SHSTRTAB_WINDOW), h.shoff + tableSize);
    }
  }

  /** From the program headers: keep the head up to the end of the first loadable segment, and the dynamic section. */
  private planSegments(h: ElfHeader): void {
    try {
      this.segments = readSegments(this.kept(), h);
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
      this.segments = [];
      return;
    }
    const first = this.segments.filter((s) => s.type === PT_LOAD).sort((a, b) => a.offset - b.offset)[0];
    const tables = h.phoff + h.phnum * h.phentsize;
    this.headUntil = Math.min(this.size, HEAD_CAP, Math.max(tables, first ? first.offset + first.filesz : 0, this.headLength));
    const dynamic = this.segments.find((s) => s.type === PT_DYNAMIC);
    if (dynamic && dynamic.filesz <= TABLE_CAP && dynamic.offset + dynamic.filesz > this.headUntil) this.keep(dynamic.offset, dynamic.offset + dynamic.filesz);
  }

  private keep(start: number, end: number): void {
    const s = Math.max(0, Math.min(start, this.size));
    const e = Math.max(s, Math.min(end, this.size));
    // Bytes already gone by are not pretended to be kept: the range starts where the stream is.
    const from = Math.max(s, this.pos);
    if (e > from) this.ranges.push(new Range(from, e));
  }

  /** The bytes kept so far, for parseElfBytes. */
  private kept(): ElfBytes {
    const head = this.headBytes(this.headLength);
    const ranges = this.ranges;
    const size = this.size;
    return {
      length: size,
      read(at: number, n: number): Buffer {
        if (at + n <= head.length) return head.subarray(at, at + n);
        const r = ranges.find((x) => at >= x.start && at + n <= x.end);
        if (r) return r.buf.subarray(at - r.start, at - r.start + n);
        throw new ElfNotKept(`bytes ${at} to ${at + n} of ${size} lie outside what a streaming read keeps`);
      },
    };
  }
}

/** Scans a file held in memory the way a layer scan does (tests, and files read whole). */
export function scanElf(b: Buffer, chunkSize = 64 * 1024): ElfScan {
  const s = new ElfStream(b.length);
  for (let i = 0; i < b.length; i += chunkSize) if (s.write(b.subarray(i, i + chunkSize)) === "enough") break;
  return s.end();
}

export { kernelContainers };
