import { defineImageCheck, fail, pass, type FindingInput } from "../../src/engine/check.js";
import { dockerArch } from "../../src/spec/instances.js";

const SAGEMAKER_ARCHES = ["amd64", "arm64"];

export default defineImageCheck({
  id: "IMG-ARCH-INSTANCE",
  clauses: ["inference#platform.architecture", "training#platform.architecture", "processing#platform.architecture"],
  severity: "error",
  title: "Image architecture runs on every target instance type",
  rationale:
    "SageMaker instances are x86_64, except Graviton types (ml.c7g, ml.m6g, ...: the g after the generation) and the Grace-based ml.p6e-gb200, which need arm64. An image built for the wrong one fails with 'exec format error' before any of your code runs.",
  fix: "Build for the instance's architecture (docker build --platform linux/amd64 or linux/arm64), or push a multi-arch image (docker buildx build --platform linux/amd64,linux/arm64).",
  needs: { instances: true },
  run({ image, instances }) {
    const platform = `${image.os}/${image.architecture}${image.variant ? `/${image.variant}` : ""}`;
    const findings: FindingInput[] = [];
    if (image.os !== "linux" || !SAGEMAKER_ARCHES.includes(image.architecture)) {
      findings.push({
        message: `the image is ${platform}; SageMaker runs linux/amd64 and linux/arm64 only`,
        fix: "Build the image with --platform linux/amd64 (or linux/arm64 for Graviton).",
        where: { kind: "config", field: "Architecture" },
        evidence: { actual: platform, expected: SAGEMAKER_ARCHES.map((a) => `linux/${a}`) },
      });
    } else {
      for (const instance of instances) {
        const needed = dockerArch(instance.cpuArch);
        if (needed === image.architecture) continue;
        findings.push({
          message: `${instance.type} runs ${needed} (${instance.cpuArch}) but the image is ${platform}`,
          fix: `Build with --platform linux/${needed} for ${instance.type}, or push a multi-arch image covering linux/${image.architecture} and linux/${needed}.`,
          where: { kind: "option", option: "--instance", value: instance.type },
          evidence: {
            actual: platform,
            expected: `linux/${needed}`,
            notes: [instance.archFrom === "catalog" ? `${instance.type} is in byoc-check's instance catalogue` : `${instance.type}: architecture read from the EC2 family name ${instance.family}`],
          },
        });
      }
    }
    const [first, ...rest] = findings;
    if (first) return fail(first, ...rest);
    return pass(instances.length > 0 ? `${platform} runs on ${instances.map((i) => i.type).join(", ")}` : `${platform}; no --instance given, so no instance type was matched`);
  },
});
