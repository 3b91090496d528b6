import { describe, expect, it } from "vitest";
import rule from "../../../../src/gpu/rules/compat-gpu-support.js";
import { cudaImage, on, run } from "../build.js";

const compat13 = { dir: "/usr/local/cuda/compat", libcudaTarget: "libcuda.so.580.95.05" };

describe("GPU-COMPAT-GPU", () => {
  it("warns when a CUDA 13 image relies on cuda-compat on an RTX PRO Blackwell Server GPU (UNCONFIRMED support)", () => {
    const [v] = run(rule, cudaImage("13.0", { compat: compat13, compatApplied: "in-process" }), on("ml.g7e.2xlarge", { driver: "570.124.06" }));
    expect(v!.severity).toBe("warning");
    expect(v!.message).toContain("may not support it (UNCONFIRMED)");
  });

  it("does not fire on a data-center GPU, or when compat is not needed", () => {
    expect(run(rule, cudaImage("13.0", { compat: compat13, compatApplied: "in-process" }), on("ml.p5.48xlarge"))).toEqual([]);
    expect(run(rule, cudaImage("12.4", { compat: compat13, compatApplied: "in-process" }), on("ml.g7e.2xlarge", { driver: "570.124.06" }))).toEqual([]);
  });
});
