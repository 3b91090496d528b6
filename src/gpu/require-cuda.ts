// NVIDIA_REQUIRE_CUDA, the gate the legacy nvidia-container-cli hook applies before it starts a container
// (reference cuda-efa.md section 2.2): space-separated alternatives, any of which may hold; within one, comma-separated
// constraints that must all hold. `cuda>=12.1` holds when the host driver runs CUDA 12.1 natively;
// `brand=tesla,driver>=470,driver<471` says "forward compatibility is fine on the 470 branch".
import { compareCuda, compareDotted, parseCudaVersion, type CudaVersion, type DriverVersion } from "./versions.js";

export type RequireOp = ">=" | "<=" | ">" | "<" | "=" | "==" | "!=";

export interface RequireConstraint {
  key: string;
  op: RequireOp;
  value: string;
  text: string;
}

export interface RequireAlternative {
  text: string;
  constraints: RequireConstraint[];
}

export interface RequireHost {
  driver: DriverVersion;
  /** The newest CUDA the host driver runs natively. */
  cuda?: CudaVersion;
  /** "9.0"; `arch` constraints compare against it. */
  computeCapability?: string;
}

export type RequireResult =
  | { status: "satisfied"; by: string }
  | { status: "unsatisfied"; alternatives: string[] }
  | { status: "undecided"; reason: string }
  | { status: "absent" };

const CONSTRAINT = /^([a-z_]+)(>=|<=|==|!=|>|<|=)(.+)$/;

/** Splits the variable into alternatives; a constraint that does not parse keeps key "" so evaluation can say so. */
export function parseRequireCuda(text: string): RequireAlternative[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((t) => t !== "")
    .map((alt) => ({
      text: alt,
      constraints: alt.split(",").map((c) => {
        const m = CONSTRAINT.exec(c.trim());
        return m ? { key: m[1]!, op: m[2] as RequireOp, value: m[3]!, text: c } : { key: "", op: "=" as const, value: c, text: c };
      }),
    }));
}

function holds(cmp: number, op: RequireOp): boolean {
  switch (op) {
    case ">=":
      return cmp >= 0;
    case "<=":
      return cmp <= 0;
    case ">":
      return cmp > 0;
    case "<":
      return cmp < 0;
    case "!=":
      return cmp !== 0;
    default:
      return cmp === 0;
  }
}

/** true / false, or undefined where the host fact it needs is unknown or the key is one byoc-check does not read. */
function evaluateConstraint(c: RequireConstraint, host: RequireHost): boolean | undefined {
  switch (c.key) {
    case "cuda": {
      const want = parseCudaVersion(c.value);
      if (!want || !host.cuda) return undefined;
      return holds(compareCuda(host.cuda, want), c.op);
    }
    case "driver":
      if (!/^\d+(\.\d+)*$/.test(c.value)) return undefined;
      // A branch-only host driver ("470") compares as 470.0.0: driver>=470,driver<471 holds, driver>=470.57 does not.
      return holds(compareDotted(host.driver.parts.join("."), c.value), c.op);
    case "arch":
      if (!host.computeCapability || !/^\d+(\.\d+)?$/.test(c.value)) return undefined;
      return holds(compareDotted(host.computeCapability, c.value), c.op);
    case "brand":
      // Which brand NVML reports for SageMaker's GPUs is not documented; a brand constraint is taken to hold.
      return true;
    default:
      return undefined;
  }
}

/** Evaluates the variable against a host; "absent" when the image does not set it. */
export function evaluateRequireCuda(text: string | undefined, host: RequireHost): RequireResult {
  if (text === undefined || text.trim() === "") return { status: "absent" };
  const alternatives = parseRequireCuda(text);
  const undecided: string[] = [];
  for (const alt of alternatives) {
    const results = alt.constraints.map((c) => evaluateConstraint(c, host));
    if (results.every((r) => r === true)) return { status: "satisfied", by: alt.text };
    if (!results.includes(false)) undecided.push(alt.text);
  }
  if (undecided.length > 0) return { status: "undecided", reason: `cannot evaluate ${undecided.join(" ")}` };
  return { status: "unsatisfied", alternatives: alternatives.map((a) => a.text) };
}

/** NVIDIA_DISABLE_REQUIRE turns the gate off; "false" and "0" (and empty) do not. */
export function requireDisabled(env: Readonly<Record<string, string>>): boolean {
  const v = env["NVIDIA_DISABLE_REQUIRE"];
  return v !== undefined && !["", "0", "false"].includes(v.trim().toLowerCase());
}
