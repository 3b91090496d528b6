import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateGpuStack, GPU_RULES } from "../../../src/gpu/index.js";
import { image, knowledge, lib, on, ptx, sass } from "./build.js";

describe("GPU_RULES", () => {
  it("has unique ids, each naming the reference section it implements", () => {
    expect(new Set(GPU_RULES.map((r) => r.id)).size).toBe(GPU_RULES.length);
    for (const r of GPU_RULES) expect(r.section).toMatch(/^[1-8](\.\d)?$/);
  });

  it("every rule has a test that names it", () => {
    const dir = new URL("./rules/", import.meta.url).pathname;
    const text = readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    const srcDir = new URL("../../../src/gpu/rules/", import.meta.url).pathname;
    for (const f of readdirSync(srcDir).filter((x) => x !== "index.ts")) {
      expect(text, `rules/${f} has no test importing it`).toContain(`src/gpu/rules/${f.replace(/\.ts$/, ".js")}`);
    }
  });
});

describe("evaluateGpuStack", () => {
  // A PyTorch cu130 image that copies the old DLC pattern: cuda-compat 13.0 switched on in a child process.
  const torch130 = image({
    cuda: [
      { cuda: "13.0", source: "torch", where: "/opt/venv/lib/python3.12/site-packages/torch/version.py" },
      { cuda: "13", source: "libcudart", where: "/opt/venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcudart.so.13" },
    ],
    compat: { dir: "/usr/local/cuda/compat", libcudaTarget: "libcuda.so.580.95.05" },
    compatApplied: "child-process",
    env: { NVIDIA_REQUIRE_CUDA: "cuda>=13.0 brand=tesla,driver>=535,driver<536", RDMAV_FORK_SAFE: "1" },
    libraries: [lib("/opt/venv/lib/python3.12/site-packages/torch/lib/libtorch_cuda.so", [sass(75), sass(80), sass(90), sass(100), sass(120)], [sass(90, "a")])],
  });

  it("gives one line per problem on ml.p5.48xlarge's 535 hosting default", () => {
    const out = evaluateGpuStack({ image: torch130, target: on("ml.p5.48xlarge"), knowledge });
    expect(out.map((v) => [v.rule, v.severity])).toEqual([["GPU-CUDA-DRIVER", "error"]]);
    expect(out[0]!.message).toContain("cuda-compat 580.95.05 is in /usr/local/cuda/compat, but the entrypoint switches to it in a child process");
  });

  it("finds CUDA 13 on Volta and the missing sm_70 kernels on ml.p3.2xlarge", () => {
    const out = evaluateGpuStack({ image: torch130, target: on("ml.p3.2xlarge", { ami: "al2023-ami-sagemaker-inference-gpu-4-1" }), knowledge });
    expect(out.map((v) => [v.rule, v.severity])).toEqual([
      ["GPU-CUDA-ARCH-DROPPED", "error"],
      ["GPU-KERNEL-IMAGE", "error"],
    ]);
    expect(out[1]!.message).toBe("libtorch_cuda.so has SASS for sm_75, sm_80, sm_90, sm_90a, sm_100 and sm_120 and no PTX: it will not run on ml.p3.2xlarge (sm_70)");
  });

  it("is quiet where CUDA fits, and names what multi-node lacks", () => {
    const fits = image({ ...torch130, compatApplied: "in-process", env: { RDMAV_FORK_SAFE: "1" } });
    const out = evaluateGpuStack({ image: fits, target: on("ml.p5.48xlarge", { ami: "al2023-ami-sagemaker-inference-gpu-4-1", count: 2 }), knowledge });
    expect(out.map((v) => [v.rule, v.severity])).toEqual([
      ["EFA-LIBFABRIC", "warning"],
      ["EFA-OFI-NCCL-PLUGIN", "warning"],
      ["EFA-ENVIRONMENT", "info"],
    ]);
  });

  it("every verdict carries the instance, the host driver's provenance and JSON-safe facts", () => {
    const libs = [lib("/l/libfoo.so", [sass(80), ptx(80, "9.0")])];
    for (const v of evaluateGpuStack({ image: image({ ...torch130, libraries: libs }), target: on("ml.g5.xlarge"), knowledge })) {
      expect(v.instanceType).toBe("ml.g5.xlarge");
      expect(v.facts["hostDriverFrom"]).toBe("the SageMaker real-time hosting default for g5");
      expect(JSON.parse(JSON.stringify(v.facts))).toEqual(v.facts);
      expect(v.message).not.toContain("\n");
    }
  });
});
