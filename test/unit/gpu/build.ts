// Builders for the GPU rule tests: plain image facts, and targets resolved from the bundled catalogue.
import type { FatbinContainer, FatbinEntry } from "../../../src/image/fatbin.js";
import { buildContext } from "../../../src/gpu/context.js";
import type { GpuRule } from "../../../src/gpu/rule.js";
import type { CudaEvidence, GpuTarget, GpuVerdict, ImageGpuInput, LibraryFatbins } from "../../../src/gpu/types.js";
import { loadGpuKnowledge } from "../../../src/spec/cuda.js";
import { hostDriverFor } from "../../../src/spec/host-driver.js";
import { resolveInstance, type Surface } from "../../../src/spec/instances.js";

export const knowledge = loadGpuKnowledge();

export function image(over: Partial<ImageGpuInput> = {}): ImageGpuInput {
  return {
    cuda: [],
    compatApplied: "none",
    env: {},
    libraries: [],
    neuron: { paths: [] },
    efa: { libfabric: [], ofiNcclPlugins: [], libcudartUnversioned: [] },
    ...over,
  };
}

/** A CUDA image as a toolkit install shows it: libcudart.so.<major>.<minor>.<patch>. */
export function cudaImage(version: string, over: Partial<ImageGpuInput> = {}): ImageGpuInput {
  return image({ cuda: [cudart(version)], ...over });
}

export function cudart(version: string): CudaEvidence {
  const full = version.split(".").length === 2 ? `${version}.127` : version;
  return { cuda: version, source: "libcudart", where: `/usr/local/cuda/lib64/libcudart.so.${full}` };
}

export interface On {
  surface?: Surface;
  driver?: string;
  ami?: string;
  count?: number;
}

export function on(type: string, o: On = {}): GpuTarget {
  const info = resolveInstance(type);
  const opts: { driver?: string; ami?: string } = {};
  if (o.driver !== undefined) opts.driver = o.driver;
  if (o.ami !== undefined) opts.ami = o.ami;
  return { instance: info, count: o.count ?? 1, host: hostDriverFor(type, o.surface ?? "hosting", opts) };
}

export function run(rule: GpuRule, img: ImageGpuInput, target: GpuTarget): GpuVerdict[] {
  return rule.evaluate(buildContext({ image: img, target, knowledge }));
}

let offset = 0;
function entry(kind: "sass" | "ptx", arch: number, variant: "" | "a" | "f", ptxIsa?: string): FatbinEntry {
  offset += 64;
  const e: FatbinEntry = { kind, kindCode: kind === "ptx" ? 1 : 2, arch, variant, compression: "none", flags: 0x11, offset, size: 64 };
  if (ptxIsa !== undefined) e.ptxIsa = ptxIsa;
  return e;
}

/** sm_80 -> sass(80); sm_90a -> sass(90, "a"). */
export const sass = (arch: number, variant: "" | "a" | "f" = "") => entry("sass", arch, variant);
/** compute_90 with PTX ISA 9.0 -> ptx(90, "9.0"). */
export const ptx = (arch: number, isa: string, variant: "" | "a" | "f" = "") => entry("ptx", arch, variant, isa);

/** A library whose containers hold the given entries, one array per container. */
export function lib(path: string, ...containers: FatbinEntry[][]): LibraryFatbins {
  return { path, containers: containers.map((entries, i): FatbinContainer => ({ offset: i * 4096, section: ".nv_fatbin", entries })) };
}
