// Reference cuda-efa.md section 5.2: environment variables the aws-ofi-nccl maintainers recommend against (some of
// which SageMaker's own training toolkit sets): notes, not errors.
import { fleetLabel, multiNodeEfa } from "../efa.js";
import { defineGpuRule, verdict } from "../rule.js";

const rule = defineGpuRule({
  id: "EFA-ENVIRONMENT",
  section: "5.2",
  title: "Multi-node on an EFA type: no environment the aws-ofi-nccl maintainers advise against",
  evaluate(ctx) {
    if (!multiNodeEfa(ctx)) return [];
    const env = ctx.image.env;
    return ctx.knowledge.efa.environment
      .filter((a) => env[a.name] !== undefined && (a.value === undefined || env[a.name]!.trim().toLowerCase() === a.value.toLowerCase()))
      .map((a) =>
        verdict(rule, ctx, {
          severity: "info",
          message: `${fleetLabel(ctx)}: ENV ${a.name}=${env[a.name]}: ${a.advice}`,
          fix: `Remove ENV ${a.name} unless a measurement on this instance type shows you need it`,
          facts: { variable: a.name, value: env[a.name]!, adviceSources: a.source },
        }),
      );
  },
});

export default rule;
