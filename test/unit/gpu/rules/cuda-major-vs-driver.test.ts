import { describe, expect, it } from "vitest";
import rule from "../../../../src/gpu/rules/cuda-major-vs-driver.js";
import type { CompatApplication } from "../../../../src/gpu/types.js";
import { cudaImage, on, run } from "../build.js";

// cuda-compat-12-4 as the toolkit packages it: compat/libcuda.so.1 -> libcuda.so.550.54.15 (section 2.2).
const compat124 = { dir: "/usr/local/cuda/compat", libcudaTarget: "libcuda.so.550.54.15" };
const withCompat = (applied: CompatApplication, env: Record<string, string> = {}) => cudaImage("12.4", { compat: compat124, compatApplied: applied, env });
const g5 = on("ml.g5.xlarge"); // real-time hosting default: 470 / CUDA 11.4

describe("GPU-CUDA-DRIVER", () => {
  it("fires for a CUDA 12 image on ml.g5 default hosting (470) without cuda-compat, with the AMIs that fix it", () => {
    const [v, ...rest] = run(rule, cudaImage("12.4"), g5);
    expect(rest).toEqual([]);
    expect(v!.severity).toBe("error");
    expect(v!.message).toBe(
      "CUDA 12.4 (libcudart.so.12.4.127) image needs driver >= 525 and ml.g5.xlarge (A10G, sm_86) runs driver 470 (CUDA 11.4; the SageMaker real-time hosting default for g5): CUDA will not initialize",
    );
    expect(v!.fix).toMatch(/^Pin InferenceAmiVersion al2-ami-sagemaker-inference-gpu-3-1 \(driver 550, CUDA 12.4\)/);
    expect(v!.fix).toContain("cuda-compat-12-4");
    expect(v!.facts).toMatchObject({ hostDriver: "470", hostDriverConfidence: "documented", imageCuda: "12.4", minDriverForImageCuda: "525" });
  });

  it("does not fire when the pinned AMI runs the image natively, or on a newer major driver", () => {
    expect(run(rule, cudaImage("12.4"), on("ml.g5.xlarge", { ami: "al2-ami-sagemaker-inference-gpu-2" }))).toEqual([]);
    expect(run(rule, cudaImage("11.8"), on("ml.g5.xlarge", { ami: "al2023-ami-sagemaker-inference-gpu-4-1" }))).toEqual([]);
  });

  it("notes, not fires, when cuda-compat is applied in the entrypoint's own process", () => {
    const [v] = run(rule, withCompat("in-process"), g5);
    expect(v!.severity).toBe("info");
    expect(v!.message).toContain("only through cuda-compat 550.54.15 (CUDA 12.4)");
  });

  it("notes, not fires, when ENV LD_LIBRARY_PATH names the compat directory", () => {
    const [v] = run(rule, withCompat("none", { LD_LIBRARY_PATH: "/usr/local/cuda-12.4/compat:/usr/local/nvidia/lib64" }), g5);
    expect(v!.severity).toBe("info");
  });

  it("fires when the entrypoint applies cuda-compat in a child process (section 2.2)", () => {
    const [v] = run(rule, withCompat("child-process"), g5);
    expect(v!.severity).toBe("error");
    expect(v!.message).toContain("the entrypoint switches to it in a child process");
    expect(v!.fix).toMatch(/^Source the compat script/);
  });

  it("fires when nothing applies cuda-compat, and only warns when that could not be told", () => {
    expect(run(rule, withCompat("none"), g5)[0]!.severity).toBe("error");
    expect(run(rule, withCompat("unknown"), g5)[0]!.severity).toBe("warning");
  });

  it("fires when the image's cuda-compat is for an older major than the image", () => {
    const img = cudaImage("13.0", { compat: compat124, compatApplied: "in-process" });
    const [v] = run(rule, img, on("ml.g6.xlarge"));
    expect(v!.severity).toBe("error");
    expect(v!.message).toContain("provides CUDA 12.4 only");
  });

  it("fires for a CUDA 13 image on 535 and 550 hosts, and not on the 580 AMI", () => {
    expect(run(rule, cudaImage("13.0"), on("ml.p5.48xlarge"))[0]!.severity).toBe("error");
    expect(run(rule, cudaImage("13.0"), on("ml.p5e.48xlarge"))[0]!.severity).toBe("error");
    expect(run(rule, cudaImage("13.0"), on("ml.p5.48xlarge", { ami: "al2023-ami-sagemaker-inference-gpu-4-1" }))).toEqual([]);
  });

  it("is a warning on an assumed (training) driver and names the assumption", () => {
    const [v] = run(rule, cudaImage("13.0"), on("ml.p4d.24xlarge", { surface: "training" }));
    expect(v!.severity).toBe("warning");
    expect(v!.message).toContain("assumption no AWS source confirms");
    expect(v!.fix).toMatch(/^Check against the training host's real driver with --driver; or install cuda-compat-13-0/);
  });

  it("notes an unknown host driver instead of guessing", () => {
    const [v] = run(rule, cudaImage("12.4"), on("ml.g6e.xlarge"));
    expect(v!.severity).toBe("info");
    expect(v!.fix).toContain("--driver");
  });

  it("says nothing about an image without CUDA or a type without a GPU", () => {
    expect(run(rule, cudaImage("13.0"), on("ml.trn1.32xlarge", { surface: "training" }))).toEqual([]);
  });
});
