import { join } from "node:path";
import { SpecError, UsageError } from "../errors.js";
import { SPECS_DIR } from "../paths.js";
import { readJsonFile, validateAgainst } from "./json-file.js";

export type CpuArch = "x86_64" | "arm64";

interface CatalogEntry {
  type: string;
  cpuArch: CpuArch;
  cpuVendor?: string;
  gpu?: { model: string; count: number; memMiB?: number; computeCapability: string; sm: string };
  accelerator?: { model: string; count: number };
  efaMax?: number;
  services: Array<"training" | "hosting">;
  unconfirmed?: string[];
  note?: string;
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
}

const TYPE = /^ml\.([a-z][a-z0-9-]*)\.([a-z0-9]+)$/;
// EC2 family names: <series><generation><attributes>; an attribute string that starts with "g" means a Graviton
// (arm64) processor: c7g, m6gd, c6gn, t4g, g5g. The catalogue overrides this where it knows better (p6e-gb200).
const FAMILY = /^([a-z]+)(\d+)([a-z0-9-]*)$/;

const catalogs = new Map<string, Map<string, CatalogEntry>>();

function loadCatalog(specsDir: string): Map<string, CatalogEntry> {
  const cached = catalogs.get(specsDir);
  if (cached) return cached;
  const file = join(specsDir, "sagemaker", "instances.json");
  const fault = (message: string) => new SpecError(message.startsWith("cannot") ? message : `${file}: ${message}`, "fix the instance catalogue, or run with the bundled specs");
  const data = readJsonFile(file, fault);
  validateAgainst(join(specsDir, "sagemaker", "instances.schema.json"), data, fault);
  const catalog = new Map((data as { instances: CatalogEntry[] }).instances.map((e) => [e.type, e]));
  catalogs.set(specsDir, catalog);
  return catalog;
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
  const entry = loadCatalog(specsDir).get(type);
  if (entry) {
    const info: InstanceInfo = { type, family, cpuArch: entry.cpuArch, archFrom: "catalog", services: entry.services };
    if (entry.gpu) info.gpu = entry.gpu;
    if (entry.accelerator) info.accelerator = entry.accelerator;
    return info;
  }
  return { type, family, cpuArch: parts[3]!.startsWith("g") ? "arm64" : "x86_64", archFrom: "name" };
}

/** Docker's name for a CPU architecture. */
export function dockerArch(arch: CpuArch): "amd64" | "arm64" {
  return arch === "x86_64" ? "amd64" : "arm64";
}
