import { join } from "node:path";
import { SpecError } from "../errors.js";
import { SPECS_DIR } from "../paths.js";
import { checkSourceIds, loadInstanceCatalog, type AmiEntry, type EfaFacts, type InstanceCatalog, type Sourced } from "./instances.js";
import { readJsonFile, validateAgainst } from "./json-file.js";

/** specs/sagemaker/cuda.json as its schema describes it: NVIDIA's compatibility tables (reference cuda-efa.md section 2.2). */
export interface CudaTables {
  catalogVersion: string;
  sources: Array<{ id: string; cite: string }>;
  /** NV-RN Table 3, newest first as the release notes print it: "13.0U2" -> "580.95.05". */
  toolkitDrivers: Array<{ toolkit: string; driver: string; source: string[] }>;
  /** Driver branch -> newest CUDA it runs natively. */
  driverBranches: Array<{ branch: number; maxCuda: string; source: string[] }>;
  /** PTX ISA -> the CUDA release that first understands it. */
  ptxIsa: Array<{ isa: string; minCuda: string; source: string[] }>;
  minorVersionCompat: Array<{ cudaMajor: number; minDriver: string; exactMinDriver?: string; belowDriver?: string; source: string[]; note?: string }>;
  forwardCompatGpus: Array<Sourced & { model: string; forwardCompat: boolean }>;
}

/** Everything src/gpu's rules read from specs/, gathered once. */
export interface GpuKnowledge {
  cuda: CudaTables;
  gpuArchMaxCuda: InstanceCatalog["gpuArchMaxCuda"];
  amis: readonly AmiEntry[];
  efa: EfaFacts;
}

const tables = new Map<string, CudaTables>();

export function loadCudaTables(specsDir: string = SPECS_DIR): CudaTables {
  const cached = tables.get(specsDir);
  if (cached) return cached;
  const file = join(specsDir, "sagemaker", "cuda.json");
  const fault = (message: string) => new SpecError(message.startsWith("cannot") ? message : `${file}: ${message}`, "fix the CUDA tables, or run with the bundled specs");
  const data = readJsonFile(file, fault);
  validateAgainst(join(specsDir, "sagemaker", "cuda.schema.json"), data, fault);
  checkSourceIds(data as CudaTables, fault);
  tables.set(specsDir, data as CudaTables);
  return data as CudaTables;
}

export function loadGpuKnowledge(specsDir: string = SPECS_DIR): GpuKnowledge {
  const catalog = loadInstanceCatalog(specsDir);
  return { cuda: loadCudaTables(specsDir), gpuArchMaxCuda: catalog.gpuArchMaxCuda, amis: catalog.amis, efa: catalog.efa };
}
