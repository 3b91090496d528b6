// Reference cuda-efa.md section 5.1: the aws-ofi-nccl plugin dlopen()s the unversioned "libcudart.so" and fails
// without it (AWS DLC docker/pytorch/Dockerfile.cuda adds the link for that reason).
import { basename, defineGpuRule, verdict } from "../rule.js";
import { dirname, fleetLabel, loaderSearchDirs, multiNodeEfa } from "../efa.js";

const rule = defineGpuRule({
  id: "EFA-PLUGIN-LIBCUDART",
  section: "5.1",
  title: "Multi-node on an EFA GPU type: an unversioned libcudart.so resolves for the aws-ofi-nccl plugin",
  evaluate(ctx) {
    if (!ctx.target.instance.gpu || !multiNodeEfa(ctx) || ctx.image.efa.ofiNcclPlugins.length === 0) return [];
    const found = ctx.image.efa.libcudartUnversioned;
    const dirs = loaderSearchDirs(ctx);
    const fix = "Add a libcudart.so link to the CUDA runtime (ln -s libcudart.so.12 libcudart.so) in a directory on LD_LIBRARY_PATH";
    if (found.length === 0) {
      return [
        verdict(rule, ctx, {
          severity: "warning",
          message: `${fleetLabel(ctx)}: the aws-ofi-nccl plugin dlopen()s libcudart.so and the image has no unversioned libcudart.so, so the plugin fails to load and NCCL falls back to TCP sockets`,
          fix,
        }),
      ];
    }
    if (dirs && !found.some((f) => dirs.has(dirname(f)))) {
      return [
        verdict(rule, ctx, {
          severity: "warning",
          message: `${fleetLabel(ctx)}: the aws-ofi-nccl plugin dlopen()s libcudart.so, and ${basename(found[0]!)} in ${dirname(found[0]!)} is neither on LD_LIBRARY_PATH nor in ld.so.cache`,
          fix: `Add ${dirname(found[0]!)} to ENV LD_LIBRARY_PATH`,
          facts: { libcudartUnversioned: found },
        }),
      ];
    }
    return [];
  },
});

export default rule;
