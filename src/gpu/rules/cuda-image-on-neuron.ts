// Reference cuda-efa.md section 6: a CUDA-only image on Trainium / Inferentia has no GPU to run on.
import { imageCudaLabel, instanceLabel } from "../context.js";
import { defineGpuRule, verdict } from "../rule.js";

const rule = defineGpuRule({
  id: "GPU-CUDA-ON-NEURON",
  section: "6",
  title: "A CUDA image does not run on a Neuron type",
  evaluate(ctx) {
    const acc = ctx.target.instance.accelerator;
    if (!acc || ctx.target.instance.gpu || !ctx.hasCuda || ctx.image.neuron.paths.length > 0) return [];
    const what = ctx.imageCuda ? `${imageCudaLabel(ctx)} image` : "CUDA image";
    return [
      verdict(rule, ctx, {
        severity: "error",
        message: `${what} on ${instanceLabel(ctx)}, which has ${acc.model} devices and no NVIDIA GPU, and the image has no Neuron runtime (libnrt): it will find no accelerator`,
        fix: `Build on the Neuron SDK (aws-neuronx-runtime-lib, torch-neuronx) for ${ctx.target.instance.type}, or choose an NVIDIA GPU type`,
      }),
    ];
  },
});

export default rule;
