// A reader for what byoc-check needs of an ELF file (issue 6): its class, machine and type, the program interpreter,
// the dynamic section's SONAME, NEEDED, RPATH and RUNPATH, and the section table (where .nv_fatbin and
// __nv_relfatbin live). Every offset is checked against the buffer: a hostile file gets an ElfError, never a RangeError
// or a read past its end.

export class ElfError extends Error {}

export interface ElfSection {
  name: string;
  type: number;
  offset: number;
  size: number;
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
}

const MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
/** Entries read from a table at most: real files have tens of program headers and at most tens of thousands of sections. */
const MAX_ENTRIES = 1 << 16;

export function isElf(b: Buffer): boolean {
  return b.length >= 4 && b.subarray(0, 4).equals(MAGIC);
}

/** Parses an ELF file held in memory. Throws ElfError when it is not ELF or its tables point outside it. */
export function parseElf(b: Buffer): ElfInfo {
  if (!isElf(b)) throw new ElfError("not an ELF file (no \\x7fELF magic)");
  if (b.length < 52) throw new ElfError("truncated ELF header");
  const bits = b[4] === 1 ? 32 : b[4] === 2 ? 64 : undefined;
  const endian = b[5] === 1 ? "little" : b[5] === 2 ? "big" : undefined;
  if (!bits) throw new ElfError(`unknown ELF class ${b[4]}`);
  if (!endian) throw new ElfError(`unknown ELF data encoding ${b[5]}`);
  if (bits === 64 && b.length < 64) throw new ElfError("truncated ELF header");
  const le = endian === "little";
  const check = (at: number, n: number, what: string) => {
    if (!Number.isSafeInteger(at) || at < 0 || n < 0 || at + n > b.length) throw new ElfError(`${what} lies outside the file (offset ${at}, ${n} bytes, file ${b.length} bytes)`);
  };
  const u16 = (at: number) => (check(at, 2, "a field"), le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (at: number) => (check(at, 4, "a field"), le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const u64 = (at: number) => {
    check(at, 8, "a field");
    const v = le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`a 64-bit value (${v}) too large to be an offset`);
    return Number(v);
  };
  const word = bits === 64 ? u64 : u32;

  const type = u16(16);
  const machine = u16(18);
  const phoff = word(bits === 64 ? 32 : 28);
  const shoff = word(bits === 64 ? 40 : 32);
  const flags = u32(bits === 64 ? 48 : 36);
  const phentsize = u16(bits === 64 ? 54 : 42);
  const phnum = u16(bits === 64 ? 56 : 44);
  const shentsize = u16(bits === 64 ? 58 : 46);
  const shnum = u16(bits === 64 ? 60 : 48);
  const shstrndx = u16(bits === 64 ? 62 : 50);

  const cString = (at: number, limit = b.length): string => {
    check(at, 0, "a string");
    const end = b.indexOf(0, at);
    if (end === -1 || end > limit) throw new ElfError(`a string at offset ${at} is not terminated`);
    return b.toString("latin1", at, end);
  };

  // Program headers: the loader's view (PT_INTERP, PT_DYNAMIC, and PT_LOAD to turn addresses into offsets).
  const segments: Array<{ type: number; offset: number; vaddr: number; filesz: number }> = [];
  if (phoff !== 0 && phnum > 0) {
    if (phentsize < (bits === 64 ? 56 : 32)) throw new ElfError(`program header entries of ${phentsize} bytes are too small`);
    check(phoff, phnum * phentsize, "the program header table");
    for (let i = 0; i < Math.min(phnum, MAX_ENTRIES); i++) {
      const at = phoff + i * phentsize;
      segments.push(
        bits === 64
          ? { type: u32(at), offset: u64(at + 8), vaddr: u64(at + 16), filesz: u64(at + 32) }
          : { type: u32(at), offset: u32(at + 4), vaddr: u32(at + 8), filesz: u32(at + 16) },
      );
    }
  }
  const offsetOf = (addr: number): number | undefined => {
    const load = segments.find((s) => s.type === PT_LOAD && addr >= s.vaddr && addr < s.vaddr + s.filesz);
    return load ? load.offset + (addr - load.vaddr) : undefined;
  };

  const info: ElfInfo = { bits, endian, type, machine, flags, needed: [], rpath: [], runpath: [], sections: [] };
  const interp = segments.find((s) => s.type === PT_INTERP);
  if (interp) {
    check(interp.offset, interp.filesz, "PT_INTERP");
    info.interpreter = cString(interp.offset, interp.offset + interp.filesz);
  }

  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (dynamic) {
    check(dynamic.offset, dynamic.filesz, "the dynamic section");
    const size = bits === 64 ? 16 : 8;
    const entries: Array<[number, number]> = [];
    for (let at = dynamic.offset; at + size <= dynamic.offset + dynamic.filesz && entries.length < MAX_ENTRIES; at += size) {
      const tag = bits === 64 ? Number(le ? b.readBigInt64LE(at) : b.readBigInt64BE(at)) : le ? b.readInt32LE(at) : b.readInt32BE(at);
      if (tag === DT_NULL) break;
      // Values of tags this reader uses are offsets or addresses; others (flags, hashes) may be any 64-bit value.
      const used = tag === DT_NEEDED || tag === DT_STRTAB || tag === DT_STRSZ || tag === DT_SONAME || tag === DT_RPATH || tag === DT_RUNPATH;
      entries.push([tag, used ? word(at + size / 2) : 0]);
    }
    const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
    const strsz = entries.find(([t]) => t === DT_STRSZ)?.[1];
    const named = entries.filter(([t]) => t === DT_NEEDED || t === DT_SONAME || t === DT_RPATH || t === DT_RUNPATH);
    if (named.length > 0) {
      if (strtabAddr === undefined) throw new ElfError("the dynamic section names libraries but has no DT_STRTAB");
      const strtab = offsetOf(strtabAddr);
      if (strtab === undefined) throw new ElfError(`DT_STRTAB (0x${strtabAddr.toString(16)}) is in no loaded segment`);
      const end = strsz !== undefined ? strtab + strsz : b.length;
      check(strtab, end - strtab, "the dynamic string table");
      const str = (off: number) => {
        if (off >= end - strtab) throw new ElfError(`a dynamic string offset (${off}) lies past DT_STRSZ`);
        return cString(strtab + off, end);
      };
      const paths = (v: string) => v.split(":").filter((p) => p !== "");
      for (const [tag, val] of named) {
        if (tag === DT_NEEDED) info.needed.push(str(val));
        else if (tag === DT_SONAME) info.soname = str(val);
        else if (tag === DT_RPATH) info.rpath.push(...paths(str(val)));
        else info.runpath.push(...paths(str(val)));
      }
    }
  }

  // Section headers: the linker's view, which names .nv_fatbin and __nv_relfatbin.
  if (shoff !== 0 && shnum > 0) {
    if (shentsize < (bits === 64 ? 64 : 40)) throw new ElfError(`section header entries of ${shentsize} bytes are too small`);
    check(shoff, shnum * shentsize, "the section header table");
    const raw = Array.from({ length: Math.min(shnum, MAX_ENTRIES) }, (_, i) => {
      const at = shoff + i * shentsize;
      return bits === 64
        ? { nameAt: u32(at), type: u32(at + 4), offset: u64(at + 24), size: u64(at + 32) }
        : { nameAt: u32(at), type: u32(at + 4), offset: u32(at + 16), size: u32(at + 20) };
    });
    const names = raw[shstrndx];
    for (const s of raw) {
      const name = names && names.type !== 8 ? (s.nameAt < names.size ? cString(names.offset + s.nameAt, names.offset + names.size) : "") : "";
      info.sections.push({ name, type: s.type, offset: s.offset, size: s.size });
    }
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
