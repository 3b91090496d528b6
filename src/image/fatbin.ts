// CUDA fat binaries (reference cuda-efa.md §4): the containers nvcc embeds in host ELF files (.nv_fatbin,
// __nv_relfatbin), listed without decompressing anything: every container, every entry's kind, architecture with its
// arch-specific (`a`) or family (`f`) flag, PTX ISA version and compression.

/** 1 = PTX, 2 = ELF cubin (SASS); other kinds (LTO-IR, ...) are kept with their number and never run. */
export type FatbinKind = "ptx" | "sass" | "other";

export interface FatbinEntry {
  kind: FatbinKind;
  /** The raw kind field, for the kinds byoc-check does not name. */
  kindCode: number;
  /** The SM number: 90 for sm_90 / compute_90, 100 for sm_100a. */
  arch: number;
  /** "a": arch-specific (flag 0x100000), runs only on exactly that GPU; "f": family-specific (0x200000). */
  variant: "" | "a" | "f";
  /** For PTX: the ISA version (major.minor from the entry header), e.g. "9.0". */
  ptxIsa?: string;
  compression: "none" | "lz4" | "zstd";
  flags: number;
  /** Offset of the entry's header within the file. */
  offset: number;
  /** Header plus payload, as the container lays them out. */
  size: number;
}

export interface FatbinContainer {
  /** Offset of the 16-byte container header within the file. */
  offset: number;
  /** The ELF section it lies in, when the file's section table could be read (".nv_fatbin", "__nv_relfatbin", ...). */
  section?: string;
  /**
   * How the host code registers it, from the __fatBinC_Wrapper_t that points at it (§4.1): "module" (version 1, a
   * translation unit's code) or "linked" (version 2, nvlink's device-link output). Absent when no wrapper was found.
   */
  registered?: "module" | "linked";
  entries: FatbinEntry[];
}

/** `sm_90a`, `compute_100f`: the name cuobjdump and nvcc use for an entry. */
export function entryName(e: Pick<FatbinEntry, "kind" | "arch" | "variant">): string {
  return `${e.kind === "ptx" ? "compute" : "sm"}_${e.arch}${e.variant}`;
}

export const FATBIN_MAGIC = 0xba55ed50;
const MAGIC_BYTES = Buffer.from([0x50, 0xed, 0x55, 0xba]);
const CONTAINER_HEADER = 16;
/** The fields every entry header has; `header_size` says how long this one really is (64 to 112 seen, §4.3). */
const ENTRY_HEADER_MIN = 64;
const ENTRY_HEADER_MAX = 4096;
const ENTRY_VERSION = 0x0101;
const FLAG_LZ4 = 0x2000;
const FLAG_ZSTD = 0x8000;
const FLAG_ARCH_SPECIFIC = 0x100000;
const FLAG_FAMILY = 0x200000;
/** A library with more entries than this is hostile, not big: cuBLAS 11.8 has 1,580. */
const MAX_ENTRIES = 1_000_000;

/** What a streaming scan found: the containers, and what in them did not parse. */
export interface FatbinListing {
  containers: FatbinContainer[];
  /** Containers that were cut short or held an entry header that does not parse, with where. */
  problems: string[];
}

type Open = { container: FatbinContainer; end: number };
type State =
  | { m: "search" }
  | { m: "container"; at: number }
  | { m: "entry"; at: number; open: Open }
  /** Past a payload; then the next entry of `open`, or (none) a search. */
  | { m: "skip"; to: number; open?: Open };

/**
 * Finds fatbin containers in a file streamed through it once, in order, holding only the header being read. A
 * container is recognised by its magic at an 8-byte aligned offset and kept only if its header and every entry header
 * agree with the layout (§4.2-4.3); payloads are skipped unread. This is the reference's fallback scan; callers that
 * get the ELF section table afterwards label each container with its section (labelSections).
 */
export class FatbinScanner {
  private pos = 0;
  private state: State = { m: "search" };
  /** The bytes of the header being read. */
  private acc = Buffer.alloc(ENTRY_HEADER_MIN);
  private got = 0;
  /** The last bytes of the previous chunk, in case a magic straddles two chunks. */
  private carry = Buffer.alloc(0);
  private carryStart = 0;
  private entries = 0;
  readonly containers: FatbinContainer[] = [];
  readonly problems: string[] = [];

  private readonly fileSize: number;

  constructor(fileSize: number) {
    this.fileSize = fileSize;
  }

  write(chunk: Buffer): void {
    this.feed(chunk, this.pos);
    this.pos += chunk.length;
  }

  end(): FatbinListing {
    // A magic in the last bytes with no room for a header is no container; an open container is one cut short.
    const open = this.state.m === "entry" || this.state.m === "skip" ? this.state.open : undefined;
    if (open) this.problems.push(`the container at offset ${open.container.offset} is cut short at the end of the file`);
    this.state = { m: "search" };
    return { containers: this.containers, problems: this.problems };
  }

  /** Processes `chunk`, whose first byte is at file offset `start`. */
  private feed(chunk: Buffer, start: number): void {
    let i = 0;
    while (i < chunk.length) {
      const s = this.state;
      if (s.m === "search") {
        i = this.search(chunk, start, i);
      } else if (s.m === "skip") {
        const n = Math.min(s.to - (start + i), chunk.length - i);
        i += n;
        if (start + i === s.to) {
          if (s.open) this.next(s.open, s.to);
          else this.state = { m: "search" };
        }
      } else {
        const need = s.m === "container" ? CONTAINER_HEADER : ENTRY_HEADER_MIN;
        const n = Math.min(need - this.got, chunk.length - i);
        chunk.copy(this.acc, this.got, i, i + n);
        this.got += n;
        i += n;
        if (this.got === need) {
          this.got = 0;
          if (s.m === "container") this.onContainer(s.at, start + i);
          else this.onEntry(s.at, s.open, start + i);
        }
      }
    }
  }

  /** Looks for an aligned magic from chunk[i]; returns where processing goes on. */
  private search(chunk: Buffer, start: number, i: number): number {
    // The last bytes before, when they join on: a magic may begin there and end in this chunk.
    const prefix = this.carry.length > 0 && this.carryStart + this.carry.length === start + i ? this.carry : Buffer.alloc(0);
    const prefixStart = this.carryStart;
    this.carry = Buffer.alloc(0);
    if (prefix.length > 0) {
      const joined = Buffer.concat([prefix, chunk.subarray(i, i + 3)]);
      for (let q = joined.indexOf(MAGIC_BYTES); q !== -1 && q < prefix.length; q = joined.indexOf(MAGIC_BYTES, q + 1)) {
        if ((prefixStart + q) % 8 !== 0) continue;
        this.state = { m: "container", at: prefixStart + q };
        prefix.copy(this.acc, 0, q);
        this.got = prefix.length - q;
        return i;
      }
    }
    let j = chunk.indexOf(MAGIC_BYTES, i);
    while (j !== -1 && (start + j) % 8 !== 0) j = chunk.indexOf(MAGIC_BYTES, j + 1);
    if (j === -1) {
      const tail = Buffer.concat([prefix, chunk.subarray(Math.max(i, chunk.length - 3))]);
      this.carry = Buffer.from(tail.subarray(Math.max(0, tail.length - 3)));
      this.carryStart = start + chunk.length - this.carry.length;
      return chunk.length;
    }
    this.state = { m: "container", at: start + j };
    return j;
  }

  private onContainer(at: number, here: number): void {
    const h = this.acc;
    const version = h.readUInt16LE(4);
    const headerSize = h.readUInt16LE(6);
    const payload = Number(h.readBigUInt64LE(8));
    const end = at + headerSize + payload;
    if (version !== 1 || headerSize < CONTAINER_HEADER || headerSize > 256 || end > this.fileSize) {
      // Not a container after all: look again from the next aligned offset, in the bytes just read.
      this.state = { m: "search" };
      this.feed(Buffer.from(h.subarray(8, CONTAINER_HEADER)), at + 8);
      return;
    }
    const container: FatbinContainer = { offset: at, entries: [] };
    this.containers.push(container);
    const open = { container, end };
    if (payload === 0) this.state = { m: "search" };
    else if (at + headerSize === here) this.state = { m: "entry", at: here, open };
    else this.state = { m: "skip", to: at + headerSize, open };
  }

  private onEntry(at: number, open: Open, here: number): void {
    const h = this.acc;
    const kindCode = h.readUInt16LE(0);
    const version = h.readUInt16LE(2);
    const headerSize = h.readUInt32LE(4);
    // The low half is the padded payload size; ZLUDA and DataDog read the high half as a separate field (§4.3).
    const payload = h.readUInt32LE(8);
    const end = at + headerSize + payload;
    if (version !== ENTRY_VERSION || headerSize < ENTRY_HEADER_MIN || headerSize > ENTRY_HEADER_MAX || end > open.end || kindCode === 0) {
      this.problems.push(`the container at offset ${open.container.offset} has an entry header at offset ${at} that does not parse (kind ${kindCode}, version 0x${version.toString(16)}, header ${headerSize} bytes)`);
      this.state = { m: "search" };
      this.feed(Buffer.from(h.subarray(0, ENTRY_HEADER_MIN)), at);
      return;
    }
    if (++this.entries > MAX_ENTRIES) {
      this.problems.push(`more than ${MAX_ENTRIES} entries: the rest of the file is not listed`);
      this.state = { m: "skip", to: this.fileSize };
      return;
    }
    const flags = Number(h.readBigUInt64LE(0x28) & 0xffffffffffffn);
    const kind: FatbinKind = kindCode === 1 ? "ptx" : kindCode === 2 ? "sass" : "other";
    const entry: FatbinEntry = {
      kind,
      kindCode,
      arch: h.readUInt32LE(0x1c),
      variant: flags & FLAG_ARCH_SPECIFIC ? "a" : flags & FLAG_FAMILY ? "f" : "",
      compression: flags & FLAG_ZSTD ? "zstd" : flags & FLAG_LZ4 ? "lz4" : "none",
      flags,
      offset: at,
      size: headerSize + payload,
    };
    if (kind === "ptx") entry.ptxIsa = `${h.readUInt16LE(0x1a)}.${h.readUInt16LE(0x18)}`;
    open.container.entries.push(entry);
    if (end === here) this.next(open, end);
    else this.state = { m: "skip", to: end, open };
  }

  /** After an entry ending at `at`: the next entry, or the end of the container. */
  private next(open: Open, at: number): void {
    if (at === open.end) this.state = { m: "search" };
    else if (open.end - at < ENTRY_HEADER_MIN) {
      this.problems.push(`the container at offset ${open.container.offset} ends with ${open.end - at} bytes that are no entry`);
      this.state = { m: "skip", to: open.end };
    } else this.state = { m: "entry", at, open };
  }
}

/** Lists the fatbin containers of a file held in memory (the same scan, fed at once). */
export function listFatbins(b: Buffer): FatbinListing {
  const s = new FatbinScanner(b.length);
  s.write(b);
  return s.end();
}

const WRAPPER_MAGIC = Buffer.from([0xb1, 0x43, 0x62, 0x46]);
const WRAPPER_SIZE = 24;

/** A __fatBinC_Wrapper_t: {u32 magic 0x466243B1, u32 version, u64 address of the fatbin, u64 filename or fatbins}. */
export interface FatbinWrapper {
  offset: number;
  version: number;
  /** The fatbin's link-time virtual address (in a shared object, the R_X86_64_RELATIVE addend written in place). */
  address: number;
}

/** Finds fatbin wrappers (in .nvFatBinSegment) in a file streamed through it once, at 8-byte aligned offsets. */
export class WrapperScanner {
  private pos = 0;
  private carry = Buffer.alloc(0);
  readonly wrappers: FatbinWrapper[] = [];

  write(chunk: Buffer): void {
    // The carried bytes are a record that began in an earlier chunk (up to 23 bytes) or the tail that may start a magic.
    const joined = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const start = this.pos - this.carry.length;
    this.pos += chunk.length;
    let keepFrom = Math.max(0, joined.length - 3);
    for (let j = joined.indexOf(WRAPPER_MAGIC); j !== -1; j = joined.indexOf(WRAPPER_MAGIC, j + 1)) {
      if ((start + j) % 8 !== 0) continue;
      if (j + WRAPPER_SIZE > joined.length) {
        keepFrom = Math.min(keepFrom, j);
        break;
      }
      const address = joined.readBigUInt64LE(j + 8);
      if (address <= BigInt(Number.MAX_SAFE_INTEGER)) this.wrappers.push({ offset: start + j, version: joined.readUInt32LE(j + 4), address: Number(address) });
    }
    this.carry = Buffer.from(joined.subarray(keepFrom));
  }
}

/** Marks each container with how it is registered, mapping the wrappers' addresses to file offsets. */
export function labelRegistrations(containers: readonly FatbinContainer[], wrappers: readonly FatbinWrapper[], offsetOf: (address: number) => number | undefined): void {
  const byOffset = new Map(containers.map((c) => [c.offset, c]));
  for (const w of wrappers) {
    const at = offsetOf(w.address);
    const c = at === undefined ? undefined : byOffset.get(at);
    if (c && (w.version === 1 || w.version === 2)) c.registered = w.version === 2 ? "linked" : "module";
  }
}

/**
 * The containers whose entries hold the kernels the runtime loads, which is what §4.5 rule 4 judges. Left out, from
 * nvcc 13.0 builds (EMPIRICAL, see test/unit/image/fatbin.test.ts): an empty container (a PTX-only build's device-link
 * output), and, in a file without relocatable device code (no __nv_relfatbin), the device-link output ("linked"),
 * whose cubins carry notes and no kernels. With relocatable device code the linked container holds the kernels.
 * CUDA 11.8 libraries (Debian's libnvjpeg 11.9) keep that device-link output without registering it at all: where
 * wrappers register some containers, one no wrapper points at is never loaded.
 */
export function kernelContainers(containers: readonly FatbinContainer[]): FatbinContainer[] {
  const rdc = containers.some((c) => c.section === "__nv_relfatbin");
  const wrapped = containers.some((c) => c.registered !== undefined);
  return containers.filter((c) => c.entries.length > 0 && (rdc || c.registered !== "linked") && (!wrapped || c.registered !== undefined));
}

/** The section names that hold fatbins (§4.1): non-RDC code, and relocatable device code (NCCL keeps most there). */
export const FATBIN_SECTIONS: readonly string[] = [".nv_fatbin", "__nv_relfatbin"];

/** Labels each container with the ELF section it lies in. */
export function labelSections(containers: readonly FatbinContainer[], sections: ReadonlyArray<{ name: string; offset: number; size: number; type: number }>): void {
  for (const c of containers) {
    const s = sections.find((x) => x.type !== 8 && x.size > 0 && c.offset >= x.offset && c.offset < x.offset + x.size);
    if (s) c.section = s.name;
  }
}
