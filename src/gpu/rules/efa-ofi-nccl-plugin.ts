// Reference cuda-efa.md section 5.1 (plugin loading rules, NCCL src/plugin/net.cc): NCCL reaches EFA only through
// the aws-ofi-nccl plugin, under the name it dlopen()s; a plugin it cannot find is a silent fall back to sockets.
import { basename, defineGpuRule, listWords, verdict } from "../rule.js";
import { dirname, fleetLabel, loaderSearchDirs, multiNodeEfa, ncclPluginNames } from "../efa.js";

const rule = defineGpuRule({
  id: "EFA-OFI-NCCL-PLUGIN",
  section: "5.1",
  title: "Multi-node on an EFA GPU type: NCCL finds the aws-ofi-nccl plugin under the name it loads",
  evaluate(ctx) {
    if (!ctx.target.instance.gpu || !multiNodeEfa(ctx)) return [];
    const plugins = ctx.image.efa.ofiNcclPlugins;
    if (plugins.length === 0) {
      return [
        verdict(rule, ctx, {
          severity: "warning",
          message: `${fleetLabel(ctx)}: no aws-ofi-nccl plugin (libnccl-net*.so) in the image, so NCCL runs over TCP sockets instead of EFA`,
          fix: "Install EFA installer 1.38 or later (it bundles aws-ofi-nccl under /opt/amazon/ofi-nccl), or build aws-ofi-nccl into the image",
        }),
      ];
    }
    const env = ctx.image.env;
    const names = ncclPluginNames(env);
    const matches = plugins.filter((p) => (names[0]!.includes("/") ? p === names[0] : names.includes(basename(p))));
    const setting = env["NCCL_NET_PLUGIN"] === undefined || env["NCCL_NET_PLUGIN"] === "" ? "NCCL_NET_PLUGIN is unset" : `NCCL_NET_PLUGIN=${env["NCCL_NET_PLUGIN"]}`;
    const facts = { ofiNcclPlugins: plugins, ncclDlopens: names };
    if (matches.length === 0) {
      const have = listWords([...new Set(plugins.map(basename))], 3);
      const ofi = plugins.find((p) => basename(p) === "libnccl-net-ofi.so");
      return [
        verdict(rule, ctx, {
          severity: "warning",
          message: `${fleetLabel(ctx)}: the image has only ${have} and ${setting}, so NCCL dlopen()s ${listWords(names)}, finds none and silently falls back to TCP sockets`,
          fix: ofi
            ? `Set ENV NCCL_NET_PLUGIN=ofi, or link libnccl-net.so to libnccl-net-ofi.so in ${dirname(ofi)}`
            : `Set NCCL_NET_PLUGIN to the plugin's name, or link libnccl-net.so to it`,
          facts,
        }),
      ];
    }
    const dirs = loaderSearchDirs(ctx);
    if (dirs && !names[0]!.includes("/") && !matches.some((m) => dirs.has(dirname(m)))) {
      return [
        verdict(rule, ctx, {
          severity: "warning",
          message: `${fleetLabel(ctx)}: NCCL dlopen()s ${basename(matches[0]!)}, but ${dirname(matches[0]!)} is neither on LD_LIBRARY_PATH nor in ld.so.cache, so NCCL falls back to TCP sockets`,
          fix: `Add ${dirname(matches[0]!)} to ENV LD_LIBRARY_PATH`,
          facts,
        }),
      ];
    }
    return [];
  },
});

export default rule;
