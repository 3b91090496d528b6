// The GPU, Neuron and EFA rules (src/gpu), evaluated once per run for every --instance and the surfaces of the
// contracts under test, and judged by one check per concern: each check reports the verdicts of its own rules.
import { type AnyCheck, type FindingInput, type Outcome, type Severity, defineImageCheck, fail, pass, skip } from "../src/engine/check.js";
import type { GpuTargets, LayerFacts } from "../src/engine/layer-facts.js";
import { evaluateGpuStack, type GpuVerdict } from "../src/gpu/index.js";
import { loadGpuKnowledge } from "../src/spec/cuda.js";
import { hostDriverFor } from "../src/spec/host-driver.js";
import type { Surface } from "../src/spec/instances.js";
import type { ClauseId, Contract } from "../src/spec/types.js";

/** The host a contract's work runs on. Processing has no driver table of its own: it runs on training's hosts. */
const SURFACE: Record<Contract, Surface> = { training: "training", processing: "training", inference: "hosting" };

const runs = new WeakMap<LayerFacts, Map<string, Map<string, GpuVerdict[]>>>();

/** Every verdict for this run, keyed by "surface instance", computed on first use for these layers and targets. */
export function gpuVerdicts(layers: LayerFacts, gpu: GpuTargets, contracts: readonly Contract[]): Map<string, GpuVerdict[]> {
  const key = JSON.stringify([gpu.instances.map((i) => i.type), gpu.count, gpu.driver, gpu.ami, gpu.specsDir, [...contracts].sort()]);
  const byTargets = runs.get(layers) ?? new Map<string, Map<string, GpuVerdict[]>>();
  runs.set(layers, byTargets);
  const cached = byTargets.get(key);
  if (cached) return cached;
  const knowledge = loadGpuKnowledge(gpu.specsDir);
  const out = new Map<string, GpuVerdict[]>();
  const surfaces = [...new Set(contracts.map((c) => SURFACE[c]))];
  for (const surface of surfaces) {
    for (const instance of gpu.instances) {
      const host = hostDriverFor(instance.type, surface, { ...(gpu.driver ? { driver: gpu.driver } : {}), ...(gpu.ami && surface !== "training" ? { ami: gpu.ami } : {}), ...(gpu.specsDir ? { specsDir: gpu.specsDir } : {}) });
      const target = { instance: { type: instance.type, ...(instance.gpu ? { gpu: instance.gpu } : {}), ...(instance.accelerator ? { accelerator: instance.accelerator } : {}), ...(instance.efaMax !== undefined ? { efaMax: instance.efaMax } : {}) }, count: surface === "training" ? gpu.count : 1, host };
      out.set(`${surface} ${instance.type}`, evaluateGpuStack({ image: layers.gpu, target, knowledge }));
    }
  }
  byTargets.set(key, out);
  return out;
}

const RANK: Record<Severity, number> = { error: 2, warning: 1, info: 0 };

export interface GpuCheckSpec {
  id: string;
  clauses: readonly [ClauseId, ...ClauseId[]];
  title: string;
  rationale: string;
  fix: string;
  /** The src/gpu rule ids this check reports. */
  rules: readonly string[];
  /** What to say when no rule of this check spoke. */
  passes: (layers: LayerFacts, gpu: GpuTargets) => string;
}

/** A check over the verdicts of `rules`: errors fail it, warnings fail it as a warning, notes pass with the note. */
export function defineGpuCheck(spec: GpuCheckSpec): AnyCheck {
  return defineImageCheck({
    id: spec.id,
    clauses: spec.clauses,
    severity: "error",
    title: spec.title,
    rationale: spec.rationale,
    fix: spec.fix,
    needs: { layers: true, gpu: true },
    timeoutMs: 600_000,
    run({ layers, gpu, contracts }): Outcome {
      if (gpu.instances.length === 0) return skip("no --instance given: name the instance types the image will run on (e.g. --instance ml.g5.xlarge)");
      const seen = new Set<string>();
      const verdicts: GpuVerdict[] = [];
      for (const list of gpuVerdicts(layers, gpu, contracts).values()) {
        for (const v of list) {
          if (!spec.rules.includes(v.rule) || seen.has(v.message)) continue;
          seen.add(v.message);
          verdicts.push(v);
        }
      }
      const findings: FindingInput[] = verdicts
        .filter((v) => v.severity !== "info")
        .sort((a, b) => RANK[b.severity] - RANK[a.severity])
        .map((v) => ({
          message: v.message,
          fix: v.fix,
          where: v.library ? { kind: "file" as const, path: v.library } : { kind: "option" as const, option: "--instance", value: v.instanceType },
          evidence: { actual: v.facts, notes: [`${v.severity}: rule ${v.rule} (cuda-efa.md §${v.section})`] },
        }));
      const notes = verdicts.filter((v) => v.severity === "info").map((v) => v.message);
      const [first, ...rest] = findings;
      if (first) {
        const out = fail(first, ...rest);
        if (out.status === "fail" && !verdicts.some((v) => v.severity === "error")) out.severity = "warning";
        return out;
      }
      return pass(notes.length > 0 ? notes.join("; ") : spec.passes(layers, gpu));
    },
  });
}

/** "ml.g5.xlarge, ml.p5.48xlarge" */
export function instanceList(gpu: GpuTargets): string {
  return gpu.instances.map((i) => i.type).join(", ");
}
