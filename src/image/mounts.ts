import type { Contract } from "../spec/types.js";

/**
 * The directories SageMaker mounts over in each contract (sagemaker-contract.md §1.2, §2.2, §4): whatever the image
 * holds there is hidden at run time. /opt/ml/code is left alone (toolkit convention, observed not overlaid).
 */
export const MOUNTED_PATHS: Readonly<Record<Contract, readonly string[]>> = {
  training: ["/opt/ml/input", "/opt/ml/model", "/opt/ml/output", "/opt/ml/checkpoints"],
  inference: ["/opt/ml/model"],
  processing: ["/opt/ml/processing", "/opt/ml/config", "/opt/ml/output"],
};

export function mountedPaths(contracts: readonly Contract[]): Map<string, Contract[]> {
  const out = new Map<string, Contract[]>();
  for (const c of contracts) for (const p of MOUNTED_PATHS[c]) out.set(p, [...(out.get(p) ?? []), c]);
  return out;
}

export function isAtOrUnder(path: string, dir: string): boolean {
  const p = path.replace(/\/+$/, "") || "/";
  return p === dir || p.startsWith(`${dir}/`);
}
