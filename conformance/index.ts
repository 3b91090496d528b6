import type { AnyCheck } from "../src/engine/check.js";
import architectureMatchesInstances from "./image/architecture-matches-instances.js";
import capabilityLabelsExact from "./image/capability-labels-exact.js";
import entrypointExecForm from "./image/entrypoint-exec-form.js";
import entrypointNotTini from "./image/entrypoint-not-tini.js";
import inferenceRunsAsRoot from "./image/inference-runs-as-root.js";
import noCredentialsInEnv from "./image/no-credentials-in-env.js";
import noVolumeUnderOptMl from "./image/no-volume-under-opt-ml.js";
import nothingBakedUnderMounts from "./image/nothing-baked-under-mounts.js";
import processingReachable from "./image/processing-reachable.js";
import serveReachable from "./image/serve-reachable.js";
import trainReachable from "./image/train-reachable.js";

/** Every check, in report order. Listed by hand so the order is deliberate; a duplicate id is a bug. */
export const CHECKS: readonly AnyCheck[] = registry([
  entrypointExecForm,
  trainReachable,
  serveReachable,
  processingReachable,
  entrypointNotTini,
  capabilityLabelsExact,
  architectureMatchesInstances,
  noVolumeUnderOptMl,
  nothingBakedUnderMounts,
  noCredentialsInEnv,
  inferenceRunsAsRoot,
]);

function registry(checks: AnyCheck[]): readonly AnyCheck[] {
  const seen = new Set<string>();
  for (const c of checks) {
    if (seen.has(c.id)) throw new Error(`duplicate check id ${c.id}`);
    seen.add(c.id);
  }
  return Object.freeze(checks);
}
