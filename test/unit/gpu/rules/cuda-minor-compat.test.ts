import { describe, expect, it } from "vitest";
import rule from "../../../../src/gpu/rules/cuda-minor-compat.js";
import { cudaImage, on, run } from "../build.js";

describe("GPU-CUDA-MINOR-COMPAT", () => {
  it("fires for CUDA 12.8 on a 535 host (CUDA 12.2): limited features, no PTX newer than ISA 8.2", () => {
    const [v] = run(rule, cudaImage("12.8"), on("ml.g6.xlarge"));
    expect(v!.severity).toBe("warning");
    expect(v!.message).toContain("minor-version compatibility");
    expect(v!.message).toContain("PTX newer than ISA 8.2 will not JIT-compile");
    expect(v!.fix).toContain("al2023-ami-sagemaker-inference-gpu-4-1");
  });

  it("does not fire when the driver runs the image's minor, or the major differs (that is GPU-CUDA-DRIVER's)", () => {
    expect(run(rule, cudaImage("12.2"), on("ml.g6.xlarge"))).toEqual([]);
    expect(run(rule, cudaImage("12.8"), on("ml.g5.xlarge"))).toEqual([]);
  });

  it("does not fire when only the major is known", () => {
    expect(run(rule, cudaImage("12"), on("ml.g6.xlarge"))).toEqual([]);
  });

  it("is a note on an assumed driver", () => {
    expect(run(rule, cudaImage("12.8"), on("ml.g6.xlarge", { surface: "training" }))[0]!.severity).toBe("info");
  });
});
