import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/architecture-matches-instances.js";
import type { ImageFacts } from "../../../src/engine/check.js";
import { findingsOf, onlyFinding, passDetail, runCheck } from "./outcomes.js";

const run = (image: Partial<ImageFacts>, instances: string[] = []) => runCheck(check, { image, instances });
const AMD64 = { os: "linux", architecture: "amd64" };
const ARM64 = { os: "linux", architecture: "arm64" };

describe("IMG-ARCH-INSTANCE", () => {
  it("fires on an amd64 image for a Graviton type, pointing at the --instance option", async () => {
    const f = onlyFinding(await run(AMD64, ["ml.c7g.xlarge"]));
    expect(f.message).toBe("ml.c7g.xlarge runs arm64 (arm64) but the image is linux/amd64");
    expect(f.fix).toBe("Build with --platform linux/arm64 for ml.c7g.xlarge, or push a multi-arch image covering linux/amd64 and linux/arm64.");
    expect(f.evidence.location).toEqual({ kind: "option", option: "--instance", value: "ml.c7g.xlarge" });
    expect(f.evidence.actual).toBe("linux/amd64");
    expect(f.evidence.expected).toBe("linux/arm64");
    expect(f.evidence.notes).toEqual(["ml.c7g.xlarge: architecture read from the EC2 family name c7g"]);
  });

  it("does not fire on linux/amd64 without --instance", async () => {
    expect(passDetail(await run(AMD64))).toBe("linux/amd64; no --instance given, so no instance type was matched");
  });

  it("passes an arm64 image on a Graviton type", async () => {
    expect(passDetail(await run(ARM64, ["ml.c7g.xlarge"]))).toBe("linux/arm64 runs on ml.c7g.xlarge");
  });

  it("passes amd64 on x86_64 types from the catalogue and from the name", async () => {
    expect(passDetail(await run(AMD64, ["ml.g5.xlarge", "ml.p4d.24xlarge", "ml.m5.large"]))).toBe("linux/amd64 runs on ml.g5.xlarge, ml.p4d.24xlarge, ml.m5.large");
  });

  it.each([
    [{ os: "linux", architecture: "s390x" }, "linux/s390x"],
    [{ os: "linux", architecture: "ppc64le" }, "linux/ppc64le"],
    [{ os: "linux", architecture: "arm", variant: "v7" }, "linux/arm/v7"],
    [{ os: "windows", architecture: "amd64" }, "windows/amd64"],
  ])("fires on %j without any --instance", async (image, platform) => {
    const f = onlyFinding(await run(image));
    expect(f.message).toBe(`the image is ${platform}; SageMaker runs linux/amd64 and linux/arm64 only`);
    expect(f.evidence.location).toEqual({ kind: "config", field: "Architecture" });
    expect(f.evidence.actual).toBe(platform);
    expect(f.evidence.expected).toEqual(["linux/amd64", "linux/arm64"]);
  });

  it("reports an unsupported platform once, not once per instance", async () => {
    const f = onlyFinding(await run({ os: "linux", architecture: "s390x" }, ["ml.c7g.xlarge", "ml.m5.large"]));
    expect(f.evidence.location).toEqual({ kind: "config", field: "Architecture" });
  });

  describe("the catalogue and the name", () => {
    it("ml.p6e-gb200 needs arm64, which the catalogue says and the name would not", async () => {
      const f = onlyFinding(await run(AMD64, ["ml.p6e-gb200.36xlarge"]));
      expect(f.message).toBe("ml.p6e-gb200.36xlarge runs arm64 (arm64) but the image is linux/amd64");
      expect(f.evidence.notes).toEqual(["ml.p6e-gb200.36xlarge is in byoc-check's instance catalogue"]);
      passDetail(await run(ARM64, ["ml.p6e-gb200.36xlarge"]));
    });

    it("reads arm64 from a Graviton family name missing from the catalogue (ml.m6gd.large)", async () => {
      const f = onlyFinding(await run(AMD64, ["ml.m6gd.large"]));
      expect(f.evidence.expected).toBe("linux/arm64");
      expect(f.evidence.notes).toEqual(["ml.m6gd.large: architecture read from the EC2 family name m6gd"]);
    });

    it("reads amd64 from a non-Graviton family name (ml.m5.large)", async () => {
      const f = onlyFinding(await run(ARM64, ["ml.m5.large"]));
      expect(f.message).toBe("ml.m5.large runs amd64 (x86_64) but the image is linux/arm64");
      expect(f.fix).toBe("Build with --platform linux/amd64 for ml.m5.large, or push a multi-arch image covering linux/arm64 and linux/amd64.");
      expect(f.evidence.notes).toEqual(["ml.m5.large: architecture read from the EC2 family name m5"]);
    });

    it("says when the catalogue decided an x86_64 type", async () => {
      const f = onlyFinding(await run(ARM64, ["ml.g5.xlarge"]));
      expect(f.evidence.notes).toEqual(["ml.g5.xlarge is in byoc-check's instance catalogue"]);
    });
  });

  it("includes the variant in the platform it reports", async () => {
    const f = onlyFinding(await run({ os: "linux", architecture: "arm64", variant: "v8" }, ["ml.m5.large"]));
    expect(f.message).toBe("ml.m5.large runs amd64 (x86_64) but the image is linux/arm64/v8");
  });

  it("gives one finding per mismatched instance, in the order given", async () => {
    const findings = findingsOf(await run(ARM64, ["ml.g5.xlarge", "ml.c7g.xlarge", "ml.m5.large"]));
    expect(findings.map((f) => f.evidence.location)).toEqual([
      { kind: "option", option: "--instance", value: "ml.g5.xlarge" },
      { kind: "option", option: "--instance", value: "ml.m5.large" },
    ]);
  });
});
