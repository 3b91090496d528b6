// Reference cuda-efa.md section 5.1 and 6: for multi-node on an EFA type the container itself must carry the EFA
// software (libfabric with the efa provider); without it NCCL (or Neuron's libnccom) falls back to TCP.
import { fleetLabel, multiNodeEfa } from "../efa.js";
import { defineGpuRule, listWords, verdict } from "../rule.js";

const INSTALL = "Install the EFA software in the image: aws-efa-installer's ./efa_installer.sh -y --skip-kmod --skip-limit-conf --no-verify";

const rule = defineGpuRule({
  id: "EFA-LIBFABRIC",
  section: "5.1",
  title: "Multi-node on an EFA type: libfabric with the efa provider is in the image",
  evaluate(ctx) {
    if (!multiNodeEfa(ctx)) return [];
    const files = ctx.image.efa.libfabric;
    const who = ctx.target.instance.gpu ? "NCCL" : "the Neuron collectives (libnccom)";
    if (files.length === 0) {
      return [
        verdict(rule, ctx, {
          severity: "warning",
          message: `${fleetLabel(ctx)}: no libfabric in the image, so ${who} cannot use EFA and falls back to TCP sockets`,
          fix: INSTALL,
        }),
      ];
    }
    if (files.every((f) => f.efaProvider === false)) {
      return [
        verdict(rule, ctx, {
          severity: "warning",
          message: `${fleetLabel(ctx)}: libfabric (${listWords(files.map((f) => f.path), 2)}) has no efa provider, so ${who} cannot use EFA`,
          fix: `${INSTALL}; it installs a libfabric with the efa provider under /opt/amazon/efa`,
          facts: { libfabric: files.map((f) => f.path) },
        }),
      ];
    }
    return [];
  },
});

export default rule;
