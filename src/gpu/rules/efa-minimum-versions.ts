// Reference cuda-efa.md section 5.3: minimum (and recommended) versions of the multi-node stack, from the
// aws-ofi-nccl maintainers for p5.48xlarge, plus Libfabric >= 1.18.0 for aws-ofi-nccl; p5en/p6 minimums UNCONFIRMED.
import type { EfaComponent, EfaMinimum } from "../../spec/instances.js";
import type { GpuContext } from "../context.js";
import { fleetLabel, multiNodeEfa, numericVersion } from "../efa.js";
import { defineGpuRule, verdict } from "../rule.js";
import { compareDotted, formatCuda } from "../versions.js";

const NAME: Record<EfaComponent, string> = {
  cuda: "CUDA",
  nccl: "NCCL",
  "aws-ofi-nccl": "aws-ofi-nccl",
  "efa-installer": "the EFA installer",
  libfabric: "libfabric",
};

const FIX: Record<EfaComponent, string> = {
  cuda: "Build the image on CUDA {v} or later",
  nccl: "Upgrade NCCL to {v} or later, the one the framework loads (torch.cuda.nccl.version())",
  "aws-ofi-nccl": "Upgrade aws-ofi-nccl to {v} or later (EFA installer 1.38 and later bundle it under /opt/amazon/ofi-nccl)",
  "efa-installer": "Install EFA installer {v} or later in the image",
  libfabric: "Use the libfabric the EFA installer ships ({v} or later)",
};

function installed(ctx: GpuContext, c: EfaComponent): string | undefined {
  const efa = ctx.image.efa;
  switch (c) {
    case "cuda":
      return ctx.imageCuda && ctx.imageCuda.version.minor !== undefined ? formatCuda(ctx.imageCuda.version) : undefined;
    case "nccl":
      return efa.nccl?.version;
    case "aws-ofi-nccl":
      return efa.ofiNcclVersion;
    case "efa-installer":
      return efa.efaInstallerVersion;
    case "libfabric": {
      const versions = efa.libfabric.map((f) => (f.version ? numericVersion(f.version) : undefined)).filter((v): v is string => v !== undefined);
      return versions.sort(compareDotted)[0];
    }
  }
}

function applies(m: EfaMinimum, ctx: GpuContext): boolean {
  if (m.instanceTypes) return m.instanceTypes.includes(ctx.target.instance.type);
  // Minimums for every EFA type are aws-ofi-nccl's (NCCL's plugin): GPU types only.
  return ctx.target.instance.gpu !== undefined;
}

const rule = defineGpuRule({
  id: "EFA-MINIMUM-VERSIONS",
  section: "5.3",
  title: "Multi-node on an EFA type: the CUDA / NCCL / aws-ofi-nccl / EFA / libfabric versions meet the minimums",
  evaluate(ctx) {
    if (!multiNodeEfa(ctx)) return [];
    const out = [];
    for (const m of ctx.knowledge.efa.minimums.filter((x) => applies(x, ctx))) {
      const have = installed(ctx, m.component);
      if (have === undefined) continue;
      const below = compareDotted(have, m.min) < 0;
      const belowRecommended = m.recommended !== undefined && compareDotted(have, m.recommended) < 0;
      if (!below && !belowRecommended) continue;
      const scope = m.instanceTypes ? ctx.target.instance.type : "aws-ofi-nccl";
      const rec = m.recommended ? ` (${m.recommended} recommended)` : "";
      const unconfirmed = m.unconfirmed ? " (UNCONFIRMED minimum)" : "";
      const message = below
        ? `${fleetLabel(ctx)}: ${NAME[m.component]} ${have} is older than ${m.min}, the minimum for ${scope}${rec}${m.why ? `: ${m.why}` : ""}${unconfirmed}`
        : `${fleetLabel(ctx)}: ${NAME[m.component]} ${have} meets the minimum ${m.min} for ${scope}, but ${m.recommended} is recommended`;
      out.push(
        verdict(rule, ctx, {
          severity: below && !m.unconfirmed ? "warning" : "info",
          message,
          fix: FIX[m.component].replace("{v}", below ? m.min : m.recommended!),
          facts: { component: m.component, installed: have, minimum: m.min, recommended: m.recommended, minimumSources: m.source, minimumUnconfirmed: m.unconfirmed },
        }),
      );
    }
    return out;
  },
});

export default rule;
