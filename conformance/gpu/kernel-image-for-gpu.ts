import { defineGpuCheck, instanceList } from "../gpu-run.js";

export default defineGpuCheck({
  id: "GPU-KERNEL-IMAGE",
  clauses: ["training#gpu.kernel-image", "inference#gpu.kernel-image", "processing#gpu.kernel-image"],
  title: "Every CUDA library has a kernel image for each instance's GPU",
  rationale:
    "A CUDA library carries machine code (SASS) for some GPU architectures and, optionally, PTX the driver can compile at load time. SASS runs only within its major architecture (sm_80 runs on A10G's 8.6, sm_90 does not run on B200's 10.0; sm_90a only on exactly 9.0), and PTX only on the same or newer GPUs and only when the driver is at least as new as the compiler that wrote it. A library with no usable kernel image fails at its first launch with 'no kernel image is available for execution on the device', after the instance has been paid for.",
  fix: "Rebuild the library (or install a wheel) with -gencode for the instance's architecture, or with PTX for the oldest one (-gencode arch=compute_XY,code=compute_XY), from a CUDA no newer than the host driver.",
  rules: ["GPU-KERNEL-IMAGE", "GPU-PTX-ISA"],
  passes: (layers, gpu) => (layers.gpu.libraries.length === 0 ? "no library in the image carries CUDA kernels" : `all ${layers.gpu.libraries.length} CUDA libraries have a kernel image for ${instanceList(gpu)}`),
});
