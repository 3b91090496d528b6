// Reference cuda-efa.md section 2.2 / 2.3 (WARN row): an image one or more minors newer than the driver, same
// major, runs by minor-version compatibility "with limited feature-set": newer APIs return "requires newer driver"
// and newer PTX does not JIT.
import { imageCudaLabel, instanceLabel } from "../context.js";
import { amiFix, compatPackageFor, defineGpuRule, either, verdict } from "../rule.js";
import { compareCuda, formatCuda, newestPtxIsaFor } from "../versions.js";

const rule = defineGpuRule({
  id: "GPU-CUDA-MINOR-COMPAT",
  section: "2.2",
  title: "An image newer than the driver within the same CUDA major runs with a limited feature set",
  evaluate(ctx) {
    const img = ctx.imageCuda?.version;
    const eff = ctx.effectiveCuda;
    if (!ctx.target.instance.gpu || !img || img.minor === undefined || !eff || img.major !== eff.major || compareCuda(img, eff) <= 0) return [];
    const isa = newestPtxIsaFor(eff, ctx.knowledge.cuda);
    const via = ctx.compat.active ? `cuda-compat ${ctx.compat.driver!.text} (CUDA ${formatCuda(eff)}) over ${ctx.hostLabel}` : ctx.hostLabel;
    return [
      verdict(rule, ctx, {
        severity: ctx.gate("warning"),
        message: `${imageCudaLabel(ctx)} image on ${instanceLabel(ctx)} gets ${via}: it runs by minor-version compatibility, so APIs newer than CUDA ${formatCuda(eff)} fail with "requires newer driver"${isa ? ` and PTX newer than ISA ${isa} will not JIT-compile` : ""}${ctx.assumed}`,
        fix: either(amiFix(ctx, img), `build against CUDA ${formatCuda(eff)}`, `apply ${compatPackageFor(img)} in the entrypoint`),
        facts: { effectiveCuda: formatCuda(eff), newestJitPtxIsa: isa },
      }),
    ];
  },
});

export default rule;
