import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SpecError, UsageError } from "../../../src/errors.js";
import { SPECS_DIR } from "../../../src/paths.js";
import { dockerArch, resolveInstance } from "../../../src/spec/instances.js";

describe("resolveInstance", () => {
  it("ml.g5.xlarge comes from the catalogue: x86_64 with one sm_86 GPU", () => {
    const info = resolveInstance("ml.g5.xlarge");
    expect(info).toMatchObject({ type: "ml.g5.xlarge", family: "g5", cpuArch: "x86_64", archFrom: "catalog" });
    expect(info.gpu).toMatchObject({ model: "A10G", count: 1, computeCapability: "8.6", sm: "sm_86" });
    expect(info.services).toEqual(["training", "hosting"]);
  });

  it("ml.p6e-gb200.36xlarge is arm64 from the catalogue, though its name reads x86_64", () => {
    const info = resolveInstance("ml.p6e-gb200.36xlarge");
    expect(info).toMatchObject({ family: "p6e-gb200", cpuArch: "arm64", archFrom: "catalog" });
    expect(info.gpu?.sm).toBe("sm_100");
  });

  it.each([
    ["ml.c7g.xlarge", "c7g", "arm64"],
    ["ml.m6gd.large", "m6gd", "arm64"],
    ["ml.c6gn.large", "c6gn", "arm64"],
    ["ml.t4g.medium", "t4g", "arm64"],
    ["ml.m5.large", "m5", "x86_64"],
    ["ml.c5n.xlarge", "c5n", "x86_64"],
    ["ml.inf1.xlarge", "inf1", "x86_64"],
  ])("%s (%s) is %s by its name", (type, family, cpuArch) => {
    const info = resolveInstance(type);
    expect(info).toEqual({ type, family, cpuArch, archFrom: "name" });
  });

  it.each(["g5.xlarge", "ml.g5", "ML.G5.XLARGE", "local", "local_gpu", "", "ml..xlarge", "ml.g5.xlarge.extra", "ml.5g.xlarge"])(
    "rejects %j as a UsageError with an example in the hint",
    (type) => {
      let error: unknown;
      try {
        resolveInstance(type);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toContain(`"${type}" is not a SageMaker instance type`);
      expect((error as UsageError).hint).toContain("ml.g5.xlarge");
    },
  );

  it("dockerArch names the architectures as Docker does", () => {
    expect(dockerArch("x86_64")).toBe("amd64");
    expect(dockerArch("arm64")).toBe("arm64");
  });
});

describe("resolveInstance with --spec-dir", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function copyWith(edit: (catalog: { instances: Array<Record<string, unknown>> }) => unknown): string {
    const dir = mkdtempSync(join(tmpdir(), "unit-instances-"));
    dirs.push(dir);
    cpSync(SPECS_DIR, dir, { recursive: true });
    const file = join(dir, "sagemaker", "instances.json");
    const data = JSON.parse(readFileSync(file, "utf8")) as { instances: Array<Record<string, unknown>> };
    writeFileSync(file, JSON.stringify(edit(data) ?? data, null, 2));
    return dir;
  }

  // loadCatalog() keeps the first catalogue it read in a module-level variable and ignores specsDir after that:
  // once the bundled catalogue is loaded (the tests above), another directory's catalogue is never read.
  it("reads the catalogue of the directory it is given", () => {
    resolveInstance("ml.g5.xlarge");
    const dir = copyWith((c) => {
      const g5 = c.instances.find((e) => e.type === "ml.g5.xlarge")!;
      g5.cpuArch = "arm64";
    });
    expect(resolveInstance("ml.g5.xlarge", dir).cpuArch).toBe("arm64");
  });

  it("rejects a catalogue in that directory that fails its schema", () => {
    resolveInstance("ml.g5.xlarge");
    const dir = copyWith((c) => ({ ...c, instances: "none" }));
    expect(() => resolveInstance("ml.g5.xlarge", dir)).toThrow(SpecError);
  });
});
