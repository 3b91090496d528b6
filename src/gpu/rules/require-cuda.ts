// Reference cuda-efa.md section 2.2 / 2.3 (last row): the legacy NVIDIA container hook refuses to start a container
// whose NVIDIA_REQUIRE_CUDA no alternative of which the host meets, unless NVIDIA_DISABLE_REQUIRE is set. Whether
// SageMaker hosts enforce it is UNCONFIRMED (the zero-log CannotStartContainerError fits).
import { instanceLabel } from "../context.js";
import { evaluateRequireCuda, parseRequireCuda, requireDisabled } from "../require-cuda.js";
import { defineGpuRule, verdict } from "../rule.js";

const rule = defineGpuRule({
  id: "GPU-REQUIRE-CUDA",
  section: "2.2",
  title: "NVIDIA_REQUIRE_CUDA is met by the host driver, or disabled",
  evaluate(ctx) {
    const gpu = ctx.target.instance.gpu;
    const text = ctx.image.env["NVIDIA_REQUIRE_CUDA"];
    if (!gpu || !ctx.hostDriver || text === undefined || requireDisabled(ctx.image.env)) return [];
    const host = { driver: ctx.hostDriver, computeCapability: gpu.computeCapability, ...(ctx.driverCuda ? { cuda: ctx.driverCuda } : {}) };
    const result = evaluateRequireCuda(text, host);
    if (result.status !== "unsatisfied") return [];
    const alts = parseRequireCuda(text);
    const shown = alts.length > 1 ? `${alts[0]!.text} or ${alts.length - 1} other alternative${alts.length > 2 ? "s" : ""}` : alts[0]!.text;
    return [
      verdict(rule, ctx, {
        severity: ctx.gate("error"),
        message: `NVIDIA_REQUIRE_CUDA (${shown}) is not met by ${ctx.hostLabel} on ${instanceLabel(ctx)}: a host that enforces it refuses to start the container (CannotStartContainerError)${ctx.assumed}`,
        fix: "Run on a driver that meets it, or set ENV NVIDIA_DISABLE_REQUIRE=1 if the image brings cuda-compat and applies it in the entrypoint",
        facts: { nvidiaRequireCuda: text, enforcedBySageMaker: "UNCONFIRMED", brandConstraints: "not checked (taken to hold)" },
      }),
    ];
  },
});

export default rule;
