import { join } from "node:path";
import { SpecError, UsageError } from "../errors.js";
import { SPECS_DIR } from "../paths.js";
import { readJsonFile, validateAgainst } from "./json-file.js";

export type CpuArch = "x86_64" | "arm64";

/** A table value's provenance: ids of entries in the file's `sources`, or `unconfirmed` where no source backs it. */
export interface Sourced {
  source?: string[];
  unconfirmed?: true;
  note?: string;
}

export interface CatalogGpu {
  model: string;
  count: number;
  memMiB?: number;
  computeCapability: string;
  sm: string;
}

export interface CatalogEntry {
  type: string;
  cpuArch: CpuArch;
  cpuVendor?: string;
  gpu?: CatalogGpu;
  accelerator?: { model: string; count: number };
  efaMax?: number;
  gpuDirectRdma?: boolean;
  netGbpsBaseline?: number;
  netGbpsUpTo?: number;
  services: Array<"training" | "hosting">;
  unconfirmed?: string[];
  source: string[];
  note?: string;
}

/** SageMaker surfaces with their own host driver table (reference cuda-efa.md section 2.1). */
export const SURFACES = ["hosting", "async", "batch", "training"] as const;
export type Surface = (typeof SURFACES)[number];

/** One row of a surface's driver table; without `driver` the value is unknown. */
export interface HostDriverEntry extends Sourced {
  /** EC2 families (`g5`) or exact types (`ml.p5.4xlarge`); an exact type wins over its family. */
  match: string[];
  driver?: string;
  cuda?: string;
}

export interface AmiEntry {
  name: string;
  parameter: "InferenceAmiVersion" | "TransformAmiVersion";
  accelerator: "nvidia" | "neuron";
  driver?: string;
  cuda?: string;
  neuronDriver?: string;
  cudaCompatMounting?: "disabled" | "unstated";
  source: string[];
  note?: string;
}

export type EfaComponent = "cuda" | "nccl" | "aws-ofi-nccl" | "efa-installer" | "libfabric";

export interface EfaMinimum extends Sourced {
  /** Absent: every instance type with EFA. */
  instanceTypes?: string[];
  component: EfaComponent;
  min: string;
  recommended?: string;
  why?: string;
}

export interface EnvAdvice {
  name: string;
  /** Only this value is advised against; absent, any value. */
  value?: string;
  advice: string;
  source: string[];
}

export interface EfaFacts {
  minimums: EfaMinimum[];
  environment: EnvAdvice[];
}

/** specs/sagemaker/instances.json as its schema describes it. */
export interface InstanceCatalog {
  catalogVersion: string;
  sources: Array<{ id: string; cite: string }>;
  gpuArchMinCuda: Record<string, Sourced & { value: string }>;
  gpuArchMaxCuda: Record<string, Sourced & { major: number }>;
  instances: CatalogEntry[];
  hostDrivers: Record<Surface, { description: string; entries: HostDriverEntry[] }>;
  amis: AmiEntry[];
  efa: EfaFacts;
}

export interface InstanceInfo {
  type: string;
  /** EC2 family, e.g. `c7g` from `ml.c7g.xlarge`. */
  family: string;
  cpuArch: CpuArch;
  /** How the CPU architecture is known: from the bundled catalogue, or from the EC2 naming convention. */
  archFrom: "catalog" | "name";
  gpu?: CatalogEntry["gpu"];
  accelerator?: CatalogEntry["accelerator"];
  services?: CatalogEntry["services"];
  /** Maximum EFA interfaces; absent where the catalogue does not know (see `unconfirmed`) or the type is not in it. */
  efaMax?: number;
  gpuDirectRdma?: boolean;
  /** Catalogue fields no source confirms ("efaMax", "gpu.memMiB", ...). */
  unconfirmed?: string[];
}

const TYPE = /^ml\.([a-z][a-z0-9-]*)\.([a-z0-9]+)$/;
// EC2 family names: <series><generation><attributes>; an attribute string that starts with "g" means a Graviton
// (arm64) processor: c7g, m6gd, c6gn, t4g, g5g. The catalogue overrides this where it knows better (p6e-gb200).
const FAMILY = /^([a-z]+)(\d+)([a-z0-9-]*)$/;

interface Loaded {
  catalog: InstanceCatalog;
  byType: Map<string, CatalogEntry>;
}

const catalogs = new Map<string, Loaded>();

function load(specsDir: string): Loaded {
  const cached = catalogs.get(specsDir);
  if (cached) return cached;
  const file = join(specsDir, "sagemaker", "instances.json");
  const fault = (message: string) => new SpecError(message.startsWith("cannot") ? message : `${file}: ${message}`, "fix the instance catalogue, or run with the bundled specs");
  const data = readJsonFile(file, fault);
  validateAgainst(join(specsDir, "sagemaker", "instances.schema.json"), data, fault);
  const catalog = data as InstanceCatalog;
  checkSourceIds(catalog, fault);
  const loaded = { catalog, byType: new Map(catalog.instances.map((e) => [e.type, e])) };
  catalogs.set(specsDir, loaded);
  return loaded;
}

/** Every `source` id a value names must be one of the file's `sources` (a schema cannot say that). */
export function checkSourceIds(data: { sources: Array<{ id: string }> }, fault: (message: string) => Error): void {
  const known = new Set(data.sources.map((s) => s.id));
  const walk = (value: unknown, at: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}/${i}`));
    else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        if (k === "source" && Array.isArray(v)) {
          const unknown = v.filter((id) => !known.has(id as string));
          if (unknown.length > 0) throw fault(`${at}/source names ${unknown.map((u) => `"${u}"`).join(", ")}, which /sources does not list`);
        } else if (k !== "sources") walk(v, `${at}/${k}`);
      }
    }
  };
  walk(data, "");
}

/** The whole instance catalogue, validated against its schema (read once per spec directory). */
export function loadInstanceCatalog(specsDir: string = SPECS_DIR): InstanceCatalog {
  return load(specsDir).catalog;
}

export function resolveInstance(type: string, specsDir: string = SPECS_DIR): InstanceInfo {
  const m = TYPE.exec(type);
  const family = m?.[1] ?? "";
  const parts = FAMILY.exec(family);
  if (!m || !parts) {
    throw new UsageError(
      `"${type}" is not a SageMaker instance type`,
      "write it as SageMaker names it, e.g. ml.g5.xlarge, ml.p4d.24xlarge or ml.c7g.large",
    );
  }
  const entry = load(specsDir).byType.get(type);
  if (entry) {
    const info: InstanceInfo = { type, family, cpuArch: entry.cpuArch, archFrom: "catalog", services: entry.services };
    if (entry.gpu) info.gpu = entry.gpu;
    if (entry.accelerator) info.accelerator = entry.accelerator;
    if (entry.efaMax !== undefined) info.efaMax = entry.efaMax;
    if (entry.gpuDirectRdma !== undefined) info.gpuDirectRdma = entry.gpuDirectRdma;
    if (entry.unconfirmed) info.unconfirmed = entry.unconfirmed;
    return info;
  }
  return { type, family, cpuArch: parts[3]!.startsWith("g") ? "arm64" : "x86_64", archFrom: "name" };
}

/** The EC2 family of a SageMaker type (`p6-b200` from `ml.p6-b200.48xlarge`); undefined when it is not one. */
export function instanceFamily(type: string): string | undefined {
  return TYPE.exec(type)?.[1];
}

/** Docker's name for a CPU architecture. */
export function dockerArch(arch: CpuArch): "amd64" | "arm64" {
  return arch === "x86_64" ? "amd64" : "arm64";
}
