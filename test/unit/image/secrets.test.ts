import { describe, expect, it } from "vitest";
import { SECRET_RULES, findSecrets, mask } from "../../../src/image/secrets.js";

// Well-known documentation placeholders, shaped like the real thing.
const AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const HF = `hf_${"aBcD1234".repeat(4)}xy`; // 34 after the prefix
const GHP = `ghp_${"A1b2C3d4E5".repeat(3)}f6G7h8`; // 36 after the prefix
const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";

const ruleIds = (env: Array<[string, string]>) => findSecrets(env).map((m) => `${m.name}:${m.rule.id}`);

describe("findSecrets fires", () => {
  it.each<[string, string, string]>([
    ["AWS_ACCESS_KEY_ID", AWS_KEY_ID, "aws-access-key-id"],
    ["SOME_SETTING", `s3://${AWS_KEY_ID}@bucket`, "aws-access-key-id"],
    ["ASIA_STYLE", "ASIAY34FZKBOKMUTVV7A", "aws-access-key-id"],
    ["AWS_SECRET_ACCESS_KEY", AWS_SECRET, "aws-secret-access-key"],
    ["SECRET_ACCESS_KEY", AWS_SECRET, "aws-secret-access-key"],
    ["my_aws_secret_access_key", AWS_SECRET, "aws-secret-access-key"],
    ["AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ", "aws-session-token"],
    ["AWS_SECURITY_TOKEN", "IQoJb3JpZ2luX2VjEJr", "aws-session-token"],
    ["MODEL_ACCESS", HF, "hugging-face-access-token"],
    ["HF_TOKEN", "abcdefgh", "hugging-face-access-token"],
    ["HUGGING_FACE_HUB_TOKEN", "abcdefgh", "hugging-face-access-token"],
    ["hf_api_token", "abcdefgh", "hugging-face-access-token"],
    ["TLS_KEY", PEM, "private-key"],
    ["SSH_KEY", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn", "private-key"],
    ["GIT_CREDENTIAL", GHP, "github-token"],
    ["OPENAI_API_KEY", "sk-proj-abcdefgh", "openai-api-key"],
    ["WANDB_API_KEY", "0123456789abcdef0123456789abcdef01234567", "wandb-api-key"],
    ["DB_PASSWORD", "hunter22!", "generic-secret"],
    ["PASSWORD", "correct horse battery staple", "generic-secret"],
    ["MLFLOW_TRACKING_TOKEN", "abcdefgh12", "generic-secret"],
    ["COMET_API_KEY", "abcdefgh12", "generic-secret"],
    ["JWT_SECRET", "abcdefgh12", "generic-secret"],
    ["DJANGO_SECRET_KEY", "abcdefgh12", "generic-secret"],
    ["service_auth_token", "abcdefgh12", "generic-secret"],
  ])("%s=%s as %s", (name, value, id) => {
    const matches = findSecrets([["PATH", "/usr/bin:/bin"], [name, value]]);
    expect(matches).toHaveLength(1);
    expect(matches[0]!.name).toBe(name);
    expect(matches[0]!.rule.id).toBe(id);
  });

  it("has a firing case above for every rule", () => {
    expect(new Set(SECRET_RULES.map((r) => r.id))).toEqual(
      new Set(["aws-access-key-id", "aws-secret-access-key", "aws-session-token", "hugging-face-access-token", "private-key", "github-token", "openai-api-key", "wandb-api-key", "generic-secret"]),
    );
  });

  it("reports every variable that holds one, in image order", () => {
    expect(ruleIds([["A", AWS_KEY_ID], ["LANG", "C.UTF-8"], ["HF_TOKEN", HF], ["DB_PASSWORD", "hunter22!"]])).toEqual([
      "A:aws-access-key-id",
      "HF_TOKEN:hugging-face-access-token",
      "DB_PASSWORD:generic-secret",
    ]);
  });
});

describe("findSecrets does not fire", () => {
  it.each<[string, string]>([
    ["AWS_SECRET_ACCESS_KEY", ""],
    ["AWS_SECRET_ACCESS_KEY", "   "],
    ["HF_TOKEN", "${HF_TOKEN}"],
    ["HF_TOKEN", "$HF_TOKEN"],
    ["DB_PASSWORD", "/run/secrets/db_password"],
    ["DB_PASSWORD", "file:/run/secrets/db_password"],
    ["DB_PASSWORD", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"],
    ["DB_PASSWORD", "arn:aws:ssm:us-east-1:123456789012:parameter/db"],
    ["DB_PASSWORD", "ssm:/prod/db/password"],
    ["DB_PASSWORD", "secretsmanager:prod/db"],
    ["DB_PASSWORD", "short"],
    ["API_KEY", "1234567"],
    ["MAX_TOKENS", "4096000000"],
    ["TOKENIZERS_PARALLELISM", "false-but-long"],
    ["HF_HUB_ENABLE_HF_TRANSFER", "1"],
    ["SAGEMAKER_PROGRAM", "train.py"],
    ["PASSWORD_MIN_LENGTH", "12345678"],
    ["SECRETS_DIR", "/run/secrets"],
    ["PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    ["NVIDIA_REQUIRE_CUDA", "cuda>=12.1 brand=tesla,driver>=470,driver<471"],
    ["CUDA_VERSION", "12.1.1"],
    ["IMAGE_TAG", "AKIA-not-a-key"],
    ["NOTE", "hf_short"],
  ])("%s=%j", (name, value) => {
    expect(findSecrets([[name, value]])).toEqual([]);
  });
});

describe("masking", () => {
  function* values(seed: number, count: number): Generator<string> {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let s = seed >>> 0;
    for (let i = 0; i < count; i++) {
      let v = "";
      const length = 1 + (i % 80);
      for (let j = 0; j < length; j++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        v += alphabet[s % alphabet.length];
      }
      yield v;
    }
  }

  it.each([
    ["", "(0 chars)"],
    ["abc", "(3 chars)"],
    ["fifteen-chars!!", "(15 chars)"],
    ["sixteen-chars!!!", "sixt...(16 chars)"],
    [AWS_SECRET, "wJal...(40 chars)"],
  ])("mask(%j) is %j", (value, masked) => {
    expect(mask(value)).toBe(masked);
  });

  it("never shows more than 4 leading characters, and always the length", () => {
    for (const v of values(20240601, 400)) {
      const m = mask(v);
      expect(m).toContain(`(${v.length} chars)`);
      const shown = m.replace(/\.\.\.\(\d+ chars\)$|\(\d+ chars\)$/, "");
      expect(shown.length).toBeLessThanOrEqual(4);
      expect(v.startsWith(shown)).toBe(true);
      for (let i = 0; i + 5 <= v.length; i++) expect(m).not.toContain(v.slice(i, i + 5));
    }
  });

  it("findSecrets masks what it reports", () => {
    const env: Array<[string, string]> = [
      ["AWS_SECRET_ACCESS_KEY", AWS_SECRET],
      ["K", `prefix ${AWS_KEY_ID} suffix`],
      ["TLS_KEY", PEM],
      ["GIT", GHP],
      ["DB_PASSWORD", "hunter22!"],
    ];
    const matches = findSecrets(env);
    expect(matches.map((m) => m.masked)).toEqual(["wJal...(40 chars)", "AKIA...(20 chars)", "----...(31 chars)", "ghp_...(40 chars)", "(9 chars)"]);
    for (const m of matches) {
      const value = env.find(([n]) => n === m.name)![1];
      for (let i = 0; i + 5 <= value.length; i++) expect(m.masked).not.toContain(value.slice(i, i + 5));
    }
  });
});
