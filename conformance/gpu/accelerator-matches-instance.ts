import { defineGpuCheck, instanceList } from "../gpu-run.js";

export default defineGpuCheck({
  id: "GPU-ACCELERATOR",
  clauses: ["training#gpu.accelerator-match", "inference#gpu.accelerator-match", "processing#gpu.accelerator-match"],
  title: "The image is built for the instances' accelerator",
  rationale:
    "Trainium and Inferentia instances (ml.trn1, ml.inf2) have no NVIDIA GPU, and NVIDIA GPU instances have no Neuron devices: a CUDA image on the first or a Neuron image on the second finds no accelerator and fails or silently runs on the CPU. A CPU-only image on a GPU type runs, but pays for a GPU it never uses.",
  fix: "Build a Neuron image (torch-neuronx, the Neuron runtime) for ml.trn*/ml.inf2*, a CUDA image for ml.g*/ml.p*, or choose a CPU instance type for a CPU-only image.",
  rules: ["GPU-NEURON-IMAGE", "GPU-CUDA-ON-NEURON", "GPU-CPU-ONLY"],
  passes: (_, gpu) => `the image's accelerator stack matches ${instanceList(gpu)}`,
});
