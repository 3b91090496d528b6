import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/no-credentials-in-env.js";
import { config } from "../helpers/memory-image.js";
import { findingsOf, onlyFinding, passDetail, runCheck } from "./outcomes.js";

// Made-up credentials in the shape of real ones (AWS's documented example key pair included).
const AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const AWS_SESSION = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKENvalue0123456789abcdef";
const HF = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
const GHP = "ghp_0123456789abcdefghijABCDEFGHIJ0123456789".slice(0, 40);
const PEM_BODY = "MIIEpAIBAAKCAQEA0exampleBODYofTHEkey9876543210zyxw";
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`;
const OPENAI = "sk-proj-EXAMPLEexampleEXAMPLE0123456789";
const WANDB = "0123456789abcdef0123456789abcdef01234567";
const DB_PASSWORD = "correct-horse-battery-staple";

const env = (...entries: string[]) => runCheck(check, { config: config({ Env: entries }) });

describe("IMG-ENV-CREDENTIALS", () => {
  it("fires on an AWS access key id, masked, pointing at the ENV entry", async () => {
    const outcome = await env(`AWS_ACCESS_KEY_ID=${AWS_KEY_ID}`);
    const f = onlyFinding(outcome);
    expect(f.message).toBe("ENV AWS_ACCESS_KEY_ID holds an AWS access key id (AKIA...(20 chars))");
    expect(f.fix).toBe("Remove ENV AWS_ACCESS_KEY_ID, deactivate that key in IAM, and let the job's execution role supply credentials.");
    expect(f.evidence.location).toEqual({ kind: "config", field: 'Config.Env["AWS_ACCESS_KEY_ID"]' });
    expect(f.evidence.actual).toBe("AWS_ACCESS_KEY_ID=AKIA...(20 chars)");
    expect(f.evidence.notes).toEqual(["rule aws-access-key-id"]);
    expect(JSON.stringify(outcome)).not.toContain(AWS_KEY_ID);
  });

  it("does not fire on ordinary ENV", async () => {
    expect(passDetail(await env("PATH=/opt/program:/usr/bin", "PYTHONUNBUFFERED=1", "SAGEMAKER_PROGRAM=train.py", "LANG=C.UTF-8"))).toBe(
      "4 ENV entries, none holds a credential",
    );
  });

  it.each([
    ["an AWS access key id under any name", "S3_UPLOAD_KEY", AWS_KEY_ID, "aws-access-key-id", "an AWS access key id"],
    ["an AWS secret access key, by name", "AWS_SECRET_ACCESS_KEY", AWS_SECRET, "aws-secret-access-key", "an AWS secret access key"],
    ["an AWS secret access key, lower case name", "aws_secret_access_key", AWS_SECRET, "aws-secret-access-key", "an AWS secret access key"],
    ["an AWS session token", "AWS_SESSION_TOKEN", AWS_SESSION, "aws-session-token", "an AWS session token"],
    ["a Hugging Face token, by value", "MODEL_HUB_CREDENTIAL", HF, "hugging-face-access-token", "a Hugging Face token"],
    ["a Hugging Face token, by name", "HF_TOKEN", "not-in-the-hf_-format-but-named-so", "hugging-face-access-token", "a Hugging Face token"],
    ["a PEM private key", "SSH_KEY", PEM, "private-key", "a private key"],
    ["a GitHub token", "GIT_CREDENTIAL", GHP, "github-token", "a GitHub token"],
    ["an OpenAI key", "OPENAI_API_KEY", OPENAI, "openai-api-key", "an OpenAI API key"],
    ["a Weights & Biases key", "WANDB_API_KEY", WANDB, "wandb-api-key", "a Weights & Biases API key"],
    ["a long password under a generic name", "DB_PASSWORD", DB_PASSWORD, "generic-secret", "a password, secret or token"],
    ["a long value under *_TOKEN", "GITHUB_TOKEN", "some-opaque-token-value", "generic-secret", "a password, secret or token"],
  ])("fires on %s, never printing it", async (_, name, value, rule, title) => {
    const outcome = await env("LANG=C.UTF-8", `${name}=${value}`);
    const f = onlyFinding(outcome);
    expect(f.message).toMatch(new RegExp(`^ENV ${name} holds ${title.replace(/[&]/g, "\\$&")} \\(`));
    expect(f.evidence.location).toEqual({ kind: "config", field: `Config.Env["${name}"]` });
    expect(f.evidence.notes).toEqual([`rule ${rule}`]);
    expect(f.fix).toContain(rule.startsWith("aws-") ? "deactivate that key in IAM" : "revoke the credential");
    expect(JSON.stringify(outcome)).not.toContain(JSON.stringify(value).slice(1, -1));
  });

  it("masks a private key down to a prefix of its header: the key body never appears", async () => {
    const outcome = await env(`SSH_KEY=${PEM}`);
    expect(onlyFinding(outcome).evidence.actual).toBe("SSH_KEY=----...(31 chars)");
    expect(JSON.stringify(outcome)).not.toContain(PEM_BODY);
    expect(JSON.stringify(outcome)).not.toContain("PRIVATE KEY");
  });

  it("masks short values to their length only", async () => {
    const outcome = await env("HF_TOKEN=abc123xyz");
    expect(onlyFinding(outcome).message).toBe("ENV HF_TOKEN holds a Hugging Face token ((9 chars))");
    expect(JSON.stringify(outcome)).not.toContain("abc123xyz");
  });

  it.each([
    ["an empty value", "AWS_SECRET_ACCESS_KEY="],
    ["a blank value", "HF_TOKEN=   "],
    ["a ${VAR} reference", "HF_TOKEN=${HF_TOKEN}"],
    ["a $VAR reference", "DB_PASSWORD=$DB_PASSWORD_FROM_RUNTIME"],
    ["a file path", "AWS_SECRET_ACCESS_KEY=/run/secrets/aws_secret"],
    ["a Secrets Manager ARN", "DB_PASSWORD=arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"],
    ["a *_TOKEN_FILE name", "HF_TOKEN_FILE=hf-token.txt"],
    ["a *_TOKEN_FILE path", "GITHUB_TOKEN_FILE=/run/secrets/github"],
    ["TOKENIZERS_PARALLELISM", "TOKENIZERS_PARALLELISM=false"],
    ["MAX_TOKENS", "MAX_TOKENS=4096"],
    ["MAX_INPUT_TOKENS with a long value", "MAX_INPUT_TOKENS=1000000000"],
    ["a short generic value", "DB_PASSWORD=secret"],
    ["PASSWORD_FILE", "PASSWORD_FILE=passwords.txt.example"],
  ])("does not flag %s", async (_, entry) => {
    passDetail(await env(entry));
  });

  it("reports every credential in one result, in ENV order", async () => {
    const findings = findingsOf(
      await env(`AWS_ACCESS_KEY_ID=${AWS_KEY_ID}`, "PATH=/usr/bin", `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`, "HF_TOKEN_FILE=/run/secrets/hf", `HF_TOKEN=${HF}`),
    );
    expect(findings.map((f) => f.message)).toEqual([
      "ENV AWS_ACCESS_KEY_ID holds an AWS access key id (AKIA...(20 chars))",
      "ENV AWS_SECRET_ACCESS_KEY holds an AWS secret access key (wJal...(40 chars))",
      `ENV HF_TOKEN holds a Hugging Face token (hf_A...(${HF.length} chars))`,
    ]);
  });

  it("flags an AWS secret access key that happens to start with / (base64 allows it)", async () => {
    // 40 characters of [A-Za-z0-9/+]: one real key in 64 starts with /, and it is no file path.
    const key = "/K7MDENG/bPxRfiCYEXAMPLEKEYwJalrXUtnFEMI";
    expect(key).toHaveLength(40);
    const f = onlyFinding(await env(`AWS_SECRET_ACCESS_KEY=${key}`));
    expect(f.evidence.notes).toEqual(["rule aws-secret-access-key"]);
  });
});
