// Reference cuda-efa.md section 6: a Neuron image (libnrt, torch-neuronx, ...) needs Neuron devices; on a GPU type it
// has none.
import { instanceLabel } from "../context.js";
import { basename, defineGpuRule, listWords, verdict } from "../rule.js";

const rule = defineGpuRule({
  id: "GPU-NEURON-IMAGE",
  section: "6",
  title: "A Neuron image does not run on an NVIDIA GPU type",
  evaluate(ctx) {
    const gpu = ctx.target.instance.gpu;
    const found = ctx.image.neuron.paths;
    if (!gpu || found.length === 0 || ctx.hasCuda) return [];
    return [
      verdict(rule, ctx, {
        severity: "error",
        message: `Neuron image (${listWords(found.map(basename), 3)}) on ${instanceLabel(ctx)}, which has NVIDIA GPUs and no Neuron devices: the Neuron runtime finds nothing to run on`,
        fix: `Run it on ml.inf2, ml.trn1 or ml.trn2, or build a CUDA image for ${ctx.target.instance.type}`,
        facts: { neuronMarkers: found },
      }),
    ];
  },
});

export default rule;
