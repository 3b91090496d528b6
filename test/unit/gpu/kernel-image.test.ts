import { describe, expect, it } from "vitest";
import { archToCapability, entryFit, libraryFit, parseComputeCapability, type PtxJit } from "../../../src/gpu/kernel-image.js";
import { knowledge, lib, ptx, sass } from "./build.js";

const cc = (s: string) => parseComputeCapability(s)!;
const driverCuda = (major: number, minor: number): PtxJit => ({ maxCuda: { major, minor }, tables: knowledge.cuda });
const recent = driverCuda(13, 0);

describe("one fatbin entry on one GPU (reference section 4.5)", () => {
  it.each([
    // rule 1: plain SASS runs within its major on the same or a higher minor
    ["sm_80", sass(80), "8.6", "sass"],
    ["sm_80", sass(80), "8.9", "sass"],
    ["sm_86", sass(86), "8.9", "sass"],
    ["sm_86", sass(86), "8.0", "wrong-arch"],
    ["sm_90", sass(90), "10.0", "wrong-arch"],
    ["sm_100", sass(100), "12.0", "wrong-arch"],
    ["sm_75", sass(75), "7.5", "sass"],
    // rule 2: `a` only on exactly that GPU; `f` within the family
    ["sm_90a", sass(90, "a"), "9.0", "sass"],
    ["sm_90a", sass(90, "a"), "10.0", "wrong-arch"],
    ["sm_100a", sass(100, "a"), "10.3", "wrong-arch"],
    ["sm_100f", sass(100, "f"), "10.3", "sass"],
    ["sm_100f", sass(100, "f"), "10.0", "sass"],
    ["sm_100f", sass(100, "f"), "12.0", "wrong-arch"],
    // rule 3: PTX runs forward, on any GPU at least its arch; compute_90a only on 9.0
    ["compute_80 (ISA 7.8)", ptx(80, "7.8"), "9.0", "jit"],
    ["compute_80 (ISA 7.8)", ptx(80, "7.8"), "12.0", "jit"],
    ["compute_90 (ISA 8.1)", ptx(90, "8.1"), "8.6", "wrong-arch"],
    ["compute_90a (ISA 8.4)", ptx(90, "8.4", "a"), "10.0", "wrong-arch"],
    ["compute_100f (ISA 9.0)", ptx(100, "9.0", "f"), "12.0", "wrong-arch"],
  ])("%s on %s: %s", (_name, e, gpu, fit) => {
    expect(entryFit(e, cc(gpu as string), recent)).toBe(fit);
  });

  it("compute_90 with PTX ISA 9.0 does not JIT on a 535 driver (CUDA 12.2) and does on 580 (CUDA 13.0)", () => {
    expect(entryFit(ptx(90, "9.0"), cc("9.0"), driverCuda(12, 2))).toBe("ptx-too-new");
    expect(entryFit(ptx(90, "9.0"), cc("9.0"), driverCuda(13, 0))).toBe("jit");
  });

  it("takes PTX to compile when the driver is not known", () => {
    expect(entryFit(ptx(90, "9.0"), cc("9.0"), { tables: knowledge.cuda })).toBe("jit");
  });

  it("never runs an entry that is neither SASS nor PTX", () => {
    expect(entryFit({ kind: "other", arch: 90, variant: "" }, cc("9.0"), recent)).toBe("not-code");
  });

  it("reads the arch number as major * 10 + minor", () => {
    expect(archToCapability(103)).toEqual({ major: 10, minor: 3 });
    expect(archToCapability(86)).toEqual({ major: 8, minor: 6 });
  });
});

describe("a library's containers on one GPU", () => {
  it("runs when every module has SASS for the GPU", () => {
    const r = libraryFit(lib("/x/libok.so", [sass(80), sass(90)], [sass(80), sass(90)]), cc("9.0"), recent);
    expect(r.verdict).toBe("sass");
    expect(r.sass).toEqual(["sm_80", "sm_90"]);
    expect(r.unusable).toEqual([]);
  });

  it("is none when no module has an entry for the GPU, and lists what it has", () => {
    const r = libraryFit(lib("/x/libfoo.so", [sass(80)], [sass(80)]), cc("9.0"), recent);
    expect(r.verdict).toBe("none");
    expect(r.unusable).toHaveLength(2);
    expect(r.ptx).toEqual([]);
  });

  it("is partial when some modules have nothing for the GPU, and marks arch-specific-only modules", () => {
    const r = libraryFit(lib("/x/libtorch_cuda.so", [sass(80), sass(90)], [sass(90, "a")]), cc("8.0"), recent);
    expect(r.verdict).toBe("partial");
    expect(r.unusable.map((c) => [c.entries, c.archSpecificOnly])).toEqual([[["sm_90a"], true]]);
  });

  it("is jit when modules load only through PTX, and skips containers without code (empty ones CUDA 13 emits)", () => {
    const r = libraryFit(lib("/x/libjit.so", [sass(80), ptx(80, "7.8")], []), cc("9.0"), recent);
    expect(r.verdict).toBe("jit");
    expect(r.judged).toBe(1);
    expect(r.containers[1]!.fit).toBe("no-code");
  });

  it("records the CUDA a too-new PTX needs", () => {
    const r = libraryFit(lib("/x/libnew.so", [sass(80), ptx(90, "9.0")]), cc("9.0"), driverCuda(12, 2));
    expect(r.verdict).toBe("none");
    expect(r.unusable[0]).toMatchObject({ fit: "ptx-too-new", needsCuda: { major: 13, minor: 0 } });
    expect(r.ptx).toEqual(["compute_90 (ISA 9.0)"]);
  });

  it("has nothing to judge in a library without SASS or PTX", () => {
    expect(libraryFit(lib("/x/libnone.so", []), cc("9.0"), recent).verdict).toBe("no-code");
  });
});
