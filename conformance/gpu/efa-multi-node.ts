import { defineGpuCheck } from "../gpu-run.js";

export default defineGpuCheck({
  id: "GPU-EFA",
  clauses: ["training#gpu.efa"],
  title: "Multi-node training has what EFA needs",
  rationale:
    "Across instances, NCCL reaches EFA only through libfabric's efa provider and the aws-ofi-nccl plugin, which SageMaker does not inject: the container must ship them. NCCL dlopen()s the plugin by name (libnccl-net.so, or libnccl-net-X.so with NCCL_NET_PLUGIN=X) and, finding none, silently falls back to TCP sockets, so a job runs at a fraction of its speed without an error. The plugin itself dlopen()s libcudart.so, and p5 needs minimum versions of all of it.",
  fix: "Install the EFA installer in the image (efa_installer.sh -y --skip-kmod --skip-limit-conf --no-verify), which brings libfabric and aws-ofi-nccl, and make the plugin loadable under the name NCCL looks for.",
  rules: ["EFA-LIBFABRIC", "EFA-OFI-NCCL-PLUGIN", "EFA-PLUGIN-LIBCUDART", "EFA-MINIMUM-VERSIONS", "EFA-ENVIRONMENT"],
  passes: (_, gpu) => (gpu.count > 1 ? `EFA libraries present for ${gpu.count} instances` : "single-instance training (--instance-count 1): EFA is not used"),
});
