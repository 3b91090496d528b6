// Reference cuda-efa.md section 2.2 / 2.3: forward compatibility (cuda-compat) works on NVIDIA data-center GPUs only;
// every ml.* GPU is one, except that RTX PRO Blackwell Server Edition is UNCONFIRMED.
import { imageCudaLabel, instanceLabel } from "../context.js";
import { defineGpuRule, verdict } from "../rule.js";
import { formatCuda } from "../versions.js";

const rule = defineGpuRule({
  id: "GPU-COMPAT-GPU",
  section: "2.3",
  title: "The GPU supports the forward compatibility the image relies on",
  evaluate(ctx) {
    const gpu = ctx.target.instance.gpu;
    const img = ctx.imageCuda?.version;
    const c = ctx.compat;
    if (!gpu || !img || !ctx.driverCuda || img.major <= ctx.driverCuda.major || !c.present || !c.cuda || c.cuda.major < img.major) return [];
    const row = ctx.knowledge.cuda.forwardCompatGpus.find((g) => g.model === gpu.model);
    if (row?.forwardCompat === true && !row.unconfirmed) return [];
    const sure = row !== undefined && !row.unconfirmed;
    const severity = ctx.gate(sure ? "error" : "warning");
    const state = !row ? "is not in byoc-check's forward-compatibility table" : row.unconfirmed ? "may not support it (UNCONFIRMED)" : "does not support it";
    return [
      verdict(rule, ctx, {
        severity,
        message: `${imageCudaLabel(ctx)} image relies on cuda-compat ${c.driver!.text} (CUDA ${formatCuda(c.cuda)}) over ${ctx.hostLabel}, and the ${gpu.model} of ${instanceLabel(ctx)} ${state}: forward compatibility is for data-center GPUs${ctx.assumed}`,
        fix: "Run on a host driver that supports the image's CUDA natively, or build the image for the host's CUDA",
        facts: { gpuModel: gpu.model, forwardCompat: row ? (row.unconfirmed ? "UNCONFIRMED" : String(row.forwardCompat)) : "unknown" },
      }),
    ];
  },
});

export default rule;
