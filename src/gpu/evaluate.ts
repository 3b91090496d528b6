import { buildContext } from "./context.js";
import { GPU_RULES } from "./rules/index.js";
import type { GpuInputs, GpuVerdict } from "./types.js";

/** Every GPU / Neuron / EFA verdict for one image on one instance type (and count, and host driver). */
export function evaluateGpuStack(inputs: GpuInputs): GpuVerdict[] {
  const ctx = buildContext(inputs);
  return GPU_RULES.flatMap((r) => r.evaluate(ctx));
}
