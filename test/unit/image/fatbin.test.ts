import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseElf } from "../../../src/image/elf.js";
import { scanElf } from "../../../src/image/elf-stream.js";
import { entryName, FatbinScanner, kernelContainers, listFatbins, type FatbinContainer } from "../../../src/image/fatbin.js";

// Real CUDA binaries, built here with the machine's nvcc from two small translation units; what each must hold is
// derived from its -gencode flags, never from the parser. Without nvcc the suite fails, unless BYOC_NO_NVCC=1 says
// the machine has none on purpose (CI has it: ../shared/machine.md).
const nvcc = spawnSync("nvcc", ["--version"], { encoding: "utf8" });
const hasNvcc = nvcc.status === 0;
const release = /release (\d+\.\d+)/.exec(nvcc.stdout ?? "")?.[1];
/** The PTX ISA each nvcc release writes (reference cuda-efa.md §2.2, the PTX ISA to CUDA table). */
const PTX_ISA: Record<string, string> = { "12.4": "8.4", "12.8": "8.7", "12.9": "8.8", "13.0": "9.0", "13.1": "9.1", "13.2": "9.2" };

const K1 = `__global__ void add(float *a, const float *b, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) a[i] += b[i]; }
extern "C" void launch(float *a, const float *b, int n) { add<<<(n + 255) / 256, 256>>>(a, b, n); }
`;
const K2 = `__global__ void mul(float *a, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) a[i] *= 2.0f; }
extern "C" void launch2(float *a, int n) { mul<<<(n + 255) / 256, 256>>>(a, n); }
`;

interface Build {
  name: string;
  /** -gencode pairs: arch=compute_X, code=[...]. */
  gencode: Array<[string, string[]]>;
  units: 1 | 2;
  extra?: string[];
  compress?: "none" | "size";
}

const BUILDS: Build[] = [
  { name: "sass80-ptx90", gencode: [["compute_80", ["sm_80"]], ["compute_90", ["compute_90"]]], units: 2 },
  { name: "sm75-sm90a-sm100f", gencode: [["compute_75", ["sm_75"]], ["compute_90a", ["sm_90a"]], ["compute_100f", ["sm_100f"]]], units: 1 },
  { name: "ptx-only-86", gencode: [["compute_86", ["compute_86"]]], units: 1 },
  { name: "compressed-120", gencode: [["compute_120", ["sm_120", "compute_120"]]], units: 1, compress: "size" },
  { name: "uncompressed-89-ptx90a", gencode: [["compute_89", ["sm_89", "compute_89"]], ["compute_90a", ["compute_90a"]]], units: 1, compress: "none" },
  { name: "rdc-80", gencode: [["compute_80", ["sm_80", "compute_80"]]], units: 2, extra: ["-rdc=true"] },
  {
    name: "blackwell-mix",
    gencode: [["compute_86", ["sm_86"]], ["compute_89", ["sm_89"]], ["compute_103a", ["sm_103a"]], ["compute_110f", ["sm_110f"]], ["compute_121a", ["sm_121a"]], ["compute_120f", ["compute_120f"]]],
    units: 1,
  },
];

const codes = (b: Build) => b.gencode.flatMap(([, c]) => c);
const sassOf = (b: Build) => codes(b).filter((c) => c.startsWith("sm_")).sort();
const ptxOf = (b: Build) => codes(b).filter((c) => c.startsWith("compute_")).sort();
const names = (c: FatbinContainer, kind?: "sass" | "ptx") => c.entries.filter((e) => !kind || e.kind === kind).map(entryName).sort();

let dir = "";
const built = new Map<string, Buffer>();

describe.skipIf(!hasNvcc && process.env.BYOC_NO_NVCC === "1")("fatbins of real nvcc builds", () => {
  beforeAll(async () => {
    expect(hasNvcc, "nvcc is not on PATH: these tests need real CUDA binaries (set BYOC_NO_NVCC=1 on a machine without CUDA)").toBe(true);
    dir = mkdtempSync(join(tmpdir(), "byoc-fatbin-"));
    writeFileSync(join(dir, "k1.cu"), K1);
    writeFileSync(join(dir, "k2.cu"), K2);
    const run = promisify(execFile);
    // Two at a time: nvcc is CPU-bound and the machine has two cores.
    const queue = [...BUILDS];
    const worker = async () => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        const args = ["-shared", "-Xcompiler", "-fPIC", ...(b.extra ?? []), ...(b.compress ? [`--compress-mode=${b.compress}`] : [])];
        for (const [arch, code] of b.gencode) args.push("-gencode", `arch=${arch},code=[${code.join(",")}]`);
        const out = join(dir, `lib${b.name}.so`);
        await run("nvcc", [...args, "-o", out, join(dir, "k1.cu"), ...(b.units === 2 ? [join(dir, "k2.cu")] : [])], { cwd: dir });
        built.set(b.name, readFileSync(out));
      }
    };
    await Promise.all([worker(), worker()]);
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(BUILDS.map((b) => [b.name, b] as const))("%s: the listing matches the -gencode flags exactly", (_, b) => {
    const file = built.get(b.name)!;
    const { elf, fatbins, fatbinProblems } = scanElf(file);
    expect(fatbinProblems).toEqual([]);
    expect(elf?.sections.map((s) => s.name)).toContain(".nv_fatbin");
    const rdc = (b.extra ?? []).includes("-rdc=true");
    // Every container lies in a fatbin section, and is registered by a wrapper in .nvFatBinSegment.
    for (const c of fatbins) {
      expect([".nv_fatbin", "__nv_relfatbin"]).toContain(c.section);
      expect(c.registered).toBeDefined();
    }
    const modules = fatbins.filter((c) => c.registered === "module");
    const linked = fatbins.filter((c) => c.registered === "linked");
    // One device-link output per link; one module per translation unit (in __nv_relfatbin with -rdc=true).
    expect(linked).toHaveLength(1);
    expect(linked[0]!.section).toBe(".nv_fatbin");
    expect(modules).toHaveLength(b.units);
    for (const m of modules) {
      expect(m.section).toBe(rdc ? "__nv_relfatbin" : ".nv_fatbin");
      expect(names(m)).toEqual([...sassOf(b), ...ptxOf(b)].sort());
      for (const e of m.entries.filter((x) => x.kind === "ptx")) expect(e.ptxIsa).toBe(PTX_ISA[release!]);
    }
    // The device-link output holds SASS only: an empty container for a PTX-only build.
    expect(names(linked[0]!)).toEqual(sassOf(b));
    const entries = fatbins.flatMap((c) => c.entries);
    if (b.compress === "none") expect(entries.every((e) => e.compression === "none")).toBe(true);
    if (b.compress === "size") expect(entries.every((e) => e.compression === "zstd")).toBe(true);
    if (!b.compress) expect(entries.filter((e) => e.kind === "ptx").every((e) => e.compression === "zstd")).toBe(true);
    // The containers that hold kernels: the modules, and the linked output only where device code is relocatable.
    expect(kernelContainers(fatbins).map((c) => c.offset).sort()).toEqual((rdc ? [...modules, ...linked] : modules).map((c) => c.offset).sort());
  });

  it("a and f variants carry the flags reference §4.3 gives (0x100000, 0x200000)", () => {
    const { fatbins } = scanElf(built.get("sm75-sm90a-sm100f")!);
    const byName = new Map(fatbins.flatMap((c) => c.entries).map((e) => [entryName(e), e]));
    expect(byName.get("sm_90a")!.flags & 0x100000).toBe(0x100000);
    expect(byName.get("sm_100f")!.flags & 0x200000).toBe(0x200000);
    expect(byName.get("sm_75")!.flags & 0x300000).toBe(0);
  });

  it("the streaming read gives what a whole read gives, whatever the chunk size", () => {
    for (const b of BUILDS) {
      const file = built.get(b.name)!;
      const whole = parseElf(file);
      const reference = listFatbins(file);
      for (const size of [7, 509, 4096, 65536 + 3, 1 << 20]) {
        const { elf, fatbins } = scanElf(file, size);
        expect(elf, `${b.name} in chunks of ${size}`).toEqual(whole);
        expect(fatbins.map((c) => ({ offset: c.offset, entries: c.entries }))).toEqual(reference.containers.map((c) => ({ offset: c.offset, entries: c.entries })));
      }
    }
  });

  it("never throws on corrupted fatbins, and reports what does not parse", () => {
    const file = built.get("sass80-ptx90")!;
    const section = parseElf(file).sections.find((s) => s.name === ".nv_fatbin")!;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: section.size - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4096 }), (edits, chunk) => {
        // The section alone (8-byte aligned in the file, so alignment is kept), with some bytes after it.
        const b = Buffer.from(file.subarray(section.offset, section.offset + section.size + 256));
        for (const [at, v] of edits) b[at] = v;
        const s = new FatbinScanner(b.length);
        for (let i = 0; i < b.length; i += chunk) s.write(b.subarray(i, i + chunk));
        const { containers } = s.end();
        for (const c of containers) for (const e of c.entries) expect(e.offset + e.size).toBeLessThanOrEqual(b.length);
      }),
      { seed: 6, numRuns: 300 },
    );
  });
});

describe("kernelContainers", () => {
  const sass = (arch: number) => ({ kind: "sass" as const, kindCode: 2, arch, variant: "" as const, compression: "none" as const, flags: 0x11, offset: 0, size: 64 });
  it("leaves out a container no wrapper registers when others are registered, as CUDA 11.8's device-link output", () => {
    const dlink: FatbinContainer = { offset: 0, section: ".nv_fatbin", entries: [sass(80)] };
    const tu: FatbinContainer = { offset: 64, section: ".nv_fatbin", registered: "module", entries: [sass(80)] };
    expect(kernelContainers([dlink, tu])).toEqual([tu]);
    // With no wrapper found at all, nothing says which are loaded: every container with entries counts.
    const bare = { ...tu, registered: undefined };
    expect(kernelContainers([dlink, bare])).toHaveLength(2);
  });
});

describe("the fatbin scan on files that are not CUDA", () => {
  it("finds nothing in the Node.js binary and reads its ELF as a whole read does", () => {
    const node = readFileSync(realpathSync(process.execPath));
    const { elf, fatbins } = scanElf(node);
    expect(fatbins).toEqual([]);
    expect(elf).toEqual(parseElf(node));
  });

  it("ignores a magic that is unaligned or has a header that does not fit", () => {
    const b = Buffer.alloc(4096);
    b.writeUInt32LE(0xba55ed50, 12); // unaligned
    b.writeUInt32LE(0xba55ed50, 64); // aligned, version 7
    b.writeUInt16LE(7, 68);
    b.writeUInt32LE(0xba55ed50, 128); // aligned, payload past the end of the file
    b.writeUInt16LE(1, 132);
    b.writeUInt16LE(16, 134);
    b.writeBigUInt64LE(1n << 40n, 136);
    expect(listFatbins(b)).toEqual({ containers: [], problems: [] });
  });

  it("lists an empty container and says when a container is cut short", () => {
    const b = Buffer.alloc(256);
    b.writeUInt32LE(0xba55ed50, 0);
    b.writeUInt16LE(1, 4);
    b.writeUInt16LE(16, 6); // payload 0: empty
    b.writeUInt32LE(0xba55ed50, 16);
    b.writeUInt16LE(1, 20);
    b.writeUInt16LE(16, 22);
    b.writeBigUInt64LE(164n, 24);
    // One PTX entry for compute_90, ISA 9.0, header 64, payload 100, and a stream that ends inside it.
    b.writeUInt16LE(1, 32);
    b.writeUInt16LE(0x0101, 34);
    b.writeUInt32LE(64, 36);
    b.writeUInt32LE(100, 40);
    b.writeUInt16LE(0, 32 + 0x18);
    b.writeUInt16LE(9, 32 + 0x1a);
    b.writeUInt32LE(90, 32 + 0x1c);
    const s = new FatbinScanner(b.length);
    s.write(b.subarray(0, 150));
    const { containers, problems } = s.end();
    expect(containers.map((c) => c.entries.map(entryName))).toEqual([[], ["compute_90"]]);
    expect(containers[1]!.entries[0]!.ptxIsa).toBe("9.0");
    expect(problems).toEqual(["the container at offset 16 is cut short at the end of the file"]);
  });
});
