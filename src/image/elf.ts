// A reader for what byoc-check needs of an ELF file (issue 6): its class, machine and type, the program interpreter,
// the dynamic section's SONAME, NEEDED, RPATH and RUNPATH, and the section table (where .nv_fatbin and
// __nv_relfatbin live). Every offset is checked against the bytes at hand: a hostile file gets an ElfError, never a
// RangeError or a read past its end. The bytes are a whole file in memory, or the parts of a file that a streaming
// read kept (elf-stream.ts): there, a table outside the kept parts is an ElfNotKept and the rest is still read.

export class ElfError extends Error {}

/** The bytes a part of the file needs were not kept by a streaming read; the part is left out of the result. */
export class ElfNotKept extends ElfError {}

export interface ElfSection {
  name: string;
  type: number;
  offset: number;
  size: number;
}

export interface ElfSegment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  flags: number;
}

export interface ElfInfo {
  bits: 32 | 64;
  endian: "little" | "big";
  /** e_type: 1 relocatable, 2 executable, 3 shared object (or PIE), 4 core. */
  type: number;
  /** e_machine: 62 x86-64, 183 AArch64, 190 NVIDIA CUDA (a cubin), ... */
  machine: number;
  /** e_flags: for a cubin, the SM and the `a` bit (reference §4). */
  flags: number;
  /** PT_INTERP, for an executable: the dynamic loader it names. */
  interpreter?: string;
  soname?: string;
  needed: string[];
  /** DT_RPATH and DT_RUNPATH, split on ":" (with $ORIGIN left for the caller to expand). */
  rpath: string[];
  runpath: string[];
  sections: ElfSection[];
  /** Parts a streaming read could not see (ElfNotKept messages); always empty for a file read whole. */
  unread: string[];
}

/** Random access to a file's bytes: all of them, or the parts a streaming read kept. */
export interface ElfBytes {
  /** The file's full size. */
  readonly length: number;
  /** `n` bytes at `at`; throws ElfNotKept when they are not at hand (the caller has checked they lie inside the file). */
  read(at: number, n: number): Buffer;
}

export const MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
/** Entries read from a table at most: real files have tens of program headers and at most tens of thousands of sections. */
const MAX_ENTRIES = 1 << 16;
/** A name in a string table longer than this is not a library name or a path list. */
const MAX_STRING = 64 * 1024;

export function isElf(b: Buffer): boolean {
  return b.length >= 4 && b.subarray(0, 4).equals(MAGIC);
}

const whole = (b: Buffer): ElfBytes => ({ length: b.length, read: (at, n) => b.subarray(at, at + n) });

/** The fixed part of the header: enough for a streaming reader to know where the tables are. */
export interface ElfHeader {
  bits: 32 | 64;
  endian: "little" | "big";
  type: number;
  machine: number;
  flags: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

class Reader {
  readonly le: boolean;
  constructor(
    readonly src: ElfBytes,
    readonly bits: 32 | 64,
    endian: "little" | "big",
  ) {
    this.le = endian === "little";
  }
  check(at: number, n: number, what: string): void {
    if (!Number.isSafeInteger(at) || !Number.isSafeInteger(n) || at < 0 || n < 0 || at + n > this.src.length) {
      throw new ElfError(`${what} lies outside the file (offset ${at}, ${n} bytes, file ${this.src.length} bytes)`);
    }
  }
  bytes(at: number, n: number, what = "a field"): Buffer {
    this.check(at, n, what);
    return this.src.read(at, n);
  }
  u16(at: number): number {
    const b = this.bytes(at, 2);
    return this.le ? b.readUInt16LE(0) : b.readUInt16BE(0);
  }
  u32(at: number): number {
    const b = this.bytes(at, 4);
    return this.le ? b.readUInt32LE(0) : b.readUInt32BE(0);
  }
  u64(at: number): number {
    const b = this.bytes(at, 8);
    const v = this.le ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`a 64-bit value (${v}) too large to be an offset`);
    return Number(v);
  }
  word(at: number): number {
    return this.bits === 64 ? this.u64(at) : this.u32(at);
  }
  /** A signed tag of the dynamic section. */
  tag(at: number): number {
    const b = this.bytes(at, this.bits / 8);
    if (this.bits === 32) return this.le ? b.readInt32LE(0) : b.readInt32BE(0);
    const v = this.le ? b.readBigInt64LE(0) : b.readBigInt64BE(0);
    return v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER) ? -1 : Number(v);
  }
  /** A NUL-terminated string at `at` that must end before `limit`. */
  cString(at: number, limit: number): string {
    const end = Math.min(limit, this.src.length, at + MAX_STRING);
    this.check(at, 0, "a string");
    if (end <= at) throw new ElfError(`a string at offset ${at} is not terminated`);
    const b = this.bytes(at, end - at, "a string");
    const nul = b.indexOf(0);
    if (nul === -1) throw new ElfError(`a string at offset ${at} is not terminated`);
    return b.toString("latin1", 0, nul);
  }
}

/** Reads the fixed header from the first 64 bytes (52 for 32-bit files). */
export function parseElfHeader(head: Buffer): ElfHeader {
  if (!isElf(head)) throw new ElfError("not an ELF file (no \\x7fELF magic)");
  if (head.length < 52) throw new ElfError("truncated ELF header");
  const bits = head[4] === 1 ? 32 : head[4] === 2 ? 64 : undefined;
  const endian = head[5] === 1 ? "little" : head[5] === 2 ? "big" : undefined;
  if (!bits) throw new ElfError(`unknown ELF class ${head[4]}`);
  if (!endian) throw new ElfError(`unknown ELF data encoding ${head[5]}`);
  if (bits === 64 && head.length < 64) throw new ElfError("truncated ELF header");
  const r = new Reader(whole(head), bits, endian);
  const w = bits === 64;
  return {
    bits,
    endian,
    type: r.u16(16),
    machine: r.u16(18),
    phoff: r.word(w ? 32 : 28),
    shoff: r.word(w ? 40 : 32),
    flags: r.u32(w ? 48 : 36),
    phentsize: r.u16(w ? 54 : 42),
    phnum: r.u16(w ? 56 : 44),
    shentsize: r.u16(w ? 58 : 46),
    shnum: r.u16(w ? 60 : 48),
    shstrndx: r.u16(w ? 62 : 50),
  };
}

/** The program headers: the loader's view (PT_INTERP, PT_DYNAMIC, and PT_LOAD to turn addresses into offsets). */
export function readSegments(src: ElfBytes, h: ElfHeader): ElfSegment[] {
  const r = new Reader(src, h.bits, h.endian);
  const segments: ElfSegment[] = [];
  if (h.phoff === 0 || h.phnum === 0) return segments;
  if (h.phentsize < (h.bits === 64 ? 56 : 32)) throw new ElfError(`program header entries of ${h.phentsize} bytes are too small`);
  r.check(h.phoff, h.phnum * h.phentsize, "the program header table");
  for (let i = 0; i < Math.min(h.phnum, MAX_ENTRIES); i++) {
    const at = h.phoff + i * h.phentsize;
    segments.push(
      h.bits === 64
        ? { type: r.u32(at), flags: r.u32(at + 4), offset: r.u64(at + 8), vaddr: r.u64(at + 16), filesz: r.u64(at + 32) }
        : { type: r.u32(at), offset: r.u32(at + 4), vaddr: r.u32(at + 8), filesz: r.u32(at + 16), flags: r.u32(at + 24) },
    );
  }
  return segments;
}

/** Parses an ELF file held in memory. Throws ElfError when it is not ELF or its tables point outside it. */
export function parseElf(b: Buffer): ElfInfo {
  return parseElfBytes(whole(b), b.subarray(0, 64));
}

/**
 * Parses an ELF file from the bytes at hand. A table outside them (ElfNotKept) is named in `unread` and left out;
 * any other fault throws, as for a file read whole.
 */
export function parseElfBytes(src: ElfBytes, head: Buffer): ElfInfo {
  const h = parseElfHeader(head);
  const r = new Reader(src, h.bits, h.endian);
  const info: ElfInfo = { bits: h.bits, endian: h.endian, type: h.type, machine: h.machine, flags: h.flags, needed: [], rpath: [], runpath: [], sections: [], unread: [] };
  const part = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ElfNotKept)) throw e;
      info.unread.push(e.message);
    }
  };

  let segments: ElfSegment[] = [];
  part(() => {
    segments = readSegments(src, h);
  });
  const offsetOf = (addr: number): number | undefined => {
    const load = segments.find((s) => s.type === PT_LOAD && addr >= s.vaddr && addr < s.vaddr + s.filesz);
    return load ? load.offset + (addr - load.vaddr) : undefined;
  };

  const interp = segments.find((s) => s.type === PT_INTERP);
  if (interp) {
    part(() => {
      r.check(interp.offset, interp.filesz, "PT_INTERP");
      info.interpreter = r.cString(interp.offset, interp.offset + interp.filesz);
    });
  }

  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (dynamic) {
    part(() => {
      r.check(dynamic.offset, dynamic.filesz, "the dynamic section");
      const size = h.bits === 64 ? 16 : 8;
      const entries: Array<[number, number]> = [];
      for (let at = dynamic.offset; at + size <= dynamic.offset + dynamic.filesz && entries.length < MAX_ENTRIES; at += size) {
        const tag = r.tag(at);
        if (tag === DT_NULL) break;
        // Values of tags this reader uses are offsets or addresses; others (flags, hashes) may be any 64-bit value.
        const used = tag === DT_NEEDED || tag === DT_STRTAB || tag === DT_STRSZ || tag === DT_SONAME || tag === DT_RPATH || tag === DT_RUNPATH;
        entries.push([tag, used ? r.word(at + size / 2) : 0]);
      }
      const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
      const strsz = entries.find(([t]) => t === DT_STRSZ)?.[1];
      const named = entries.filter(([t]) => t === DT_NEEDED || t === DT_SONAME || t === DT_RPATH || t === DT_RUNPATH);
      if (named.length === 0) return;
      if (strtabAddr === undefined) throw new ElfError("the dynamic section names libraries but has no DT_STRTAB");
      const strtab = offsetOf(strtabAddr);
      if (strtab === undefined) throw new ElfError(`DT_STRTAB (0x${strtabAddr.toString(16)}) is in no loaded segment`);
      const end = strsz !== undefined ? strtab + strsz : src.length;
      r.check(strtab, end - strtab, "the dynamic string table");
      const str = (off: number) => {
        if (off >= end - strtab) throw new ElfError(`a dynamic string offset (${off}) lies past DT_STRSZ`);
        return r.cString(strtab + off, end);
      };
      const paths = (v: string) => v.split(":").filter((p) => p !== "");
      const out = { needed: [] as string[], rpath: [] as string[], runpath: [] as string[], soname: undefined as string | undefined };
      for (const [tag, val] of named) {
        if (tag === DT_NEEDED) out.needed.push(str(val));
        else if (tag === DT_SONAME) out.soname = str(val);
        else if (tag === DT_RPATH) out.rpath.push(...paths(str(val)));
        else out.runpath.push(...paths(str(val)));
      }
      Object.assign(info, { needed: out.needed, rpath: out.rpath, runpath: out.runpath }, out.soname !== undefined ? { soname: out.soname } : {});
    });
  }

  // Section headers: the linker's view, which names .nv_fatbin and __nv_relfatbin.
  if (h.shoff !== 0 && h.shnum > 0) {
    part(() => {
      if (h.shentsize < (h.bits === 64 ? 64 : 40)) throw new ElfError(`section header entries of ${h.shentsize} bytes are too small`);
      r.check(h.shoff, h.shnum * h.shentsize, "the section header table");
      const raw = Array.from({ length: Math.min(h.shnum, MAX_ENTRIES) }, (_, i) => {
        const at = h.shoff + i * h.shentsize;
        return h.bits === 64
          ? { nameAt: r.u32(at), type: r.u32(at + 4), offset: r.u64(at + 24), size: r.u64(at + 32) }
          : { nameAt: r.u32(at), type: r.u32(at + 4), offset: r.u32(at + 16), size: r.u32(at + 20) };
      });
      const names = raw[h.shstrndx];
      const sections: ElfSection[] = [];
      for (const s of raw) {
        const name = names && names.type !== 8 ? (s.nameAt < names.size ? r.cString(names.offset + s.nameAt, names.offset + names.size) : "") : "";
        sections.push({ name, type: s.type, offset: s.offset, size: s.size });
      }
      info.sections = sections;
    });
  }
  return info;
}

/** A section's bytes, checked to lie inside the file; undefined when there is no such section or it holds no bytes (SHT_NOBITS). */
export function sectionBytes(b: Buffer, info: ElfInfo, name: string): Buffer | undefined {
  const s = info.sections.find((x) => x.name === name);
  if (!s || s.type === 8) return undefined;
  if (s.offset + s.size > b.length) throw new ElfError(`section ${name} lies outside the file`);
  return b.subarray(s.offset, s.offset + s.size);
}
