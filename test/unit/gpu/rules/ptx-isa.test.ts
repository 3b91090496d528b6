import { describe, expect, it } from "vitest";
import rule from "../../../../src/gpu/rules/ptx-isa.js";
import { cudaImage, image, lib, on, ptx, run, sass } from "../build.js";

const libnew = lib("/usr/lib/libnew.so", [sass(80), ptx(90, "9.0")]);

describe("GPU-PTX-ISA", () => {
  it("fires when the only code for sm_90 is compute_90 PTX of ISA 9.0 and the driver is 535", () => {
    const [v, ...rest] = run(rule, cudaImage("12.2", { libraries: [libnew] }), on("ml.p5.48xlarge", { driver: "535.104.05" }));
    expect(rest).toEqual([]);
    expect(v!.severity).toBe("error");
    expect(v!.message).toBe(
      "libnew.so has no SASS for sm_90 and its PTX compute_90 (ISA 9.0) needs a CUDA 13.0 driver: ml.p5.48xlarge (H100, sm_90) runs driver 535.104.05 (CUDA 12.2; given with --driver), so it will not load",
    );
    expect(v!.facts).toMatchObject({ ptxNeedsCuda: "13.0", jitCuda: "12.2" });
    expect(v!.fix).toContain("al2023-ami-sagemaker-inference-gpu-4-1");
  });

  it("does not fire on a 580 driver", () => {
    expect(run(rule, cudaImage("12.2", { libraries: [libnew] }), on("ml.p5.48xlarge", { driver: "580.95.05" }))).toEqual([]);
  });

  it("does not fire when active cuda-compat 13.0 brings its own JIT (section 4.5 rule 5)", () => {
    const img = image({
      cuda: [{ cuda: "13.0", source: "dist-info", where: "nvidia_cuda_runtime-13.0.96.dist-info" }],
      libraries: [libnew],
      compat: { dir: "/usr/local/cuda/compat", libcudaTarget: "libcuda.so.580.95.05" },
      compatApplied: "in-process",
    });
    expect(run(rule, img, on("ml.p5.48xlarge", { driver: "535.104.05" }))).toEqual([]);
  });

  it("is a warning for some modules only, and one step lower on an assumed driver", () => {
    const mixed = lib("/usr/lib/libmixed.so", [sass(90)], [sass(80), ptx(90, "9.0")]);
    expect(run(rule, cudaImage("12.2", { libraries: [mixed] }), on("ml.p5.48xlarge", { driver: "535" }))[0]!.severity).toBe("warning");
    const [v] = run(rule, cudaImage("12.2", { libraries: [libnew] }), on("ml.p5.48xlarge", { surface: "training" }));
    expect(v!.severity).toBe("warning");
    expect(v!.message).toContain("assumption");
  });

  it("says nothing when the driver is unknown", () => {
    expect(run(rule, cudaImage("12.2", { libraries: [libnew] }), on("ml.g6e.xlarge"))).toEqual([]);
  });
});
