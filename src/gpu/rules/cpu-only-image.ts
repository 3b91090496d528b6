// The rule beside reference cuda-efa.md section 6: an image with neither CUDA nor Neuron on an accelerated
// type runs, on the CPUs; that is a note, not an error.
import { instanceLabel } from "../context.js";
import { defineGpuRule, verdict } from "../rule.js";

const rule = defineGpuRule({
  id: "GPU-CPU-ONLY",
  section: "6",
  title: "A CPU-only image on an accelerated type leaves the accelerators idle",
  evaluate(ctx) {
    const i = ctx.target.instance;
    if ((!i.gpu && !i.accelerator) || ctx.hasCuda || ctx.image.neuron.paths.length > 0) return [];
    const devices = i.gpu ? `${i.gpu.model} GPU${(i.gpu.count ?? 1) > 1 ? "s" : ""}` : `${i.accelerator!.model} devices`;
    return [
      verdict(rule, ctx, {
        severity: "info",
        message: `No CUDA runtime, CUDA kernels or Neuron runtime in the image: on ${instanceLabel(ctx)} it runs on the CPUs and leaves the ${devices} idle`,
        fix: i.gpu ? "Use a CPU instance type if that is intended; otherwise install the CUDA build of the framework" : "Use a CPU instance type if that is intended; otherwise build on the Neuron SDK",
      }),
    ];
  },
});

export default rule;
