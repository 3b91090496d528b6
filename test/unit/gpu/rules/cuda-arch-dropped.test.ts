import { describe, expect, it } from "vitest";
import rule from "../../../../src/gpu/rules/cuda-arch-dropped.js";
import { cudaImage, on, run } from "../build.js";

describe("GPU-CUDA-ARCH-DROPPED", () => {
  it.each(["ml.p3.2xlarge", "ml.p3dn.24xlarge"])("fires for a CUDA 13 image on %s (V100, sm_70), whatever the driver", (type) => {
    const [v] = run(rule, cudaImage("13.0"), on(type, { surface: "training", driver: "580.95.05" }));
    expect(v!.severity).toBe("error");
    expect(v!.message).toContain("CUDA 13 has no support for compute capability 7.0; CUDA 12 is the last that does");
  });

  it("does not fire for a CUDA 12 image on ml.p3, or a CUDA 13 image on ml.g4dn (sm_75)", () => {
    expect(run(rule, cudaImage("12.8"), on("ml.p3.2xlarge"))).toEqual([]);
    expect(run(rule, cudaImage("13.0"), on("ml.g4dn.xlarge"))).toEqual([]);
  });
});
