// Reference cuda-efa.md section 4.5 rules 1, 2 and 4: every CUDA module of a library needs SASS for the GPU (same
// major, minor not above it; `a` targets exactly one GPU, `f` a family) or PTX it can JIT; a module with neither fails
// at launch with "no kernel image is available for execution on the device".
import { instanceLabel } from "../context.js";
import type { LibraryResult } from "../kernel-image.js";
import { basename, defineGpuRule, listWords, verdict } from "../rule.js";

function archNumber(sm: string): string {
  return sm.replace(/^sm_/, "");
}

function rebuildFix(lib: string, sm: string): string {
  const n = archNumber(sm);
  return `Rebuild ${lib} for this GPU: nvcc -gencode arch=compute_${n},code=sm_${n} (CMAKE_CUDA_ARCHITECTURES=${n}, TORCH_CUDA_ARCH_LIST="${n.slice(0, -1)}.${n.slice(-1)}"), or add PTX for an older architecture (code=compute_NN) that the driver can JIT`;
}

function describe(lib: LibraryResult): string {
  const sass = lib.sass.length === 0 ? "no SASS" : `SASS for ${listWords(lib.sass)}${lib.sass.length === 1 ? " only" : ""}`;
  const ptx = lib.ptx.length === 0 ? "no PTX" : `PTX ${listWords(lib.ptx)}`;
  return `${sass} and ${ptx}`;
}

const rule = defineGpuRule({
  id: "GPU-KERNEL-IMAGE",
  section: "4.5",
  title: "Every CUDA library has a kernel image (SASS or JIT-able PTX) for the GPU",
  evaluate(ctx) {
    const gpu = ctx.target.instance.gpu;
    if (!gpu) return [];
    const type = ctx.target.instance.type;
    const out = [];
    for (const lib of ctx.libraries) {
      const name = basename(lib.path);
      const none = lib.unusable.filter((c) => c.fit === "none");
      const facts = { sass: lib.sass, ptx: lib.ptx, modules: lib.judged, modulesWithoutImage: none.length };
      if (none.length > 0 && none.length === lib.judged) {
        out.push(
          verdict(rule, ctx, {
            severity: "error",
            message: `${name} has ${describe(lib)}: it will not run on ${type} (${gpu.sm})`,
            fix: rebuildFix(name, gpu.sm),
            library: lib.path,
            facts,
          }),
        );
      } else if (none.length > 0) {
        const carry = listWords([...new Set(none.flatMap((c) => c.entries))], 4);
        const archSpecific = none.every((c) => c.archSpecificOnly);
        out.push(
          verdict(rule, ctx, {
            severity: archSpecific ? "info" : "warning",
            message: archSpecific
              ? `${none.length} of ${lib.judged} CUDA modules in ${name} carry only arch-specific code (${carry}) and do not load on ${instanceLabel(ctx)}; libraries usually launch such kernels only on the GPU they target`
              : `${none.length} of ${lib.judged} CUDA modules in ${name} have no kernel image for ${gpu.sm} (they carry ${carry}): their kernels fail with "no kernel image is available for execution on the device" on ${type}`,
            fix: archSpecific ? "Nothing to do if the library picks kernels by GPU; otherwise rebuild those modules for a plain sm_NN or PTX target" : rebuildFix(name, gpu.sm),
            library: lib.path,
            facts,
          }),
        );
      } else if (lib.verdict === "jit" && lib.containers.every((c) => c.fit !== "sass")) {
        out.push(
          verdict(rule, ctx, {
            severity: "info",
            message: `${name} has no SASS for ${gpu.sm}: on ${type} its kernels are JIT-compiled from PTX ${listWords(lib.ptx)} when it loads, which slows the first start`,
            fix: rebuildFix(name, gpu.sm),
            library: lib.path,
            facts,
          }),
        );
      }
    }
    return out;
  },
});

export default rule;
