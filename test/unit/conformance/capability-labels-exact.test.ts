import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/capability-labels-exact.js";
import { config } from "../helpers/memory-image.js";
import { findingsOf, onlyFinding, passDetail, runCheck } from "./outcomes.js";

const PREFIX = "com.amazonaws.sagemaker.capabilities.";
const BIND = `${PREFIX}accept-bind-to-port`;
const MME = `${PREFIX}multi-models`;
const STREAMING = `${PREFIX}bidirectional-streaming`;

const labels = (Labels: Record<string, string> | null) => runCheck(check, { config: config({ Labels }) });

describe("IMG-CAPABILITY-LABELS", () => {
  it("fires on a capability label whose value is not the string true", async () => {
    const f = onlyFinding(await labels({ [MME]: "True" }));
    expect(f.message).toBe(`label ${MME} has the value "True"; SageMaker only honours "true"`);
    expect(f.fix).toBe(`LABEL ${MME}=true`);
    expect(f.evidence.location).toEqual({ kind: "config", field: `Config.Labels["${MME}"]` });
    expect(f.evidence.actual).toBe("True");
    expect(f.evidence.expected).toBe("true");
  });

  it("does not fire on the exact keys valued true", async () => {
    expect(passDetail(await labels({ [BIND]: "true", [MME]: "true", [STREAMING]: "true" }))).toBe(
      "declares accept-bind-to-port, multi-models, bidirectional-streaming",
    );
  });

  it("passes an image with no labels, or none about SageMaker", async () => {
    expect(passDetail(await labels(null))).toBe("no SageMaker capability labels");
    expect(passDetail(await labels({ maintainer: "ml-team" }))).toBe("no SageMaker capability labels");
  });

  it.each([["TRUE"], ["1"], ["yes"], ["on"], [""], ["true "], ['"true"']])("fires on the value %j", async (value) => {
    const f = onlyFinding(await labels({ [BIND]: value }));
    expect(f.message).toContain(`has the value ${JSON.stringify(value)}`);
  });

  it.each([
    [`${PREFIX}multi-model`, MME],
    [`com.amazon.sagemaker.capabilities.multi-models`, MME],
    [`sagemaker.capabilities.multi-models`, MME],
    [`${PREFIX}Multi-Models`, MME],
    [`${PREFIX}bind-to-port`, BIND],
    [`com.amazonaws.sagemaker.capabilites.accept-bind-to-port`, BIND],
    [`com.amazonaws.sagemaker.capability.accept_bind_to_port`, BIND],
    [`${PREFIX}acept-bind-to-port`, BIND],
    [`${PREFIX}bidirectional-stream`, STREAMING],
    [`com.amazonaws.sagemaker.capabilities.bidirectional_streaming`, STREAMING],
  ])("flags %s as a misspelling of %s", async (key, meant) => {
    const f = onlyFinding(await labels({ [key]: "true" }));
    expect(f.message).toBe(`label ${key} looks like a misspelling of ${meant}; SageMaker will not see the capability`);
    expect(f.fix).toBe(`LABEL ${meant}=true (and remove ${key})`);
    expect(f.evidence.location).toEqual({ kind: "config", field: `Config.Labels["${key}"]` });
    expect(f.evidence.actual).toBe(`${key}=true`);
    expect(f.evidence.expected).toBe(`${meant}=true`);
  });

  it.each([
    ["org.opencontainers.image.source"],
    ["org.opencontainers.image.version"],
    ["com.amazonaws.something.else"],
    ["com.amazonaws.ml.engines.sagemaker.dlc.framework.pytorch.2.1.0"],
    ["com.amazonaws.sagemaker.dlc.version"],
    ["maintainer"],
  ])("does not flag the unrelated label %s", async (key) => {
    passDetail(await labels({ [key]: "true", [MME]: "true" }));
  });

  it("reports every problem in one result, in label order", async () => {
    const findings = findingsOf(
      await labels({
        "org.opencontainers.image.title": "server",
        [`${PREFIX}multi-model`]: "true",
        [BIND]: "true",
        [STREAMING]: "false",
      }),
    );
    expect(findings.map((f) => f.evidence.location)).toEqual([
      { kind: "config", field: `Config.Labels["${PREFIX}multi-model"]` },
      { kind: "config", field: `Config.Labels["${STREAMING}"]` },
    ]);
    expect(findings[1]!.message).toContain('has the value "false"');
  });
});
