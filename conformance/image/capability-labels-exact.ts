import { distance } from "fastest-levenshtein";
import { defineImageCheck, fail, pass, type FindingInput } from "../../src/engine/check.js";

const PREFIX = "com.amazonaws.sagemaker.capabilities.";
const CAPABILITIES = ["accept-bind-to-port", "multi-models", "bidirectional-streaming"] as const;
const KNOWN = CAPABILITIES.map((c) => PREFIX + c);

/** Lower-case letters and digits only: `SageMaker.Capabilities.MultiModels` and `multi_models` compare equal. */
const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** The capability label a key was probably meant to be, or undefined when it is unrelated (or exact). */
function nearMiss(key: string): string | undefined {
  if (KNOWN.includes(key)) return undefined;
  const lower = key.toLowerCase();
  const nearest = [...KNOWN].sort((a, b) => distance(lower, a) - distance(lower, b))[0]!;
  const k = squash(key);
  // In SageMaker's capability namespace under any spelling (com.amazon.sagemaker..., sagemaker.capability...),
  // or a plain typo of a full label.
  const aboutCapabilities = k.includes("sagemaker") && (k.includes("capabilit") || CAPABILITIES.some((c) => k.endsWith(squash(c).replace(/s$/, ""))));
  return aboutCapabilities || distance(lower, nearest) <= 3 ? nearest : undefined;
}

export default defineImageCheck({
  id: "IMG-CAPABILITY-LABELS",
  clauses: ["inference#capabilities.labels"],
  severity: "error",
  title: "SageMaker capability labels are spelled and valued exactly",
  rationale:
    "SageMaker reads capability labels by exact key and value: com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true for serial pipelines and multi-container endpoints, ...multi-models=true for multi-model endpoints, ...bidirectional-streaming=true for bidirectional streaming. A near-miss spelling or a value other than the lowercase string true is silently ignored, and the deployment fails with 'does not contain required ... Docker label(s)'.",
  fix: "LABEL com.amazonaws.sagemaker.capabilities.<capability>=true, spelled exactly.",
  needs: { config: true },
  run({ config }) {
    const findings: FindingInput[] = [];
    const present: string[] = [];
    for (const [key, value] of Object.entries(config.labels)) {
      const where = { kind: "config", field: `Config.Labels["${key}"]` } as const;
      if (KNOWN.includes(key)) {
        present.push(key);
        if (value !== "true") {
          findings.push({
            message: `label ${key} has the value ${JSON.stringify(value)}; SageMaker only honours "true"`,
            fix: `LABEL ${key}=true`,
            where,
            evidence: { actual: value, expected: "true" },
          });
        }
        continue;
      }
      const meant = nearMiss(key);
      if (meant) {
        findings.push({
          message: `label ${key} looks like a misspelling of ${meant}; SageMaker will not see the capability`,
          fix: `LABEL ${meant}=true (and remove ${key})`,
          where,
          evidence: { actual: `${key}=${value}`, expected: `${meant}=true` },
        });
      }
    }
    const [first, ...rest] = findings;
    if (first) return fail(first, ...rest);
    return pass(present.length > 0 ? `declares ${present.map((k) => k.slice(PREFIX.length)).join(", ")}` : "no SageMaker capability labels");
  },
});
