// Where the CUDA / Neuron / EFA stack shows itself in an image's files (reference cuda-efa.md sections 2.2, 3, 5.1
// and 6), for the scan that fills ImageGpuInput. Patterns only: no I/O.

export interface PathMarker {
  id: string;
  pattern: RegExp;
  what: string;
  /** The reference has the name from analogy or a single sighting, not from a source. */
  unconfirmed?: true;
}

export const NEURON_MARKERS: readonly PathMarker[] = [
  // Section 6: the runtime library sits in /opt/aws/neuron/lib; its exact SONAME (libnrt.so.1) is UNCONFIRMED.
  { id: "libnrt", pattern: /(^|\/)libnrt\.so(\.\d+)*$/, what: "Neuron runtime (aws-neuronx-runtime-lib)" },
  { id: "libnccom", pattern: /(^|\/)libnccom\.so(\.\d+)*$/, what: "Neuron collectives (aws-neuronx-collectives)", unconfirmed: true },
  { id: "torch-neuronx", pattern: /(^|\/)torch_neuronx-[^/]+\.dist-info$/, what: "torch-neuronx" },
  { id: "neuronx-cc", pattern: /(^|\/)neuronx_cc-[^/]+\.dist-info$/, what: "Neuron compiler (neuronx-cc)" },
  { id: "libneuronxla", pattern: /(^|\/)libneuronxla-[^/]+\.dist-info$/, what: "libneuronxla", unconfirmed: true },
];

/** The paths among `paths` that mark a Neuron image. */
export function neuronMarkers(paths: Iterable<string>): string[] {
  return [...paths].filter((p) => NEURON_MARKERS.some((m) => m.pattern.test(p)));
}

/** libcudart.so.12.4.127, libcudart.so.12, libcudart.so.11.0 (section 3.1). */
export const LIBCUDART = /(^|\/)libcudart\.so\.\d+(\.\d+){0,2}$/;
/** The unversioned name the aws-ofi-nccl plugin dlopen()s (section 5.1). */
export const LIBCUDART_UNVERSIONED = /(^|\/)libcudart\.so$/;
/** /usr/local/cuda/version.json (CUDA >= 11.1) and version.txt (<= 11.0). */
export const CUDA_VERSION_FILE = /^\/usr\/local\/cuda(-\d+\.\d+)?\/version\.(json|txt)$/;
export const TORCH_VERSION_PY = /(^|\/)site-packages\/torch\/version\.py$/;
export const CUDA_RUNTIME_DIST_INFO = /(^|\/)nvidia_cuda_runtime(_cu\d+)?-[^/]+\.dist-info$/;
/** The compat package's driver link (section 2.2); its target names the compat driver. */
export const COMPAT_LIBCUDA = /^\/usr\/local\/cuda(-\d+\.\d+)?\/compat\/libcuda\.so\.1$/;
/** libnccl.so.2 and libnccl.so.2.22.3 (section 3.3); the version string is inside. */
export const LIBNCCL = /(^|\/)libnccl\.so\.2(\.\d+\.\d+)?$/;

export const LIBFABRIC = /(^|\/)libfabric\.so(\.\d+)*$/;
/** The EFA installer's libfabric, built with the efa provider: /opt/amazon/efa/lib or lib64 (section 5.1). */
export const EFA_INSTALLER_LIBFABRIC = /^\/opt\/amazon\/efa\/lib(64)?\/libfabric\.so(\.\d+)*$/;
export const EFA_INSTALLED_PACKAGES = "/opt/amazon/efa_installed_packages";
/**
 * aws-ofi-nccl plugin files: /opt/amazon/ofi-nccl/lib{,64}/libnccl-net-ofi.so (installer >= 1.44),
 * /opt/amazon/ofi-nccl/lib/<arch>-linux-gnu/libnccl-net.so (< 1.44), /opt/aws-ofi-nccl/lib/libnccl-net.so (self-built).
 */
export const OFI_NCCL_PLUGIN = /(^|\/)libnccl-net(-[A-Za-z0-9_]+)?\.so$/;
