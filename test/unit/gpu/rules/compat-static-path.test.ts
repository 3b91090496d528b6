import { describe, expect, it } from "vitest";
import rule from "../../../../src/gpu/rules/compat-static-path.js";
import { cudaImage, on, run } from "../build.js";

const img = (ld?: string) =>
  cudaImage("12.4", { compat: { dir: "/usr/local/cuda/compat", libcudaTarget: "libcuda.so.550.54.15" }, compatApplied: "none", env: ld ? { LD_LIBRARY_PATH: ld } : {} });

describe("GPU-COMPAT-STATIC-PATH", () => {
  it("warns when ENV LD_LIBRARY_PATH names the compat dir and the host driver is not older than the compat driver (error 803)", () => {
    const [v] = run(rule, img("/usr/local/cuda/compat:/usr/local/lib"), on("ml.g5.xlarge", { ami: "al2023-ami-sagemaker-inference-gpu-4-1" }));
    expect(v!.severity).toBe("warning");
    expect(v!.message).toContain("error 803");
    expect(v!.facts).toMatchObject({ compatDriver: "550.54.15", hostDriver: "580" });
  });

  it("warns for an equal driver too", () => {
    expect(run(rule, img("/usr/local/cuda/compat/"), on("ml.g5.xlarge", { driver: "550.54.15" }))).toHaveLength(1);
  });

  it("does not fire when the host is older (the compat libraries are what it needs), or the path is set in the entrypoint only", () => {
    expect(run(rule, img("/usr/local/cuda/compat"), on("ml.g5.xlarge"))).toEqual([]);
    expect(run(rule, img(), on("ml.g5.xlarge", { ami: "al2023-ami-sagemaker-inference-gpu-4-1" }))).toEqual([]);
  });

  it("does not fire when a bare branch cannot be ordered against the compat driver", () => {
    expect(run(rule, img("/usr/local/cuda/compat"), on("ml.g5.xlarge", { driver: "550" }))).toEqual([]);
  });
});
