// GPU / Neuron / EFA compatibility of an image with SageMaker instance types (reference cuda-efa.md sections 2-6):
// pure decisions on facts an image scan collects and the catalogue in specs/sagemaker/.
export { buildContext, type CompatState, type GpuContext } from "./context.js";
export { evaluateGpuStack } from "./evaluate.js";
export * from "./kernel-image.js";
export * from "./require-cuda.js";
export type { GpuRule } from "./rule.js";
export { GPU_RULES } from "./rules/index.js";
export type * from "./types.js";
export * from "./markers.js";
export * from "./versions.js";
