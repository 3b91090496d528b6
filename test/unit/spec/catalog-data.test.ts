// The bundled catalogue and CUDA tables: valid against their schemas, every source id resolvable, and values spot-
// checked against the text of the reference (cuda-efa.md) they were transcribed from.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parseCudaVersion } from "../../../src/gpu/versions.js";
import { SPECS_DIR } from "../../../src/paths.js";
import { loadCudaTables } from "../../../src/spec/cuda.js";
import { SURFACES, loadInstanceCatalog } from "../../../src/spec/instances.js";

const read = (name: string) => JSON.parse(readFileSync(join(SPECS_DIR, "sagemaker", name), "utf8")) as Record<string, unknown>;
const catalog = loadInstanceCatalog();
const cuda = loadCudaTables();

describe("schemas", () => {
  it.each([
    ["instances.json", "instances.schema.json"],
    ["cuda.json", "cuda.schema.json"],
  ])("%s is valid against %s (strict ajv)", (data, schema) => {
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(read(schema));
    expect(validate(read(data)), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it("instances.json is catalogue version 2.0", () => {
    expect(catalog.catalogVersion).toBe("2.0");
  });

  it("rejects a driver table entry without a driver that is not marked unconfirmed", () => {
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(read("instances.schema.json"));
    const data = read("instances.json") as { hostDrivers: { hosting: { entries: Array<Record<string, unknown>> } } };
    data.hostDrivers.hosting.entries.push({ match: ["g9"], note: "made up" });
    expect(validate(data)).toBe(false);
  });

  it("rejects a value with neither a source nor an unconfirmed mark", () => {
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(read("instances.schema.json"));
    const data = read("instances.json") as { efa: { minimums: Array<Record<string, unknown>> } };
    data.efa.minimums.push({ component: "nccl", min: "2.30.0" });
    expect(validate(data)).toBe(false);
  });
});

describe("every value names a source, or is marked unconfirmed", () => {
  it("every GPU type is covered by exactly one row per surface it is offered on (exact type first)", () => {
    for (const surface of SURFACES) {
      for (const i of catalog.instances.filter((x) => x.gpu)) {
        const offered = surface === "training" ? "training" : "hosting";
        if (!i.services.includes(offered)) continue;
        const family = i.type.split(".")[1]!;
        const entries = catalog.hostDrivers[surface].entries;
        const exact = entries.filter((e) => e.match.includes(i.type));
        const byFamily = entries.filter((e) => e.match.includes(family));
        expect(exact.length <= 1 && byFamily.length === 1, `${surface} ${i.type}`).toBe(true);
      }
    }
  });

  it("every training value is an unconfirmed assumption", () => {
    expect(catalog.hostDrivers.training.entries.every((e) => e.unconfirmed === true && e.driver !== undefined)).toBe(true);
  });

  it("the CUDA a driver row prints is the one its branch runs natively", () => {
    const rows = [...SURFACES.flatMap((s) => catalog.hostDrivers[s].entries), ...catalog.amis];
    for (const r of rows.filter((x) => x.driver !== undefined && x.cuda !== undefined)) {
      expect(cuda.driverBranches.find((b) => b.branch === Number(r.driver!.split(".")[0]))?.maxCuda, JSON.stringify(r)).toBe(r.cuda);
    }
  });

  it("the driver-branch table is derived from the toolkit table: the newest toolkit whose driver is on the branch", () => {
    for (const b of cuda.driverBranches) {
      const toolkits = cuda.toolkitDrivers.filter((t) => Number(t.driver.split(".")[0]) === b.branch).map((t) => parseCudaVersion(t.toolkit.replace(/(U\d+|RC)$/, ""))!);
      const newest = toolkits.sort((x, y) => y.major - x.major || y.minor! - x.minor!)[0]!;
      expect(`${newest.major}.${newest.minor}`, `branch ${b.branch}`).toBe(b.maxCuda);
    }
  });
});

describe("spot checks against the reference text", () => {
  const hosting = (family: string) => catalog.hostDrivers.hosting.entries.find((e) => e.match.includes(family));

  it("section 2.1: real-time defaults 470 / 11.4 for g5 and p4d, 535 / 12.2 for p5 and g6, 550 / 12.4 for p5e and p5en", () => {
    expect(hosting("g5")).toMatchObject({ driver: "470", cuda: "11.4", source: ["SM-GPU-DRIVERS"] });
    expect(hosting("p4d")).toMatchObject({ driver: "470", cuda: "11.4" });
    expect(hosting("g6")).toMatchObject({ driver: "535", cuda: "12.2" });
    expect(hosting("p5en")).toMatchObject({ driver: "550", cuda: "12.4" });
    expect(hosting("g6e")).toMatchObject({ unconfirmed: true });
    expect(hosting("g6e")!.driver).toBeUndefined();
  });

  it("section 2.1: the AMIs, their drivers and which disable CUDA-compat mounting", () => {
    const ami = (n: string) => catalog.amis.find((a) => a.name === n);
    expect(ami("al2-ami-sagemaker-inference-gpu-2")).toMatchObject({ driver: "535", cuda: "12.2", cudaCompatMounting: "unstated" });
    expect(ami("al2-ami-sagemaker-inference-gpu-2-1")).toMatchObject({ driver: "535", cudaCompatMounting: "disabled" });
    expect(ami("al2-ami-sagemaker-inference-gpu-3-1")).toMatchObject({ driver: "550", cuda: "12.4", cudaCompatMounting: "disabled" });
    expect(ami("al2023-ami-sagemaker-inference-gpu-4-1")).toMatchObject({ driver: "580", cuda: "13.0", cudaCompatMounting: "disabled" });
    expect(ami("al2-ami-sagemaker-inference-neuron-2")).toMatchObject({ accelerator: "neuron", neuronDriver: "2.19" });
    expect(ami("al2-ami-sagemaker-batch-gpu-470")).toMatchObject({ parameter: "TransformAmiVersion", driver: "470" });
    expect(ami("al2-ami-sagemaker-batch-gpu-535")).toMatchObject({ parameter: "TransformAmiVersion", driver: "535" });
  });

  it("section 2.2: toolkit drivers, branch table, PTX ISA table and minor-version ranges", () => {
    const tk = (t: string) => cuda.toolkitDrivers.find((r) => r.toolkit === t)?.driver;
    expect(tk("13.0U2")).toBe("580.95.05");
    expect(tk("12.2U2")).toBe("535.104.05");
    expect(tk("12.0")).toBe("525.60.13");
    expect(tk("11.0RC")).toBe("450.36.06");
    expect(cuda.toolkitDrivers).toHaveLength(53);
    expect(cuda.driverBranches.map((b) => `${b.branch}:${b.maxCuda}`)).toContain("570:12.8");
    expect(cuda.ptxIsa.find((r) => r.isa === "8.6")?.minCuda).toBe("12.7"); // no CUDA 12.6 row: 8.5 -> 12.5, 8.6 -> 12.7
    expect(cuda.ptxIsa.find((r) => r.isa === "9.0")?.minCuda).toBe("13.0");
    expect(cuda.minorVersionCompat.find((r) => r.cudaMajor === 12)).toMatchObject({ minDriver: "525", exactMinDriver: "525.60.13", belowDriver: "580" });
    expect(cuda.minorVersionCompat.find((r) => r.cudaMajor === 11)).toMatchObject({ minDriver: "450", exactMinDriver: "450.80.02" });
  });

  it("section 5.3: p5.48xlarge minimums from the aws-ofi-nccl maintainers", () => {
    const min = (c: string) => catalog.efa.minimums.find((m) => m.component === c && m.instanceTypes?.includes("ml.p5.48xlarge"));
    expect(min("cuda")).toMatchObject({ min: "12.0" });
    expect(min("nccl")).toMatchObject({ min: "2.18.0", recommended: "2.18.5" });
    expect(min("aws-ofi-nccl")).toMatchObject({ min: "1.7.2", recommended: "1.7.3" });
    expect(min("efa-installer")).toMatchObject({ min: "1.29.0" });
    expect(catalog.efa.minimums.find((m) => m.component === "libfabric")).toMatchObject({ min: "1.18.0" });
    expect(catalog.efa.minimums.filter((m) => m.instanceTypes?.includes("ml.p6-b200.48xlarge")).every((m) => m.unconfirmed)).toBe(true);
  });

  it("section 1: efaMax, GPUDirect RDMA and CUDA 13's dropped Volta", () => {
    const t = (type: string) => catalog.instances.find((i) => i.type === type)!;
    expect(t("ml.p5.48xlarge")).toMatchObject({ efaMax: 32, gpuDirectRdma: true });
    expect(t("ml.p5en.48xlarge")).toMatchObject({ efaMax: 16, unconfirmed: ["gpuDirectRdma"] });
    expect(t("ml.trn1n.32xlarge")).toMatchObject({ efaMax: 16, accelerator: { model: "Trainium", count: 16 } });
    expect(t("ml.p6e-gb200.36xlarge").unconfirmed).toContain("efaMax");
    expect(catalog.gpuArchMaxCuda["7.0"]).toMatchObject({ major: 12, source: ["NV-RN"] });
  });

  it("section 6: every Neuron type has an accelerator and no GPU", () => {
    const neuron = catalog.instances.filter((i) => /^ml\.(trn|inf)/.test(i.type));
    expect(neuron.length).toBeGreaterThan(0);
    expect(neuron.every((i) => i.accelerator && !i.gpu)).toBe(true);
  });

  it("the forward-compat table names every GPU model of the catalogue", () => {
    const models = new Set(catalog.instances.flatMap((i) => (i.gpu ? [i.gpu.model] : [])));
    expect(new Set(cuda.forwardCompatGpus.map((g) => g.model))).toEqual(models);
  });
});
