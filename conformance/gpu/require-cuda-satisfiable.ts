import { defineGpuCheck } from "../gpu-run.js";

export default defineGpuCheck({
  id: "GPU-REQUIRE-CUDA",
  clauses: ["training#gpu.require-cuda", "inference#gpu.require-cuda", "processing#gpu.require-cuda"],
  title: "NVIDIA_REQUIRE_CUDA can be met by each instance's host driver",
  rationale:
    "Images built FROM nvidia/cuda carry ENV NVIDIA_REQUIRE_CUDA (cuda>=12.1 with brand/driver alternatives). The NVIDIA container hook refuses to start a container whose requirement the host driver cannot meet, before any of its code runs, which SageMaker reports as a CannotStartContainerError with no logs.",
  fix: "Build on a CUDA the host driver supports, pin an AMI with a newer driver, or set ENV NVIDIA_DISABLE_REQUIRE=1 when the image brings its own cuda-compat.",
  rules: ["GPU-REQUIRE-CUDA"],
  passes: (layers) => (layers.gpu.env["NVIDIA_REQUIRE_CUDA"] ? `NVIDIA_REQUIRE_CUDA (${layers.gpu.env["NVIDIA_REQUIRE_CUDA"].split(" ")[0]}) is met` : "no NVIDIA_REQUIRE_CUDA in the image's environment"),
});
