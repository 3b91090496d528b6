// Which NVIDIA driver runs on the host under an image, per SageMaker surface (reference cuda-efa.md section 2.1):
// the documented defaults, an AMI the user pins (--inference-ami), or the driver they name (--driver).
import { distance } from "fastest-levenshtein";
import { UsageError } from "../errors.js";
import { SPECS_DIR } from "../paths.js";
import { loadInstanceCatalog, resolveInstance, type AmiEntry, type Surface } from "./instances.js";

/**
 * documented: a SageMaker page or API doc states it; unconfirmed: read from a source with a doubt, or assumed (training);
 * override: the user named it; unknown: nothing says, so the driver-dependent rules cannot decide.
 */
export type DriverConfidence = "documented" | "unconfirmed" | "override" | "unknown";

export interface HostDriver {
  instanceType: string;
  surface: Surface;
  /** "470" (a branch, as SageMaker documents it) or "535.104.05"; absent when unknown or the type has no NVIDIA GPU. */
  driver?: string;
  /** The CUDA version the source prints beside the driver, where it does. */
  cuda?: string;
  confidence: DriverConfidence;
  /** Where the value comes from, in words a message can quote: "the SageMaker real-time hosting default for g5". */
  provenance: string;
  source: string[];
  ami?: string;
  /** "disabled": the AMI's container toolkit never mounts an image's compat libraries; "unstated": no source says. */
  cudaCompatMounting: "disabled" | "unstated";
  note?: string;
}

export interface HostDriverOptions {
  /** --driver VERSION */
  driver?: string;
  /** --inference-ami NAME: an InferenceAmiVersion, or a TransformAmiVersion for batch transform. */
  ami?: string;
  specsDir?: string;
}

export const SURFACE_LABEL: Record<Surface, string> = {
  hosting: "real-time hosting",
  async: "asynchronous inference",
  batch: "batch transform",
  training: "training",
};

const DRIVER = /^[0-9]{3}(\.[0-9]+){0,2}$/;

/** Validates --driver: a version as nvidia-smi prints it (535.104.05), or a branch (550). */
export function parseDriverOverride(text: string): string {
  const v = text.trim();
  if (!DRIVER.test(v)) {
    throw new UsageError(`--driver "${text}" is not an NVIDIA driver version`, "write it as nvidia-smi prints it, e.g. --driver 535.104.05, or give the branch alone, e.g. --driver 550");
  }
  return v;
}

export function listAmis(specsDir: string = SPECS_DIR): readonly AmiEntry[] {
  return loadInstanceCatalog(specsDir).amis;
}

/** Validates --inference-ami against the AMI names SageMaker's API documents. */
export function resolveAmi(name: string, specsDir: string = SPECS_DIR): AmiEntry {
  const amis = listAmis(specsDir);
  const found = amis.find((a) => a.name === name);
  if (found) return found;
  const names = amis.map((a) => a.name);
  // A name cut short ("...-gpu-3") means the AMI it begins, before any name a letter away ("...-gpu-2").
  const best = names.find((n) => name.length > 0 && n.startsWith(name)) ?? [...names].sort((a, b) => distance(name, a) - distance(name, b))[0];
  const guess = best !== undefined && (best.startsWith(name) || distance(name, best) <= 4) ? `did you mean "${best}"? ` : "";
  throw new UsageError(`--inference-ami "${name}" is not an AMI byoc-check knows`, `${guess}known: ${names.join(", ")}`);
}

function amiFits(ami: AmiEntry, surface: Surface, type: string, hasGpu: boolean): void {
  const flag = `--inference-ami ${ami.name}`;
  if (surface === "training") {
    throw new UsageError(`${flag}: training jobs have no AMI selector`, "give the training host's driver with --driver VERSION instead");
  }
  if (ami.parameter === "TransformAmiVersion" && surface !== "batch") {
    throw new UsageError(`${flag} is a TransformAmiVersion, for batch transform, not ${SURFACE_LABEL[surface]}`, "pick an InferenceAmiVersion (byoc-check lists them when the name is unknown)");
  }
  if (ami.parameter === "InferenceAmiVersion" && surface === "batch") {
    throw new UsageError(`${flag} is an InferenceAmiVersion; batch transform takes a TransformAmiVersion`, "use al2-ami-sagemaker-batch-gpu-470 or al2-ami-sagemaker-batch-gpu-535");
  }
  if (ami.accelerator === "neuron" && hasGpu) {
    throw new UsageError(`${flag} is for Inferentia2 and Trainium, and ${type} has NVIDIA GPUs`, "pick one of the GPU AMIs, e.g. al2-ami-sagemaker-inference-gpu-3-1");
  }
}

/**
 * The host driver for one instance type on one surface. --driver wins over everything; --inference-ami over the
 * surface's default table; in the table an exact type wins over its family. Types without an NVIDIA GPU get no driver.
 */
export function hostDriverFor(instanceType: string, surface: Surface, options: HostDriverOptions = {}): HostDriver {
  const specsDir = options.specsDir ?? SPECS_DIR;
  const info = resolveInstance(instanceType, specsDir);
  if (options.driver !== undefined && options.ami !== undefined) {
    throw new UsageError("--driver and --inference-ami both name the host driver", "give one: --driver for a driver you know, --inference-ami for the AMI the endpoint pins");
  }
  const base = { instanceType, surface, source: [] as string[], cudaCompatMounting: "unstated" as const };
  const ami = options.ami === undefined ? undefined : resolveAmi(options.ami, specsDir);
  if (ami) amiFits(ami, surface, instanceType, info.gpu !== undefined);
  if (!info.gpu) {
    const provenance =
      ami?.accelerator === "neuron"
        ? `${ami.parameter} ${ami.name} (Neuron driver ${ami.neuronDriver ?? "?"})`
        : info.archFrom === "catalog"
          ? `${instanceType} has no NVIDIA GPU`
          : `${instanceType} is not in the GPU catalogue`;
    return { ...base, confidence: ami ? "documented" : "unknown", provenance, ...(ami ? { ami: ami.name, source: ami.source } : {}) };
  }
  if (options.driver !== undefined) {
    const driver = parseDriverOverride(options.driver);
    return { ...base, driver, confidence: "override", provenance: "given with --driver" };
  }
  if (ami) {
    const out: HostDriver = {
      ...base,
      driver: ami.driver!,
      confidence: "documented",
      provenance: `${ami.parameter} ${ami.name}`,
      source: ami.source,
      ami: ami.name,
      cudaCompatMounting: ami.cudaCompatMounting ?? "unstated",
    };
    if (ami.cuda) out.cuda = ami.cuda;
    if (ami.note) out.note = ami.note;
    return out;
  }
  const table = loadInstanceCatalog(specsDir).hostDrivers[surface];
  const entry = table.entries.find((e) => e.match.includes(instanceType)) ?? table.entries.find((e) => e.match.includes(info.family));
  const where = `${SURFACE_LABEL[surface]} on ${info.family}`;
  if (!entry) {
    const offered = surface === "training" ? "training" : "hosting";
    const reason = info.services && !info.services.includes(offered) ? `${instanceType} is not offered for ${offered}` : `no driver known for ${where}`;
    return { ...base, confidence: "unknown", provenance: reason };
  }
  const out: HostDriver = { ...base, confidence: entry.driver === undefined ? "unknown" : entry.unconfirmed ? "unconfirmed" : "documented", provenance: "", source: entry.source ?? [] };
  if (entry.driver !== undefined) out.driver = entry.driver;
  if (entry.cuda !== undefined) out.cuda = entry.cuda;
  if (entry.note !== undefined) out.note = entry.note;
  out.provenance =
    entry.driver === undefined
      ? `no SageMaker source gives the driver for ${where}`
      : surface === "training"
        ? `assumed for ${where}: no AWS source states it`
        : `the SageMaker ${SURFACE_LABEL[surface]} default for ${info.family}${entry.unconfirmed ? " (UNCONFIRMED)" : ""}`;
  return out;
}

/** The AMIs that could replace a surface's default driver, for a finding's fix. Training has none. */
export function amisForSurface(surface: Surface, specsDir: string = SPECS_DIR): AmiEntry[] {
  if (surface === "training") return [];
  const parameter = surface === "batch" ? "TransformAmiVersion" : "InferenceAmiVersion";
  return listAmis(specsDir).filter((a) => a.parameter === parameter && a.accelerator === "nvidia");
}
