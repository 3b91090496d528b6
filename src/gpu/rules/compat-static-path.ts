// Reference cuda-efa.md section 2.3 (WARN row) and 2.2: compat libraries must never be used with a kernel driver that
// is not older than them (CUDA error 803); an ENV LD_LIBRARY_PATH naming the compat directory uses them on every host.
import { instanceLabel } from "../context.js";
import { defineGpuRule, verdict } from "../rule.js";
import { driverOlderThan } from "../versions.js";

const rule = defineGpuRule({
  id: "GPU-COMPAT-STATIC-PATH",
  section: "2.3",
  title: "cuda-compat is not forced onto hosts whose driver is as new as it",
  evaluate(ctx) {
    const c = ctx.compat;
    if (!ctx.target.instance.gpu || !c.present || !c.staticPath || !c.driver || !ctx.hostDriver) return [];
    if (driverOlderThan(ctx.hostDriver, c.driver) !== false) return [];
    return [
      verdict(rule, ctx, {
        severity: ctx.gate("warning"),
        message: `ENV LD_LIBRARY_PATH names ${c.dir} (cuda-compat ${c.driver.text}) and ${instanceLabel(ctx)} runs ${ctx.hostLabel}, not older: compat libraries over an equal or newer kernel driver can fail CUDA initialization (error 803)${ctx.assumed}`,
        fix: `Drop ${c.dir} from ENV LD_LIBRARY_PATH; prepend it in the entrypoint only when the host driver is older than ${c.driver.text}, as AWS's start_cuda_compat.sh does`,
        facts: { compatDir: c.dir, compatDriver: c.driver.text },
      }),
    ];
  },
});

export default rule;
