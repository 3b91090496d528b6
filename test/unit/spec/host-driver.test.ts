import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SpecError, UsageError } from "../../../src/errors.js";
import { SPECS_DIR } from "../../../src/paths.js";
import { loadCudaTables } from "../../../src/spec/cuda.js";
import { amisForSurface, hostDriverFor, parseDriverOverride, resolveAmi } from "../../../src/spec/host-driver.js";
import { loadInstanceCatalog, resolveInstance } from "../../../src/spec/instances.js";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("hostDriverFor", () => {
  it("the real-time hosting default of ml.g5 is 470 / CUDA 11.4, documented", () => {
    expect(hostDriverFor("ml.g5.xlarge", "hosting")).toEqual({
      instanceType: "ml.g5.xlarge",
      surface: "hosting",
      driver: "470",
      cuda: "11.4",
      confidence: "documented",
      provenance: "the SageMaker real-time hosting default for g5",
      source: ["SM-GPU-DRIVERS"],
      cudaCompatMounting: "unstated",
    });
  });

  it("an exact type wins over its family: p5.4xlarge's 535 is UNCONFIRMED, p5.48xlarge's documented", () => {
    expect(hostDriverFor("ml.p5.4xlarge", "hosting")).toMatchObject({ driver: "535", confidence: "unconfirmed" });
    expect(hostDriverFor("ml.p5.48xlarge", "hosting")).toMatchObject({ driver: "535", confidence: "documented" });
  });

  it("async reads p5 / g6 as 535 with the page's typo noted; batch transform knows the 470 families", () => {
    expect(hostDriverFor("ml.g6.xlarge", "async")).toMatchObject({ driver: "535", confidence: "unconfirmed" });
    expect(hostDriverFor("ml.g6.xlarge", "async").note).toContain("typo");
    expect(hostDriverFor("ml.g4dn.xlarge", "batch")).toMatchObject({ driver: "470", confidence: "documented" });
    expect(hostDriverFor("ml.g6.xlarge", "batch")).toMatchObject({ confidence: "unknown" });
  });

  it("training is an assumption, always unconfirmed", () => {
    const d = hostDriverFor("ml.p4d.24xlarge", "training");
    expect(d).toMatchObject({ driver: "535", confidence: "unconfirmed" });
    expect(d.provenance).toContain("assumed");
    expect(hostDriverFor("ml.p6-b200.48xlarge", "training")).toMatchObject({ driver: "570", confidence: "unconfirmed" });
  });

  it("an undocumented default is unknown, with no driver", () => {
    const d = hostDriverFor("ml.g6e.xlarge", "hosting");
    expect(d.confidence).toBe("unknown");
    expect(d.driver).toBeUndefined();
    expect(d.provenance).toBe("no SageMaker source gives the driver for real-time hosting on g6e");
  });

  it("says why a training-only type has no hosting driver", () => {
    expect(hostDriverFor("ml.p3dn.24xlarge", "hosting")).toMatchObject({ confidence: "unknown", provenance: "ml.p3dn.24xlarge is not offered for hosting" });
  });

  it("--driver overrides any surface", () => {
    expect(hostDriverFor("ml.g5.xlarge", "training", { driver: "550.54.15" })).toMatchObject({ driver: "550.54.15", confidence: "override", provenance: "given with --driver" });
  });

  it("--inference-ami gives that AMI's driver and compat-mounting fact", () => {
    expect(hostDriverFor("ml.g5.xlarge", "hosting", { ami: "al2-ami-sagemaker-inference-gpu-3-1" })).toMatchObject({
      driver: "550",
      cuda: "12.4",
      confidence: "documented",
      ami: "al2-ami-sagemaker-inference-gpu-3-1",
      cudaCompatMounting: "disabled",
      provenance: "InferenceAmiVersion al2-ami-sagemaker-inference-gpu-3-1",
    });
    expect(hostDriverFor("ml.g5.xlarge", "batch", { ami: "al2-ami-sagemaker-batch-gpu-535" })).toMatchObject({ driver: "535" });
  });

  it("a type without an NVIDIA GPU has no driver; the Neuron AMI is named", () => {
    expect(hostDriverFor("ml.trn1.32xlarge", "training")).toMatchObject({ confidence: "unknown", provenance: "ml.trn1.32xlarge has no NVIDIA GPU" });
    expect(hostDriverFor("ml.inf2.xlarge", "hosting", { ami: "al2-ami-sagemaker-inference-neuron-2" }).provenance).toContain("Neuron driver 2.19");
    expect(hostDriverFor("ml.m5.xlarge", "hosting", { driver: "535" }).driver).toBeUndefined();
  });

  it.each([
    [{ driver: "535", ami: "al2-ami-sagemaker-inference-gpu-2" }, "hosting", "both name the host driver"],
    [{ ami: "al2-ami-sagemaker-inference-gpu-2" }, "training", "training jobs have no AMI selector"],
    [{ ami: "al2-ami-sagemaker-batch-gpu-470" }, "hosting", "is a TransformAmiVersion"],
    [{ ami: "al2-ami-sagemaker-inference-gpu-2" }, "batch", "batch transform takes a TransformAmiVersion"],
    [{ ami: "al2-ami-sagemaker-inference-neuron-2" }, "hosting", "is for Inferentia2 and Trainium"],
  ] as const)("%j on %s is a UsageError", (opts, surface, text) => {
    const e = thrown(() => hostDriverFor("ml.g5.xlarge", surface, opts));
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message).toContain(text);
  });
});

describe("--driver and --inference-ami", () => {
  it.each(["535.104.05", "550", "570.26", " 580.95.05 "])("accepts --driver %j", (v) => {
    expect(parseDriverOverride(v)).toBe(v.trim());
  });

  it.each(["", "latest", "5.35", "r535", "535.104.05.1", "12.4"])("rejects --driver %j with an example in the hint", (v) => {
    const e = thrown(() => parseDriverOverride(v));
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).hint).toContain("535.104.05");
  });

  it("rejects an unknown AMI, listing the known ones and the closest", () => {
    const e = thrown(() => resolveAmi("al2-ami-sagemaker-inference-gpu-3")) as UsageError;
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('--inference-ami "al2-ami-sagemaker-inference-gpu-3" is not an AMI byoc-check knows');
    expect(e.hint).toMatch(/^did you mean "al2-ami-sagemaker-inference-gpu-3-1"\? known: al2-ami-sagemaker-inference-gpu-2, /);
    expect(e.hint).toContain("al2-ami-sagemaker-batch-gpu-535");
    expect((thrown(() => resolveAmi("ubuntu")) as UsageError).hint).toMatch(/^known: /);
  });

  it("lists the AMIs a surface can pin", () => {
    expect(amisForSurface("hosting").map((a) => a.name)).toEqual([
      "al2-ami-sagemaker-inference-gpu-2",
      "al2-ami-sagemaker-inference-gpu-2-1",
      "al2-ami-sagemaker-inference-gpu-3-1",
      "al2023-ami-sagemaker-inference-gpu-4-1",
    ]);
    expect(amisForSurface("batch").map((a) => a.driver)).toEqual(["470", "535"]);
    expect(amisForSurface("training")).toEqual([]);
  });
});

describe("catalogue fields and --spec-dir", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function copyWith(file: string, edit: (data: Record<string, unknown>) => void): string {
    const dir = mkdtempSync(join(tmpdir(), "unit-host-driver-"));
    dirs.push(dir);
    cpSync(SPECS_DIR, dir, { recursive: true });
    const path = join(dir, "sagemaker", file);
    const data = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    edit(data);
    writeFileSync(path, JSON.stringify(data, null, 2));
    return dir;
  }

  it("resolveInstance carries EFA and RDMA facts and what is unconfirmed", () => {
    expect(resolveInstance("ml.p5e.48xlarge")).toMatchObject({ efaMax: 32, gpuDirectRdma: true, unconfirmed: ["gpuDirectRdma"] });
    expect(resolveInstance("ml.p6e-gb200.36xlarge").efaMax).toBeUndefined();
  });

  it("reads the driver tables of the directory it is given", () => {
    const dir = copyWith("instances.json", (d) => {
      const hosting = (d["hostDrivers"] as { hosting: { entries: Array<{ match: string[]; driver?: string }> } }).hosting;
      hosting.entries.find((e) => e.match.includes("g5"))!.driver = "535";
    });
    expect(hostDriverFor("ml.g5.xlarge", "hosting", { specsDir: dir }).driver).toBe("535");
  });

  it("rejects a source id the file does not list", () => {
    const dir = copyWith("instances.json", (d) => {
      (d["amis"] as Array<{ source: string[] }>)[0]!.source = ["NOWHERE"];
    });
    const e = thrown(() => loadInstanceCatalog(dir)) as SpecError;
    expect(e).toBeInstanceOf(SpecError);
    expect(e.message).toContain('/amis/0/source names "NOWHERE", which /sources does not list');
  });

  it("rejects CUDA tables that fail their schema", () => {
    const dir = copyWith("cuda.json", (d) => {
      (d["ptxIsa"] as Array<Record<string, unknown>>)[0]!["minCuda"] = "ten";
    });
    expect(() => loadCudaTables(dir)).toThrow(SpecError);
  });
});
