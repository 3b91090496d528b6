import { describe, expect, it } from "vitest";
import {
  COMPAT_LIBCUDA,
  EFA_INSTALLER_LIBFABRIC,
  LIBCUDART,
  LIBCUDART_UNVERSIONED,
  neuronMarkers,
  OFI_NCCL_PLUGIN,
} from "../../../src/gpu/markers.js";
import { cudaFromDistInfoName, cudaFromJaxPluginName } from "../../../src/gpu/versions.js";

describe("file markers (reference sections 3, 5.1, 6)", () => {
  it("finds the Neuron runtime, compiler and framework", () => {
    expect(
      neuronMarkers([
        "/opt/aws/neuron/lib/libnrt.so.1",
        "/opt/aws/neuron/lib/libnccom.so.2",
        "/usr/local/lib/python3.10/site-packages/torch_neuronx-2.1.2.2.0.0.dist-info",
        "/usr/local/lib/python3.10/site-packages/neuronx_cc-2.12.68.0.dist-info",
        "/usr/local/lib/python3.10/site-packages/torch-2.1.2.dist-info",
        "/usr/lib/libnrtx.so",
      ]),
    ).toHaveLength(4);
  });

  it("tells CUDA runtime files, the compat link, libfabric and plugin files apart", () => {
    expect(LIBCUDART.test("/usr/local/cuda/lib64/libcudart.so.12.4.127")).toBe(true);
    expect(LIBCUDART.test("/usr/local/cuda/lib64/libcudart.so")).toBe(false);
    expect(LIBCUDART_UNVERSIONED.test("/usr/local/cuda/lib64/libcudart.so")).toBe(true);
    expect(COMPAT_LIBCUDA.test("/usr/local/cuda-13.0/compat/libcuda.so.1")).toBe(true);
    expect(COMPAT_LIBCUDA.test("/usr/lib/x86_64-linux-gnu/libcuda.so.1")).toBe(false);
    expect(EFA_INSTALLER_LIBFABRIC.test("/opt/amazon/efa/lib64/libfabric.so.1")).toBe(true);
    expect(EFA_INSTALLER_LIBFABRIC.test("/usr/lib/x86_64-linux-gnu/libfabric.so.1")).toBe(false);
    for (const p of ["/opt/amazon/ofi-nccl/lib/libnccl-net-ofi.so", "/opt/amazon/ofi-nccl/lib/x86_64-linux-gnu/libnccl-net.so", "/opt/aws-ofi-nccl/lib/libnccl-net.so"]) {
      expect(OFI_NCCL_PLUGIN.test(p)).toBe(true);
    }
  });

  it("reads CUDA from wheel dist-info names and JAX plugin names", () => {
    expect(cudaFromDistInfoName("site-packages/nvidia_cuda_runtime_cu12-12.4.127.dist-info")).toEqual({ major: 12, minor: 4 });
    expect(cudaFromDistInfoName("nvidia_cuda_runtime-13.0.96.dist-info")).toEqual({ major: 13, minor: 0 });
    expect(cudaFromDistInfoName("nvidia_cudnn_cu12-9.1.0.70.dist-info")).toBeUndefined();
    expect(cudaFromJaxPluginName("site-packages/jax_cuda13_plugin/version.py")).toEqual({ major: 13 });
    expect(cudaFromJaxPluginName("site-packages/jax_plugins/xla_cuda12/xla_cuda_plugin.so")).toEqual({ major: 12 });
  });
});
