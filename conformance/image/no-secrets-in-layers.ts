import { defineImageCheck, fail, pass, type FindingInput } from "../../src/engine/check.js";
import { describeHit } from "../../src/image/secret-files.js";

/** Findings shown at most; the rest are counted. */
const SHOWN = 50;

export default defineImageCheck({
  id: "IMG-SECRETS-LAYERS",
  clauses: ["training#image.no-secrets", "inference#image.no-secrets", "processing#image.no-secrets"],
  severity: "error",
  title: "No layer ships credentials",
  rationale:
    "Every layer of an image is pushed to ECR and pulled with it: a key, token or credentials file added in one layer can be read by anyone who can pull the image, even when a later layer deletes it (RUN rm only hides it from the merged view). ML images collect them easily: ~/.aws/credentials copied for a download, a Hugging Face token for gated weights, pip.conf with a private index password.",
  fix: "Remove the secret from the layer that adds it (not in a later one): pass it at build time with a BuildKit secret mount (RUN --mount=type=secret), or at run time through the job's environment or Secrets Manager; then rotate it, since the pushed image already leaked it.",
  needs: { layers: true },
  timeoutMs: 600_000,
  run({ layers }) {
    const findings: FindingInput[] = layers.secrets.slice(0, SHOWN).map(({ hit, layer, deletedLater }) => ({
      message: describeHit(hit, { index: layer.index, ...(layer.diffId ? { digest: layer.diffId } : {}) }, deletedLater),
      fix: deletedLater
        ? `Stop layer ${layer.index + 1} from adding ${hit.path} (deleting it later does not remove it from the image), and rotate the credential.`
        : `Remove ${hit.path} from the image, or the secret from it, and rotate the credential.`,
      where: { kind: "file", path: hit.path, ...(layer.diffId ? { layer: layer.diffId } : {}) },
      evidence: { actual: { rule: hit.ruleId, masked: hit.masked, line: hit.line, layer: layer.index + 1, deletedLater } },
    }));
    if (layers.secrets.length > SHOWN) findings[findings.length - 1]!.evidence!.notes = [`${layers.secrets.length - SHOWN} more not shown`];
    const [first, ...rest] = findings;
    return first ? fail(first, ...rest) : pass(`no credentials in the ${layers.layers.length} layers`);
  },
});
