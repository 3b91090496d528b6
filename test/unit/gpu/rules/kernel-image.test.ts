import { describe, expect, it } from "vitest";
import rule from "../../../../src/gpu/rules/kernel-image.js";
import { cudaImage, lib, on, ptx, run, sass } from "../build.js";

const p5 = on("ml.p5.48xlarge", { surface: "training" });

describe("GPU-KERNEL-IMAGE", () => {
  it("fires when a library has SASS for sm_80 only and no PTX on sm_90, naming the library and the instance", () => {
    const [v, ...rest] = run(rule, cudaImage("12.4", { libraries: [lib("/opt/app/lib/libfoo.so", [sass(80)], [sass(80)])] }), p5);
    expect(rest).toEqual([]);
    expect(v!.severity).toBe("error");
    expect(v!.message).toBe("libfoo.so has SASS for sm_80 only and no PTX: it will not run on ml.p5.48xlarge (sm_90)");
    expect(v!.library).toBe("/opt/app/lib/libfoo.so");
    expect(v!.fix).toContain("code=sm_90");
    expect(v!.facts).toMatchObject({ sass: ["sm_80"], modulesWithoutImage: 2, instanceType: "ml.p5.48xlarge" });
  });

  it("does not fire when sm_80 SASS meets an sm_86 GPU (ml.g5)", () => {
    expect(run(rule, cudaImage("12.4", { libraries: [lib("/l/libfoo.so", [sass(80)])] }), on("ml.g5.xlarge", { ami: "al2-ami-sagemaker-inference-gpu-3-1" }))).toEqual([]);
  });

  it("fires for sm_90 SASS on Blackwell (10.0) and for sm_90a-only code off Hopper", () => {
    const b200 = on("ml.p6-b200.48xlarge", { surface: "training" });
    expect(run(rule, cudaImage("12.8", { libraries: [lib("/l/libh.so", [sass(90)])] }), b200).map((v) => v.severity)).toEqual(["error"]);
    const [v] = run(rule, cudaImage("12.8", { libraries: [lib("/l/libfa3.so", [sass(90, "a")])] }), b200);
    expect(v!.message).toBe("libfa3.so has SASS for sm_90a only and no PTX: it will not run on ml.p6-b200.48xlarge (sm_100)");
    expect(run(rule, cudaImage("12.8", { libraries: [lib("/l/libfa3.so", [sass(90, "a")])] }), p5)).toEqual([]);
  });

  it("sm_100f runs on B300 (10.3) and not on the RTX PRO Blackwell (12.0) of ml.g7e", () => {
    const image = cudaImage("13.0", { libraries: [lib("/l/libnccl.so.2", [sass(100, "f")])] });
    expect(run(rule, image, on("ml.p6-b300.48xlarge", { surface: "training" }))).toEqual([]);
    expect(run(rule, image, on("ml.g7e.2xlarge", { surface: "training" })).map((v) => v.severity)).toEqual(["error"]);
  });

  it("warns about modules without a kernel image inside an otherwise usable library", () => {
    const [v] = run(rule, cudaImage("12.4", { libraries: [lib("/l/libmix.so", [sass(80), sass(90)], [sass(80)])] }), p5);
    expect(v!.severity).toBe("warning");
    expect(v!.message).toBe('1 of 2 CUDA modules in libmix.so have no kernel image for sm_90 (they carry sm_80): their kernels fail with "no kernel image is available for execution on the device" on ml.p5.48xlarge');
  });

  it("only notes modules that carry arch-specific code for another GPU", () => {
    const [v] = run(rule, cudaImage("12.4", { libraries: [lib("/l/libtorch_cuda.so", [sass(80), sass(90)], [sass(100, "a")])] }), p5);
    expect(v!.severity).toBe("info");
  });

  it("notes a library that runs only by JIT-compiling PTX", () => {
    const [v] = run(rule, cudaImage("12.4", { libraries: [lib("/l/libjit.so", [sass(80), ptx(80, "7.8")])] }), p5);
    expect(v!.severity).toBe("info");
    expect(v!.message).toBe("libjit.so has no SASS for sm_90: on ml.p5.48xlarge its kernels are JIT-compiled from PTX compute_80 (ISA 7.8) when it loads, which slows the first start");
  });

  it("leaves PTX the driver cannot compile to GPU-PTX-ISA", () => {
    const image = cudaImage("12.2", { libraries: [lib("/l/libnew.so", [sass(80), ptx(90, "9.0")])] });
    expect(run(rule, image, on("ml.p5.48xlarge", { driver: "535.104.05" }))).toEqual([]);
  });

  it("says nothing on a type without a GPU", () => {
    expect(run(rule, cudaImage("12.4", { libraries: [lib("/l/libfoo.so", [sass(80)])] }), on("ml.trn1.32xlarge", { surface: "training" }))).toEqual([]);
  });
});
