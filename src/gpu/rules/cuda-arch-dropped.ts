// Reference cuda-efa.md section 1 (notes) and 2.3: CUDA 13.0 removed offline compilation and library support for
// Volta, so a CUDA 13 image cannot run on ml.p3* (sm_70), whatever the driver.
import { imageCudaLabel, instanceLabel } from "../context.js";
import { defineGpuRule, verdict } from "../rule.js";

const rule = defineGpuRule({
  id: "GPU-CUDA-ARCH-DROPPED",
  section: "2.3",
  title: "The image's CUDA major still supports the GPU (CUDA 13 dropped sm_70)",
  evaluate(ctx) {
    const gpu = ctx.target.instance.gpu;
    const img = ctx.imageCuda?.version;
    if (!gpu || !img) return [];
    const max = ctx.knowledge.gpuArchMaxCuda[gpu.computeCapability];
    if (!max || img.major <= max.major) return [];
    return [
      verdict(rule, ctx, {
        severity: "error",
        message: `${imageCudaLabel(ctx)} image cannot run on ${instanceLabel(ctx)}: CUDA ${img.major} has no support for compute capability ${gpu.computeCapability}; CUDA ${max.major} is the last that does`,
        fix: `Build a CUDA ${max.major}.x variant of the image for ${ctx.target.instance.type}, or run this one on a newer GPU type (ml.g4dn or later)`,
        facts: { lastCudaMajorForGpu: max.major, ...(max.source ? { lastCudaMajorSources: max.source } : {}) },
      }),
    ];
  },
});

export default rule;
