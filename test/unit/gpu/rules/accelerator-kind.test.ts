import { describe, expect, it } from "vitest";
import cpuOnly from "../../../../src/gpu/rules/cpu-only-image.js";
import cudaOnNeuron from "../../../../src/gpu/rules/cuda-image-on-neuron.js";
import neuronOnGpu from "../../../../src/gpu/rules/neuron-image-on-gpu.js";
import { cudaImage, image, lib, on, run, sass } from "../build.js";

const neuron = image({ neuron: { paths: ["/opt/aws/neuron/lib/libnrt.so.1", "/usr/local/lib/python3.10/site-packages/torch_neuronx-2.1.2.dist-info"] } });

describe("GPU-NEURON-IMAGE", () => {
  it("fires for a Neuron image on ml.g5", () => {
    const [v] = run(neuronOnGpu, neuron, on("ml.g5.xlarge"));
    expect(v!.severity).toBe("error");
    expect(v!.message).toMatch(/^Neuron image \(libnrt\.so\.1 and torch_neuronx-2\.1\.2\.dist-info\) on ml\.g5\.xlarge \(A10G, sm_86\)/);
  });

  it("does not fire on ml.trn1, or for an image that also carries CUDA", () => {
    expect(run(neuronOnGpu, neuron, on("ml.trn1.32xlarge", { surface: "training" }))).toEqual([]);
    expect(run(neuronOnGpu, { ...cudaImage("12.4"), neuron: neuron.neuron }, on("ml.g5.xlarge"))).toEqual([]);
  });
});

describe("GPU-CUDA-ON-NEURON", () => {
  it("fires for a CUDA image on ml.trn1, from libcudart or from fatbins alone", () => {
    expect(run(cudaOnNeuron, cudaImage("12.4"), on("ml.trn1.32xlarge", { surface: "training" }))[0]!.severity).toBe("error");
    const kernelsOnly = image({ libraries: [lib("/l/libk.so", [sass(80)])] });
    expect(run(cudaOnNeuron, kernelsOnly, on("ml.inf2.xlarge"))[0]!.message).toMatch(/^CUDA image on ml\.inf2\.xlarge \(Inferentia2\)/);
  });

  it("does not fire on a GPU type, or for an image that carries the Neuron runtime", () => {
    expect(run(cudaOnNeuron, cudaImage("12.4"), on("ml.g5.xlarge"))).toEqual([]);
    expect(run(cudaOnNeuron, { ...cudaImage("12.4"), neuron: neuron.neuron }, on("ml.trn1.32xlarge", { surface: "training" }))).toEqual([]);
  });
});

describe("GPU-CPU-ONLY", () => {
  it("notes a CPU-only image on a GPU type", () => {
    const [v] = run(cpuOnly, image(), on("ml.g5.12xlarge"));
    expect(v!.severity).toBe("info");
    expect(v!.message).toContain("leaves the A10G GPUs idle");
  });

  it("does not fire for a CUDA or Neuron image, or on a CPU type", () => {
    expect(run(cpuOnly, cudaImage("12.4"), on("ml.g5.xlarge"))).toEqual([]);
    expect(run(cpuOnly, neuron, on("ml.trn1.2xlarge", { surface: "training" }))).toEqual([]);
    expect(run(cpuOnly, image(), on("ml.m5.xlarge"))).toEqual([]);
  });
});
