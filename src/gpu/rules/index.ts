import type { GpuRule } from "../rule.js";
import compatGpuSupport from "./compat-gpu-support.js";
import compatStaticPath from "./compat-static-path.js";
import cpuOnlyImage from "./cpu-only-image.js";
import cudaArchDropped from "./cuda-arch-dropped.js";
import cudaImageOnNeuron from "./cuda-image-on-neuron.js";
import cudaMajorVsDriver from "./cuda-major-vs-driver.js";
import cudaMinorCompat from "./cuda-minor-compat.js";
import efaEnvironment from "./efa-environment.js";
import efaLibfabric from "./efa-libfabric.js";
import efaMinimumVersions from "./efa-minimum-versions.js";
import efaOfiNcclPlugin from "./efa-ofi-nccl-plugin.js";
import efaPluginLibcudart from "./efa-plugin-libcudart.js";
import kernelImage from "./kernel-image.js";
import neuronImageOnGpu from "./neuron-image-on-gpu.js";
import ptxIsa from "./ptx-isa.js";
import requireCuda from "./require-cuda.js";

/** Every GPU / Neuron / EFA rule, in report order. */
export const GPU_RULES: readonly GpuRule[] = [
  neuronImageOnGpu,
  cudaImageOnNeuron,
  cpuOnlyImage,
  cudaArchDropped,
  cudaMajorVsDriver,
  requireCuda,
  compatGpuSupport,
  compatStaticPath,
  cudaMinorCompat,
  kernelImage,
  ptxIsa,
  efaLibfabric,
  efaOfiNcclPlugin,
  efaPluginLibcudart,
  efaMinimumVersions,
  efaEnvironment,
];

const seen = new Set<string>();
for (const r of GPU_RULES) {
  if (seen.has(r.id)) throw new Error(`duplicate GPU rule id ${r.id}`);
  seen.add(r.id);
}
