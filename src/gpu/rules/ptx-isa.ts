// Reference cuda-efa.md section 4.5 rules 3 and 5 with the PTX ISA table of section 2.2: PTX is only a fallback if
// the driver's (or active cuda-compat's) CUDA understands its ISA; otherwise CUDA_ERROR_UNSUPPORTED_PTX_VERSION.
import { instanceLabel } from "../context.js";
import { amiFix, basename, compatPackageFor, defineGpuRule, either, listWords, verdict } from "../rule.js";
import { compareCuda, formatCuda, type CudaVersion } from "../versions.js";

const rule = defineGpuRule({
  id: "GPU-PTX-ISA",
  section: "4.5",
  title: "PTX a library falls back on is of an ISA the driver can JIT-compile",
  evaluate(ctx) {
    const gpu = ctx.target.instance.gpu;
    if (!gpu || !ctx.effectiveCuda) return [];
    const type = ctx.target.instance.type;
    const jit = ctx.compat.active ? `cuda-compat ${ctx.compat.driver!.text} (CUDA ${formatCuda(ctx.effectiveCuda)})` : ctx.hostLabel;
    const out = [];
    for (const lib of ctx.libraries) {
      const tooNew = lib.unusable.filter((c) => c.fit === "ptx-too-new");
      if (tooNew.length === 0) continue;
      const name = basename(lib.path);
      const need = tooNew
        .map((c) => c.needsCuda)
        .filter((v): v is CudaVersion => v !== undefined)
        .sort(compareCuda)
        .pop();
      const needText = need ? `a CUDA ${formatCuda(need)} driver` : "a newer driver";
      const names = new Set(tooNew.flatMap((c) => c.entries));
      const ptx = listWords(lib.ptx.filter((p) => names.has(p.split(" ")[0]!)), 4);
      const all = lib.unusable.length === lib.judged && tooNew.length === lib.unusable.length;
      const message = all
        ? `${name} has no SASS for ${gpu.sm} and its PTX ${ptx} needs ${needText}: ${instanceLabel(ctx)} runs ${jit}, so it will not load${ctx.assumed}`
        : `${tooNew.length} of ${lib.judged} CUDA modules in ${name} have no SASS for ${gpu.sm} and PTX ${ptx} that needs ${needText}: on ${type} (${jit}) their kernels will not load${ctx.assumed}`;
      const n = gpu.sm.replace(/^sm_/, "");
      out.push(
        verdict(rule, ctx, {
          severity: ctx.gate(all ? "error" : "warning"),
          message,
          fix: need ? either(`rebuild ${name} with code=sm_${n} for this GPU`, amiFix(ctx, need), `apply ${compatPackageFor(need)} in the entrypoint`) : `Rebuild ${name} with code=sm_${n} for this GPU, or run it on a newer driver`,
          library: lib.path,
          facts: { ptx: lib.ptx, sass: lib.sass, modules: lib.judged, modulesNeedingNewerPtxJit: tooNew.length, jitCuda: formatCuda(ctx.effectiveCuda), ...(need ? { ptxNeedsCuda: formatCuda(need) } : {}) },
        }),
      );
    }
    return out;
  },
});

export default rule;
