import { defineGpuCheck, instanceList } from "../gpu-run.js";

export default defineGpuCheck({
  id: "GPU-CUDA-DRIVER",
  clauses: ["training#gpu.cuda-driver", "inference#gpu.cuda-driver", "processing#gpu.cuda-driver"],
  title: "The image's CUDA runs on each instance's host driver",
  rationale:
    "The host's NVIDIA driver caps the CUDA a container can use: a CUDA 12 image on a host with driver 470 (the real-time hosting default for g4dn, g5 and p4d) fails at its first CUDA call, and a CUDA 13 image fails on every 535 or 550 host. cuda-compat lifts the cap only when the program itself loads it: SageMaker's toolkit no longer mounts it, and an export in a child process never reaches the program. CUDA 13 also dropped Volta (ml.p3).",
  fix: "Build on a CUDA the host driver runs (see each finding), pin an InferenceAmiVersion with a newer driver, or install cuda-compat-X-Y and put /usr/local/cuda/compat on LD_LIBRARY_PATH in the entrypoint itself before it execs the program.",
  rules: ["GPU-CUDA-DRIVER", "GPU-CUDA-MINOR-COMPAT", "GPU-COMPAT-GPU", "GPU-COMPAT-STATIC-PATH", "GPU-CUDA-ARCH-DROPPED"],
  passes: (layers, gpu) => {
    const stack = layers.gpu.stack.map((s) => `${s.name} ${s.version}`).join(", ");
    if (layers.gpu.cuda.length === 0) return `no CUDA in the image; nothing to match against the drivers of ${instanceList(gpu)}`;
    return `the image's CUDA runs on the host drivers of ${instanceList(gpu)}${stack ? ` (also seen: ${stack})` : ""}`;
  },
});
