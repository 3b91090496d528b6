import { describe, expect, it } from "vitest";
import rule from "../../../../src/gpu/rules/require-cuda.js";
import { cudaImage, on, run } from "../build.js";

const REQUIRE = "cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=tesla,driver>=535,driver<536";

describe("GPU-REQUIRE-CUDA", () => {
  it("fires when no alternative of NVIDIA_REQUIRE_CUDA holds on the host driver", () => {
    const [v] = run(rule, cudaImage("12.4", { env: { NVIDIA_REQUIRE_CUDA: "cuda>=12.4 brand=tesla,driver>=525,driver<526" } }), on("ml.g5.xlarge"));
    expect(v!.severity).toBe("error");
    expect(v!.message).toContain("NVIDIA_REQUIRE_CUDA (cuda>=12.4 or 1 other alternative) is not met by driver 470");
    expect(v!.facts).toMatchObject({ enforcedBySageMaker: "UNCONFIRMED" });
  });

  it("does not fire when NVIDIA_DISABLE_REQUIRE is set", () => {
    const env = { NVIDIA_REQUIRE_CUDA: "cuda>=12.4", NVIDIA_DISABLE_REQUIRE: "1" };
    expect(run(rule, cudaImage("12.4", { env }), on("ml.g5.xlarge"))).toEqual([]);
  });

  it("does not fire when a driver-branch alternative holds (470 host) or cuda>= does (550 AMI)", () => {
    expect(run(rule, cudaImage("12.4", { env: { NVIDIA_REQUIRE_CUDA: REQUIRE } }), on("ml.g5.xlarge"))).toEqual([]);
    expect(run(rule, cudaImage("12.4", { env: { NVIDIA_REQUIRE_CUDA: "cuda>=12.4" } }), on("ml.g5.xlarge", { ami: "al2-ami-sagemaker-inference-gpu-3-1" }))).toEqual([]);
  });

  it("does not fire without the variable or without a known driver", () => {
    expect(run(rule, cudaImage("12.4"), on("ml.g5.xlarge"))).toEqual([]);
    expect(run(rule, cudaImage("12.4", { env: { NVIDIA_REQUIRE_CUDA: "cuda>=13.0" } }), on("ml.g6e.xlarge"))).toEqual([]);
  });
});
