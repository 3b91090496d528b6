import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import accelerator from "../../../conformance/gpu/accelerator-matches-instance.js";
import cudaDriver from "../../../conformance/gpu/cuda-runs-on-host-driver.js";
import efa from "../../../conformance/gpu/efa-multi-node.js";
import kernelImage from "../../../conformance/gpu/kernel-image-for-gpu.js";
import requireCuda from "../../../conformance/gpu/require-cuda-satisfiable.js";
import type { Outcome } from "../../../src/engine/check.js";
import type { LayerFacts } from "../../../src/engine/layer-facts.js";
import { executable, layerContext, type LayerContextOptions, layerFacts, type LayerSpec, nvccLibrary, symlink } from "../helpers/layer-image.js";
import { findingsOf, onlyFinding, passDetail, skipReason } from "./outcomes.js";

const CUDART_12_4 = "/usr/local/cuda-12.4/targets/x86_64-linux/lib/libcudart.so.12.4.127";
const CUDART_13_0 = "/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.88";
/** A CUDA 12.4 toolkit as the file name of its runtime shows it. */
const CUDA_12_4: LayerSpec = { [CUDART_12_4]: Buffer.alloc(128, 1), "/usr/local/cuda": symlink("cuda-12.4") };
const CPU_ONLY: LayerSpec = { "/usr/bin/python3": executable("\x7fELF\x02\x01\x01"), "/opt/program/serve.py": "print('cpu')\n" };

const inference = (o: LayerContextOptions = {}): LayerContextOptions => ({ contracts: ["inference"], ...o });
const training = (o: LayerContextOptions = {}): LayerContextOptions => ({ contracts: ["training"], ...o });
const run = async (check: typeof kernelImage, layers: LayerSpec[] | LayerFacts, o: LayerContextOptions): Promise<Outcome> => check.run(await layerContext(layers, o));

describe("the GPU checks without --instance", () => {
  it.each([
    ["GPU-ACCELERATOR", accelerator],
    ["GPU-CUDA-DRIVER", cudaDriver],
    ["GPU-REQUIRE-CUDA", requireCuda],
    ["GPU-KERNEL-IMAGE", kernelImage],
    ["GPU-EFA", efa],
  ] as const)("%s skips, asking for the instance types", async (id, check) => {
    expect(check.id).toBe(id);
    expect(check.needs).toEqual({ layers: true, gpu: true });
    expect(skipReason(await run(check, [CUDA_12_4], training({ count: 2 })))).toMatch(/^no --instance given/);
  });
});

const hasNvcc = spawnSync("nvcc", ["--version"]).status === 0;

describe.skipIf(!hasNvcc && process.env.BYOC_NO_NVCC === "1")("GPU-KERNEL-IMAGE", () => {
  const LIB = "/opt/program/lib/libk80.so";
  let dir = "";
  let facts: LayerFacts;

  beforeAll(async () => {
    expect(hasNvcc, "nvcc is not on PATH: these tests need a real CUDA library (set BYOC_NO_NVCC=1 on a machine without CUDA)").toBe(true);
    dir = mkdtempSync(join(tmpdir(), "byoc-gpu-checks-"));
    // SASS for sm_80 and no PTX: runs within compute capability 8.x only.
    facts = await layerFacts([{ [LIB]: await nvccLibrary(dir, "libk80.so", [["compute_80", "sm_80"]]) }]);
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fires on an sm_80-only library on ml.p5.48xlarge (H100, sm_90), naming the library", async () => {
    const f = onlyFinding(await run(kernelImage, facts, inference({ instances: ["ml.p5.48xlarge"] })));
    expect(f.message).toBe("libk80.so has SASS for sm_80 only and no PTX: it will not run on ml.p5.48xlarge (sm_90)");
    expect(f.evidence.location).toEqual({ kind: "file", path: LIB });
    expect(f.fix).toContain("nvcc -gencode arch=compute_90,code=sm_90");
  });

  it("fires once for the instance that lacks a kernel image when several are given", async () => {
    const f = onlyFinding(await run(kernelImage, facts, training({ instances: ["ml.g5.xlarge", "ml.p5.48xlarge"] })));
    expect(f.message).toContain("ml.p5.48xlarge (sm_90)");
  });

  it.each(["ml.g5.xlarge", "ml.p4d.24xlarge"])("does not fire on %s: sm_80 SASS runs on every 8.x GPU", async (type) => {
    expect(passDetail(await run(kernelImage, facts, inference({ instances: [type] })))).toBe(`all 1 CUDA libraries have a kernel image for ${type}`);
  });

  it("does not fire on an image without CUDA libraries", async () => {
    expect(passDetail(await run(kernelImage, [CUDA_12_4], inference({ instances: ["ml.p5.48xlarge"] })))).toBe("no library in the image carries CUDA kernels");
  });
});

describe("GPU-CUDA-DRIVER", () => {
  it("fires on CUDA 12.4 on ml.g5.xlarge, whose hosting default driver 470 runs CUDA 11.4 at most", async () => {
    const f = onlyFinding(await run(cudaDriver, [CUDA_12_4], inference({ instances: ["ml.g5.xlarge"] })));
    expect(f.message).toMatch(/^CUDA 12\.4 \(libcudart\.so\.12\.4\.127\) image needs driver >= \S+ and ml\.g5\.xlarge \(A10G, sm_86\) runs driver 470 \(CUDA 11\.4; the SageMaker real-time hosting default for g5\): CUDA will not initialize$/);
    expect(f.fix).toContain("al2-ami-sagemaker-inference-gpu-3-1");
    expect(f.evidence.location).toEqual({ kind: "option", option: "--instance", value: "ml.g5.xlarge" });
  });

  it("does not fire with the InferenceAmiVersion al2-ami-sagemaker-inference-gpu-3-1 (driver 550, CUDA 12.4)", async () => {
    expect(passDetail(await run(cudaDriver, [CUDA_12_4], inference({ instances: ["ml.g5.xlarge"], ami: "al2-ami-sagemaker-inference-gpu-3-1" })))).toBe(
      "the image's CUDA runs on the host drivers of ml.g5.xlarge",
    );
  });

  it("does not fire with --driver 580.65.06", async () => {
    passDetail(await run(cudaDriver, [CUDA_12_4], inference({ instances: ["ml.g5.xlarge"], driver: "580.65.06" })));
  });

  it("does not fire on an image without CUDA", async () => {
    expect(passDetail(await run(cudaDriver, [CPU_ONLY], inference({ instances: ["ml.g5.xlarge"] })))).toBe("no CUDA in the image; nothing to match against the drivers of ml.g5.xlarge");
  });

  describe("a CUDA 13 image with cuda-compat 580 on a 550 host", () => {
    const COMPAT = "/usr/local/cuda-13.0/compat";
    const image = (entry: string): LayerSpec[] => [
      {
        [CUDART_13_0]: Buffer.alloc(128, 1),
        [`${COMPAT}/libcuda.so.580.95.05`]: Buffer.alloc(256, 7),
        [`${COMPAT}/libcuda.so.1`]: symlink("libcuda.so.580.95.05"),
        "/usr/local/bin/start_cuda_compat.sh": executable(`#!/bin/bash\nexport LD_LIBRARY_PATH=${COMPAT}:$LD_LIBRARY_PATH\n`),
      },
      { "/usr/local/bin/entry.sh": executable(`#!/bin/bash\n${entry}\nexec "$@"\n`) },
    ];
    const on550 = inference({ instances: ["ml.g5.xlarge"], ami: "al2-ami-sagemaker-inference-gpu-3-1", config: { Entrypoint: ["/usr/local/bin/entry.sh"], Cmd: ["serve"] } });

    it("does not fire when the entrypoint sources the switch, and says it runs through cuda-compat", async () => {
      expect(passDetail(await run(cudaDriver, image("source /usr/local/bin/start_cuda_compat.sh"), on550))).toMatch(/only through cuda-compat 580\.95\.05 .* which the entrypoint applies/);
    });

    it("fires when the entrypoint runs the switch in a child process", async () => {
      const f = onlyFinding(await run(cudaDriver, image("bash /usr/local/bin/start_cuda_compat.sh"), on550));
      expect(f.message).toContain(`cuda-compat 580.95.05 is in ${COMPAT}, but the entrypoint switches to it in a child process`);
    });
  });
});

describe("GPU-REQUIRE-CUDA", () => {
  const env = (...e: string[]) => ({ Entrypoint: ["/opt/program/entry"], Env: ["NVIDIA_REQUIRE_CUDA=cuda>=12.4", ...e] });

  it("fires on cuda>=12.4 on ml.g5.xlarge's hosting default driver 470", async () => {
    const f = onlyFinding(await run(requireCuda, [CUDA_12_4], inference({ instances: ["ml.g5.xlarge"], config: env() })));
    expect(f.message).toMatch(/^NVIDIA_REQUIRE_CUDA \(cuda>=12\.4\) is not met by driver 470 .* on ml\.g5\.xlarge \(A10G, sm_86\): a host that enforces it refuses to start the container/);
  });

  it("does not fire when NVIDIA_DISABLE_REQUIRE=1 turns the requirement off", async () => {
    passDetail(await run(requireCuda, [CUDA_12_4], inference({ instances: ["ml.g5.xlarge"], config: env("NVIDIA_DISABLE_REQUIRE=1") })));
  });

  it("does not fire on a host driver that meets it", async () => {
    expect(passDetail(await run(requireCuda, [CUDA_12_4], inference({ instances: ["ml.g5.xlarge"], ami: "al2-ami-sagemaker-inference-gpu-3-1", config: env() })))).toBe(
      "NVIDIA_REQUIRE_CUDA (cuda>=12.4) is met",
    );
  });
});

describe("GPU-ACCELERATOR", () => {
  it("fires on a CUDA image on ml.inf2.xlarge, which has no NVIDIA GPU", async () => {
    const f = onlyFinding(await run(accelerator, [CUDA_12_4], inference({ instances: ["ml.inf2.xlarge"] })));
    expect(f.message).toMatch(/^CUDA 12\.4 \(libcudart\.so\.12\.4\.127\) image on ml\.inf2\.xlarge \(Inferentia2\), which has Inferentia2 devices and no NVIDIA GPU/);
  });

  it("fires on a Neuron image on ml.g5.xlarge", async () => {
    const f = onlyFinding(await run(accelerator, [{ "/opt/aws/neuron/lib/libnrt.so.1": Buffer.alloc(128, 1) }], inference({ instances: ["ml.g5.xlarge"] })));
    expect(f.message).toMatch(/^Neuron image \(libnrt\.so\.1\) on ml\.g5\.xlarge/);
  });

  it("does not fire on a CPU-only image on ml.g5.xlarge, and notes the idle GPU", async () => {
    expect(passDetail(await run(accelerator, [CPU_ONLY], inference({ instances: ["ml.g5.xlarge"] })))).toBe(
      "No CUDA runtime, CUDA kernels or Neuron runtime in the image: on ml.g5.xlarge (A10G, sm_86) it runs on the CPUs and leaves the A10G GPU idle",
    );
  });

  it("does not fire on a CUDA image on a GPU type", async () => {
    expect(passDetail(await run(accelerator, [CUDA_12_4], inference({ instances: ["ml.g5.xlarge"] })))).toBe("the image's accelerator stack matches ml.g5.xlarge");
  });
});

describe("GPU-EFA", () => {
  it("fires, as a warning, on two ml.p4d.24xlarge without libfabric", async () => {
    const outcome = await run(efa, [CUDA_12_4], training({ instances: ["ml.p4d.24xlarge"], count: 2 }));
    const findings = findingsOf(outcome);
    expect(outcome.status === "fail" && outcome.severity).toBe("warning");
    expect(findings.map((f) => f.message)).toContain("ml.p4d.24xlarge x 2 (4 EFA interfaces each): no libfabric in the image, so NCCL cannot use EFA and falls back to TCP sockets");
  });

  it("does not fire on one ml.p4d.24xlarge: EFA is not used", async () => {
    expect(passDetail(await run(efa, [CUDA_12_4], training({ instances: ["ml.p4d.24xlarge"], count: 1 })))).toBe("single-instance training (--instance-count 1): EFA is not used");
  });
});
