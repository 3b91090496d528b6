/**
 * Credentials recognisable in ENV. Value patterns follow trivy's built-in secret rules (peers.md §4); key names
 * follow what DLC's check_credentials.sh looks for on ML images (peers.md §12.8). A generic key-name rule catches
 * the rest but ignores short values, references and file paths, which is where dockle's CIS-DI-0010 drowns users
 * in false positives (dockle#159).
 */
export interface SecretRule {
  id: string;
  title: string;
  value?: RegExp;
  key?: RegExp;
}

/** Value patterns, shared with the scan of files in the image's layers (secret-files.ts). */
export const VALUE_PATTERNS = {
  awsAccessKeyId: /(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}/,
  huggingFaceToken: /hf_[A-Za-z0-9]{34,40}/,
  privateKey: /-----BEGIN[ A-Z0-9_-]*PRIVATE KEY( BLOCK)?-----/,
  githubToken: /\b(?:gh[pousr]_[0-9A-Za-z]{36}|github_pat_[0-9A-Za-z_]{82})\b/,
} as const;

export const SECRET_RULES: readonly SecretRule[] = [
  { id: "aws-access-key-id", title: "an AWS access key id", value: VALUE_PATTERNS.awsAccessKeyId },
  { id: "aws-secret-access-key", title: "an AWS secret access key", key: /^(AWS_)?SECRET_ACCESS_KEY$|aws.?secret.?access.?key/i },
  { id: "aws-session-token", title: "an AWS session token", key: /^AWS_(SESSION|SECURITY)_TOKEN$/i },
  { id: "hugging-face-access-token", title: "a Hugging Face token", value: VALUE_PATTERNS.huggingFaceToken },
  { id: "hugging-face-access-token", title: "a Hugging Face token", key: /^(HF_TOKEN|HF_API_TOKEN|HUGGING_FACE_HUB_TOKEN|HUGGINGFACE_HUB_TOKEN|HUGGINGFACE_TOKEN)$/i },
  { id: "private-key", title: "a private key", value: VALUE_PATTERNS.privateKey },
  { id: "github-token", title: "a GitHub token", value: VALUE_PATTERNS.githubToken },
  { id: "openai-api-key", title: "an OpenAI API key", key: /^OPENAI_API_KEY$/i },
  { id: "wandb-api-key", title: "a Weights & Biases API key", key: /^WANDB_API_KEY$/i },
  { id: "generic-secret", title: "a password, secret or token", key: /(^|_)(PASSWORD|PASSWD|SECRET|SECRET_KEY|API_KEY|ACCESS_TOKEN|AUTH_TOKEN|TOKEN|PRIVATE_KEY)$/i },
];

const MIN_GENERIC_LENGTH = 8;

/**
 * A value that names where a secret lives rather than holding one. An AWS secret key is 40 base64 characters and
 * starts with "/" about once in 64, so a 40-character base64 string is never taken for a path.
 */
function isReference(value: string): boolean {
  if (/^[A-Za-z0-9/+]{40}$/.test(value)) return false;
  return /^(\$\{?[A-Za-z_]|\/|file:|arn:aws:secretsmanager:|arn:aws:ssm:|ssm:|secretsmanager:)/.test(value) || value.trim() === "";
}

export interface SecretMatch {
  rule: SecretRule;
  name: string;
  masked: string;
}

/** Enough to recognise the value again, never enough to use it. */
export function mask(value: string): string {
  return value.length >= 16 ? `${value.slice(0, 4)}...(${value.length} chars)` : `(${value.length} chars)`;
}

export function findSecrets(env: ReadonlyArray<readonly [string, string]>): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const [name, value] of env) {
    if (value === "" || isReference(value)) continue;
    const hit = SECRET_RULES.find((r) => {
      if (r.value) return r.value.test(value);
      if (!r.key?.test(name)) return false;
      return r.id !== "generic-secret" || value.length >= MIN_GENERIC_LENGTH;
    });
    if (!hit) continue;
    const m = hit.value?.exec(value);
    out.push({ rule: hit, name, masked: mask(m ? m[0] : value) });
  }
  return out;
}
