import { describe, expect, it } from "vitest";
import { evaluateRequireCuda, parseRequireCuda, requireDisabled } from "../../../src/gpu/require-cuda.js";
import { parseCudaVersion, parseDriverVersion } from "../../../src/gpu/versions.js";

// As nvidia/cuda:12.1.1 images set it (reference section 2.2), shortened to the tesla brand.
const CUDA121 = "cuda>=12.1 brand=tesla,driver>=470,driver<471 brand=tesla,driver>=525,driver<526";

const host = (driver: string, cuda: string, cc = "8.6") => ({ driver: parseDriverVersion(driver)!, cuda: parseCudaVersion(cuda)!, computeCapability: cc });

describe("NVIDIA_REQUIRE_CUDA", () => {
  it("parses space-separated alternatives of comma-separated constraints", () => {
    const alts = parseRequireCuda(CUDA121);
    expect(alts.map((a) => a.text)).toEqual(["cuda>=12.1", "brand=tesla,driver>=470,driver<471", "brand=tesla,driver>=525,driver<526"]);
    expect(alts[1]!.constraints.map((c) => [c.key, c.op, c.value])).toEqual([
      ["brand", "=", "tesla"],
      ["driver", ">=", "470"],
      ["driver", "<", "471"],
    ]);
  });

  it.each([
    ["535", "12.2", "satisfied", "cuda>=12.1"], // native CUDA 12.2 >= 12.1
    ["470", "11.4", "satisfied", "brand=tesla,driver>=470,driver<471"], // the forward-compat alternative for the 470 branch
    ["470.82.01", "11.4", "satisfied", "brand=tesla,driver>=470,driver<471"],
    ["450.80.02", "11.0", "unsatisfied", undefined],
    ["510.47.03", "11.6", "unsatisfied", undefined],
  ])("driver %s (CUDA %s): %s", (driver, cuda, status, by) => {
    const r = evaluateRequireCuda(CUDA121, host(driver, cuda));
    expect(r.status).toBe(status);
    if (r.status === "satisfied") expect(r.by).toBe(by);
  });

  it("a bare cuda>= with no driver alternatives fails on an older driver", () => {
    expect(evaluateRequireCuda("cuda>=12.4", host("535", "12.2")).status).toBe("unsatisfied");
    expect(evaluateRequireCuda("cuda>=12.4", host("550", "12.4")).status).toBe("satisfied");
  });

  it("checks arch against the GPU's compute capability", () => {
    expect(evaluateRequireCuda("cuda>=11.0,arch>=8.0", host("535", "12.2", "7.5")).status).toBe("unsatisfied");
    expect(evaluateRequireCuda("cuda>=11.0,arch>=8.0", host("535", "12.2", "9.0")).status).toBe("satisfied");
  });

  it("is undecided, not unsatisfied, when an alternative uses a key it does not read", () => {
    expect(evaluateRequireCuda("cuda>=13.0 gpu_uuid=GPU-1", host("535", "12.2")).status).toBe("undecided");
    expect(evaluateRequireCuda(undefined, host("535", "12.2")).status).toBe("absent");
  });

  it("NVIDIA_DISABLE_REQUIRE turns the gate off unless false, 0 or empty", () => {
    expect(requireDisabled({ NVIDIA_DISABLE_REQUIRE: "1" })).toBe(true);
    expect(requireDisabled({ NVIDIA_DISABLE_REQUIRE: "true" })).toBe(true);
    expect(requireDisabled({ NVIDIA_DISABLE_REQUIRE: "false" })).toBe(false);
    expect(requireDisabled({ NVIDIA_DISABLE_REQUIRE: "0" })).toBe(false);
    expect(requireDisabled({})).toBe(false);
  });
});
