// What the GPU / Neuron / EFA rules read and what they return. The inputs are plain facts an image scan collects
// (reference cuda-efa.md sections 3 and 5.1 say where each lives); the rules do no I/O.
import type { GpuKnowledge } from "../spec/cuda.js";
import type { HostDriver } from "../spec/host-driver.js";
import type { LibraryFatbins } from "./kernel-image.js";

export type { GpuKnowledge } from "../spec/cuda.js";
export type { HostDriver } from "../spec/host-driver.js";
export type { LibraryFatbins } from "./kernel-image.js";

/** Where a CUDA version was read (section 3.1, 3.5, 3.7). */
export type CudaSource =
  | "libcudart" // file name: libcudart.so.12.4.127, or the SONAME file of a wheel (major only)
  | "version.json" // /usr/local/cuda/version.json
  | "version.txt" // /usr/local/cuda/version.txt (CUDA <= 11.0)
  | "dist-info" // site-packages/nvidia_cuda_runtime*-*.dist-info
  | "torch" // torch/version.py `cuda`
  | "jax" // jax_cudaNN_plugin package name
  | "env" // ENV CUDA_VERSION
  | "nccl"; // "NCCL version 2.22.3+cuda12.1"

export interface CudaEvidence {
  /** "12.4", or "12" where only the major is known. */
  cuda: string;
  source: CudaSource;
  /** A path inside the image, or "ENV CUDA_VERSION". */
  where: string;
}

export interface CompatPackage {
  /** The directory holding libcuda.so.1: /usr/local/cuda/compat or /usr/local/cuda-13.0/compat. */
  dir: string;
  /** Where compat/libcuda.so.1 points: "libcuda.so.580.95.05" (section 2.2). */
  libcudaTarget: string;
}

/**
 * How the entrypoint puts the compat directory on LD_LIBRARY_PATH: in its own process before it execs the program
 * (works), in a child process (`bash start_cuda_compat.sh`: the export dies with the child, section 2.2), not at all,
 * or byoc-check could not tell.
 */
export type CompatApplication = "in-process" | "child-process" | "none" | "unknown";

export interface LibfabricFile {
  path: string;
  version?: string;
  /** Built with the efa provider (the EFA installer's libfabric is); undefined when not known. */
  efaProvider?: boolean;
}

export interface EfaMarkers {
  libfabric: readonly LibfabricFile[];
  /** From /opt/amazon/efa_installed_packages. */
  efaInstallerVersion?: string;
  /** aws-ofi-nccl plugin files, links included: /opt/amazon/ofi-nccl/lib/libnccl-net-ofi.so, .../libnccl-net.so. */
  ofiNcclPlugins: readonly string[];
  /** From the plugin's "Initializing aws-ofi-nccl X.Y.Z" string. */
  ofiNcclVersion?: string;
  nccl?: { path: string; version: string; cuda?: string };
  /** Unversioned libcudart.so files (links included): the plugin dlopen()s that name. */
  libcudartUnversioned: readonly string[];
  /**
   * Directories the dynamic loader searches besides LD_LIBRARY_PATH (ld.so.cache / ld.so.conf). Absent: not read,
   * and the rules do not judge whether a file's directory is searched.
   */
  loaderDirs?: readonly string[];
}

export interface NeuronMarkers {
  /** Files that show a Neuron image: /opt/aws/neuron/lib/libnrt.so*, torch_neuronx-*.dist-info, ... (section 6). */
  paths: readonly string[];
}

export interface ImageGpuInput {
  cuda: readonly CudaEvidence[];
  compat?: CompatPackage;
  compatApplied: CompatApplication;
  /** The image's Config.Env as name -> value. */
  env: Readonly<Record<string, string>>;
  /** Every shared object with CUDA fatbins, with its containers. */
  libraries: readonly LibraryFatbins[];
  neuron: NeuronMarkers;
  efa: EfaMarkers;
}

/** The instance facts the rules read; src/spec/instances.ts's InstanceInfo has them. */
export interface TargetInstance {
  type: string;
  gpu?: { model: string; computeCapability: string; sm: string; count?: number };
  accelerator?: { model: string; count?: number };
  /** Absent where the catalogue does not know; the EFA rules then take the type to have EFA if it is a GPU/Neuron type. */
  efaMax?: number;
}

export interface GpuTarget {
  instance: TargetInstance;
  /** --instance-count */
  count: number;
  host: HostDriver;
}

export type GpuSeverity = "error" | "warning" | "info";

export type FactValue = string | number | boolean | readonly string[];

export interface GpuVerdict {
  rule: string;
  /** The reference section the rule implements: "2.3". */
  section: string;
  severity: GpuSeverity;
  instanceType: string;
  /** One line a person can act on, naming the library and the instance. */
  message: string;
  fix: string;
  /** The library the verdict is about, by its path in the image. */
  library?: string;
  /** The facts the decision used, JSON-safe. */
  facts: Readonly<Record<string, FactValue>>;
}

export interface GpuInputs {
  image: ImageGpuInput;
  target: GpuTarget;
  knowledge: GpuKnowledge;
}
