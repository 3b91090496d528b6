import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BUILTIN_ALLOW_RULES,
  MAX_HITS_PER_FILE,
  SECRET_FILE_RULES,
  createSecretFileScanner,
  describeHit,
  skipReason,
  type SecretFileScannerOptions,
  type SecretHit,
} from "../../../src/image/secret-files.js";
import { mask } from "../../../src/image/secrets.js";

// Built from pieces, shaped like the real thing; none is a live credential.
const AWS_ID = "AKIA" + "Z7Q4M2XWBV9KD3PL";
const AWS_SECRET = "Zx9/Tq2Lm8Kw" + "Rb4+Yv7Nc1Hp" + "Dg5Js3Fa6Ue0" + "Wi8Q";
const HF = "hf_" + "Qm7dLw2Rk9Tz" + "Xb4Nc8Vp1Hs6" + "Jg3Fy5Ua0E";
const GHP = "ghp_" + "A1b2C3d4E5f6" + "G7h8I9j0K1l2" + "M3n4O5p6Q7r8";
const PAT = "github_pat_" + "11ABCDEFG0" + "abcdefghijklmnopqrstuvwxyz_0123456789".repeat(2).slice(0, 72);
const PEM_BODY = "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\n";
const pem = (label: string) => `-----BEGIN ${label}-----\n${PEM_BODY}-----END ${label}-----\n`;
const CERT = pem("CERTIFICATE");

function scan(path: string, content: string | Buffer, chunk = 4096, opts?: SecretFileScannerOptions): SecretHit[] | undefined {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const sink = createSecretFileScanner(opts).open(path, bytes.length);
  if (!sink) return undefined;
  for (let i = 0; i < bytes.length; i += chunk) if (sink.write(bytes.subarray(i, i + chunk)) === "enough") break;
  return sink.end();
}

const brief = (hits: SecretHit[] | undefined) => hits?.map((h) => `${h.line}:${h.ruleId}:${h.masked}`);

describe("token rules", () => {
  it.each<[string, string, string, string]>([
    ["AWS access key id", "/opt/program/train.py", `import boto3\nKEY = "${AWS_ID}"\n`, `2:aws-access-key-id:AKIA...(20 chars)`],
    ["ASIA key id", "/opt/program/run.sh", `X=ASIA${AWS_ID.slice(4)}\n`, `1:aws-access-key-id:ASIA...(20 chars)`],
    ["secret after aws_secret_access_key", "/opt/app/settings.ini", `[s3]\naws_secret_access_key = ${AWS_SECRET}\n`, `2:aws-secret-access-key:Zx9/...(40 chars)`],
    ["secret in JSON", "/opt/app/creds.json", `{\n  "SecretAccessKey": "${AWS_SECRET}"\n}`, `2:aws-secret-access-key:Zx9/...(40 chars)`],
    ["secret in a Dockerfile ENV", "/src/Dockerfile", `ENV AWS_SECRET_ACCESS_KEY ${AWS_SECRET}\n`, `1:aws-secret-access-key:Zx9/...(40 chars)`],
    ["Hugging Face token", "/opt/ml/code/.env", `HF_TOKEN=${HF}\n`, `1:hugging-face-access-token:hf_Q...(37 chars)`],
    ["ghp_ token", "/opt/app/deploy.sh", `git clone https://${GHP}@github.com/o/r\n`, `1:github-token:ghp_...(40 chars)`],
    ["gho_ token", "/app/a.txt", `t: gho_${GHP.slice(4)}\n`, `1:github-token:gho_...(40 chars)`],
    ["ghu_ token", "/app/a.txt", `t: ghu_${GHP.slice(4)}\n`, `1:github-token:ghu_...(40 chars)`],
    ["ghs_ token", "/app/a.txt", `t: ghs_${GHP.slice(4)}\n`, `1:github-token:ghs_...(40 chars)`],
    ["ghr_ token", "/app/a.txt", `t: ghr_${GHP.slice(4)}\n`, `1:github-token:ghr_...(40 chars)`],
    ["fine-grained PAT", "/app/a.txt", `\n\nt=${PAT}\n`, `3:github-token:gith...(93 chars)`],
    ["RSA private key", "/root/.ssh/id_rsa", pem("RSA PRIVATE KEY"), `1:private-key:RSA PRIVATE KEY`],
    ["OpenSSH private key", "/opt/app/deploy_key", `# deploy\n${pem("OPENSSH PRIVATE KEY")}`, `2:private-key:OPENSSH PRIVATE KEY`],
    ["encrypted PEM key", "/opt/app/server.key", `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,8A2F\n\n${PEM_BODY}`, `1:private-key:RSA PRIVATE KEY`],
    ["PGP private key block", "/root/key.asc", `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${PEM_BODY}`, `1:private-key:PGP PRIVATE KEY BLOCK`],
    ["SSH host key", "/etc/ssh/ssh_host_ed25519_key", pem("OPENSSH PRIVATE KEY"), `1:ssh-host-key:OPENSSH PRIVATE KEY`],
    ["TLS key in /etc/ssl/private", "/etc/ssl/private/ssl-cert-snakeoil.key", pem("PRIVATE KEY"), `1:tls-private-key:PRIVATE KEY`],
  ])("%s fires", (_name, path, content, expected) => {
    expect(brief(scan(path, content))).toEqual([expected]);
  });

  it.each<[string, string, string]>([
    ["AWS's documented example key id", "/opt/app/a.py", `KEY = "AKIAIOSFODNN7EXAMPLE"\n`],
    ["AWS's documented example secret", "/opt/app/a.ini", `aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`],
    ["a key id inside a longer upper-case run", "/opt/app/a.txt", `X${AWS_ID}\n${AWS_ID}Q\n`],
    ["a placeholder key id", "/opt/app/a.txt", `AKIAXXXXXXXXXXXXXXXX\n`],
    ["40 base64 characters with no key name", "/opt/app/a.txt", `digest = ${AWS_SECRET}\n`],
    ["41 characters after the key name", "/opt/app/a.txt", `aws_secret_access_key = ${AWS_SECRET}Z\n`],
    ["a reference after the key name", "/opt/app/a.sh", `aws_secret_access_key = "$AWS_SECRET_ACCESS_KEY"\n`],
    ["hf_ with 33 characters", "/opt/app/a.txt", `${HF.slice(0, 36)}\n`],
    ["hf_ in an identifier", "/opt/app/a.py", `from x import hf_hub_download_with_retries_and_a_long_name\n`],
    ["a placeholder hf_ token", "/opt/app/a.env", `HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n`],
    ["ghx_ is no GitHub prefix", "/opt/app/a.txt", `t: ghx_${GHP.slice(4)}\n`],
    ["ghp_ with 35 characters", "/opt/app/a.txt", `t: ${GHP.slice(0, 39)}\n`],
    ["a certificate", "/etc/ssl/certs/ssl-cert-snakeoil.pem", CERT],
    ["a public key", "/opt/app/key.pub", pem("PUBLIC KEY")],
    ["a header in code that writes keys", "/opt/app/keygen.js", `out = '-----BEGIN OPENSSH PRIVATE KEY-----\\n' + body;\n`],
    ["a header with no body", "/opt/app/keys.txt", "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n"],
    ["an SSH host public key", "/etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF root@build\n"],
  ])("%s does not fire", (_name, path, content) => {
    expect(scan(path, content)).toEqual([]);
  });

  it("notes what to do about a host key", () => {
    const [hit] = scan("/etc/ssh/ssh_host_rsa_key", pem("RSA PRIVATE KEY"))!;
    expect(hit!.title).toBe("an SSH host private key");
    expect(hit!.note).toBe("SSH host key: delete it in the Dockerfile and regenerate at start-up (ssh-keygen -A)");
  });
});

describe("credential files", () => {
  it.each<[string, string, string, string[]]>([
    [
      "AWS credentials under /root",
      "/root/.aws/credentials",
      `[default]\naws_access_key_id = ${AWS_ID}\naws_secret_access_key = ${AWS_SECRET}\naws_session_token = IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ\n`,
      ["2:aws-access-key-id:AKIA...(20 chars)", "3:aws-secret-access-key:Zx9/...(40 chars)", "4:aws-session-token:IQoJ...(54 chars)"],
    ],
    [
      "AWS config with keys under /home",
      "/home/sagemaker-user/.aws/config",
      `[profile ci]\nregion = us-east-1\naws_secret_access_key=${AWS_SECRET.slice(0, 30)}\n`,
      ["3:aws-secret-access-key:Zx9/...(30 chars)"],
    ],
    ["netrc on one line", "/root/.netrc", "machine github.com login bob password s3cr3t-pass\n", ["1:netrc-password:(11 chars)"]],
    ["_netrc over lines", "/home/bob/_netrc", "machine a.example\n  login bob\n  password hunter2hunter2\n", ["3:netrc-password:(14 chars)"]],
    [
      "docker config.json with auth and identitytoken",
      "/root/.docker/config.json",
      `{\n  "auths": {\n    "123456789012.dkr.ecr.us-east-1.amazonaws.com": {\n      "auth": "QVdTOmV5SndZWGxzYjJGa0lqb2lZV0pqSW4wPQ=="\n    },\n    "r.example": { "identitytoken": "tok-9f8e7d6c5b4a39281706" }\n  }\n}\n`,
      ["4:docker-config-auth:QVdT...(40 chars)", "6:docker-config-auth:tok-...(24 chars)"],
    ],
    [
      "pip.conf with user:password@, URL-encoded",
      "/etc/pip.conf",
      "[global]\nindex-url = https://deploy:p%40ss%3Aw0rd%21@pypi.example.com/simple\n",
      ["2:pip-index-credentials:depl...(17 chars)"],
    ],
    ["pip.ini with a bare token@", "/root/pip.ini", "[global]\nextra-index-url = https://Abc123Def456Ghi789Jk@pypi.fury.io/acme/\n", ["2:pip-index-credentials:Abc1...(20 chars)"]],
    ["~/.pip/pip.conf", "/root/.pip/pip.conf", "[global]\nindex-url = https://u:longpassword1@nexus.internal/repository/pypi/simple\n", ["2:pip-index-credentials:(15 chars)"]],
    ["condarc with user:password@", "/opt/conda/.condarc", "channels:\n  - https://ci:pa55word@conda.example.com/main\n  - conda-forge\n", ["2:conda-channel-credentials:(11 chars)"]],
    ["condarc with an anaconda.org /t/ token", "/opt/conda/condarc", "channels:\n  - https://conda.anaconda.org/t/ab-12345678-90ab-cdef/acme\n", ["2:conda-channel-credentials:ab-1...(21 chars)"]],
    [".git-credentials", "/root/.git-credentials", "https://bob:s3cretpassw0rd@gitlab.example.com\n", ["1:git-credentials:bob:...(18 chars)"]],
    [".git-credentials holding a GitHub token", "/root/.git-credentials", `https://x-access-token:${GHP}@github.com\n`, ["1:github-token:ghp_...(40 chars)"]],
    [".git/config with a password in the remote", "/opt/app/.git/config", `[remote "origin"]\n\turl = https://bob:pw12345@git.example.com/r.git\n`, ["2:git-config-credentials:(11 chars)"]],
    [
      ".gitconfig with an extraheader",
      "/root/.gitconfig",
      "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX2FiYw==\n",
      ["2:git-config-credentials:eC1h...(32 chars)"],
    ],
    [".npmrc _authToken", "/opt/app/.npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_Q2w3E4r5T6y7U8i9O0p1\n", ["2:npmrc-auth-token:npm_...(24 chars)"]],
    [".npmrc _auth and _password", "/root/.npmrc", "_auth=Ym9iOnNlY3JldHBhc3M=\n//n.example/:_password=c2VjcmV0\n", ["1:npmrc-auth-token:Ym9i...(20 chars)", "2:npmrc-auth-token:(8 chars)"]],
    [".pypirc password", "/root/.pypirc", "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmcCJGFiYw\n", ["3:pypirc-password:pypi...(27 chars)"]],
    ["Hugging Face token file", "/root/.cache/huggingface/token", HF, ["1:hugging-face-access-token:hf_Q...(37 chars)"]],
  ])("%s fires", (_name, path, content, expected) => {
    expect(brief(scan(path, content))).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ["AWS config with no keys", "/root/.aws/config", "[default]\nregion = us-west-2\nsso_session = corp\ncredential_process = /usr/local/bin/creds\n"],
    ["AWS credentials with AWS's example keys", "/root/.aws/credentials", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"],
    ["netrc with a login only", "/root/.netrc", "machine a.example login bob\n"],
    ["netrc password inside a macro", "/root/.netrc", "machine a.example login bob\nmacdef init\nuser password secret-in-macro\n\n"],
    ["docker config with a credsStore only", "/root/.docker/config.json", `{"auths": {"123456789012.dkr.ecr.us-east-1.amazonaws.com": {}}, "credsStore": "ecr-login"}`],
    ["docker config with credHelpers and an empty auth", "/root/.docker/config.json", `{"auths": {"r.example": {"auth": ""}}, "credHelpers": {"r.example": "ecr-login"}}`],
    ["pip.conf without credentials", "/etc/pip.conf", "[global]\nindex-url = https://pypi.org/simple\ntrusted-host = pypi.org\n"],
    ["pip.conf with a short user@ and no password", "/etc/pip.conf", "[global]\nindex-url = https://bob@pypi.example.com/simple\n"],
    ["pip.conf with environment references", "/etc/pip.conf", "[global]\nindex-url = https://${PIP_USER}:${PIP_PASSWORD}@pypi.example.com/simple\n"],
    ["condarc without credentials", "/opt/conda/.condarc", "channels:\n  - conda-forge\n  - https://conda.example.com/main\n"],
    [".git-credentials with no credential", "/root/.git-credentials", "https://github.com\n"],
    [".git/config with ssh remotes", "/opt/app/.git/config", `[remote "origin"]\n\turl = git@github.com:o/r.git\n[remote "b"]\n\turl = ssh://git@host/r.git\n`],
    [".npmrc reading the token from the environment", "/opt/app/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"],
    [".pypirc without a password", "/root/.pypirc", "[pypi]\nusername = __token__\n"],
  ])("%s does not fire", (_name, path, content) => {
    expect(scan(path, content)).toEqual([]);
  });

  it("says which registry, machine or host a credential is for", () => {
    expect(scan("/root/.netrc", "machine huggingface.co login bob password s3cr3t-pass\n")![0]!.note).toBe("machine huggingface.co");
    expect(scan("/root/.docker/config.json", `{"auths":{"r.example":{"auth":"Ym9iOnNlY3JldHBhc3M="}}}`)![0]!.note).toBe("registry r.example");
    expect(scan("/etc/pip.conf", "index-url = https://u:longpassword1@nexus.internal/simple\n")![0]!.note).toBe("credentials for nexus.internal");
  });

  it("reads a credential file whatever its declared size", () => {
    const padding = "#".repeat(1023) + "\n";
    const big = "machine a login b password s3cr3t-pass\n" + padding.repeat(12 * 1024) + `password ${HF}\n`;
    expect(brief(scan("/root/.netrc", big, 1 << 20))).toEqual(["1:netrc-password:(11 chars)", "12290:hugging-face-access-token:hf_Q...(37 chars)"]);
  });
});

describe("what is read", () => {
  it.each<[string, number, string | undefined]>([
    ["/opt/program/train.py", 100, undefined],
    ["/opt/testbed/config.py", 100, undefined],
    ["/home/tester/.netrc", 100, undefined],
    ["/home/test/.aws/credentials", 100, undefined],
    ["/opt/app/.git/config", 100, undefined],
    ["/root/.netrc", 50 * 1024 * 1024, undefined],
    ["opt/program/train.py", 100, undefined],
    ["/opt/program/empty.py", 0, "empty"],
    ["/opt/program/big.json", 11 * 1024 * 1024, "over 10485760 bytes"],
    ["/usr/share/doc/git/README", 100, "allow rule usr-dirs"],
    ["/usr/lib/python3/dist-packages/x.py", 100, "allow rule usr-dirs"],
    ["/opt/conda/lib/python3.11/site-packages/tornado/web.py", 100, "allow rule python"],
    ["/usr/local/lib/python3.12/site-packages/x.py", 100, "allow rule python"],
    ["/opt/venv/foo-1.0.dist-info/METADATA", 100, "allow rule python"],
    ["/opt/program/tests/conftest.py", 100, "allow rule tests"],
    ["/opt/program/test_train.py", 100, "allow rule tests"],
    ["/opt/app/src/api.spec.ts", 100, "allow rule tests"],
    ["/opt/app/examples/client.py", 100, "allow rule examples"],
    ["/opt/app/.env.example", 100, "allow rule examples"],
    ["/opt/app/README.md", 100, "allow rule docs"],
    ["/go/src/app/vendor/x/y.go", 100, "allow rule vendor"],
    ["/opt/app/node_modules/pkg/.npmrc", 100, "node_modules (trivy's skip dirs)"],
    ["/opt/app/.git/objects/pack/pack-1.idx", 100, ".git (trivy's skip dirs)"],
    ["/opt/app/package-lock.json", 100, "lock file (trivy's skip files)"],
    ["/opt/ml/model/model.safetensors", 100, ".safetensors file"],
    ["/opt/app/__pycache__/a.cpython-311.pyc", 100, ".pyc file"],
    ["/opt/wheels/torch-2.3.0-cp311-linux_x86_64.whl", 100, ".whl file"],
    ["/opt/lib/libnccl.so.2.21.5", 100, "shared library"],
    ["/opt/app/logo.PNG", 100, ".PNG file"],
  ])("%s (%d bytes): %s", (path, size, reason) => {
    expect(skipReason(path, size)).toBe(reason);
    expect(createSecretFileScanner().open(path, size) === undefined).toBe(reason !== undefined);
  });

  it("takes the caller's allow rules in place of the built-in ones", () => {
    expect(brief(scan("/usr/share/doc/x/notes", `k=${AWS_ID}\n`, 4096, { allowRules: [] }))).toEqual(["1:aws-access-key-id:AKIA...(20 chars)"]);
    expect(scan("/opt/app/k.txt", `k=${AWS_ID}\n`, 4096, { allowRules: [{ id: "app", description: "", path: /^\/opt\/app\// }] })).toBeUndefined();
    expect(BUILTIN_ALLOW_RULES.map((r) => r.id)).toEqual(["tests", "examples", "docs", "usr-dirs", "python", "vendor"]);
  });

  it("takes a smaller size cap", () => {
    expect(skipReason("/opt/app/a.txt", 2000, { maxFileSize: 1000 })).toBe("over 1000 bytes");
  });

  it("stops at a binary file (trivy's test on its first bytes)", () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(100 * 1024, 0x41), Buffer.from(`\n${AWS_ID}\n`)]);
    const sink = createSecretFileScanner().open("/opt/app/bin/server", elf.length)!;
    expect(sink.write(elf.subarray(0, 80 * 1024))).toBe("enough");
    expect(sink.end()).toEqual([]);
    expect(scan("/opt/app/data.dat", Buffer.concat([Buffer.from([0, 1, 2, 3]), Buffer.from(` ${HF} `)]))).toEqual([]);
  });

  it("reads text that is not ASCII", () => {
    expect(brief(scan("/opt/app/notes.txt", `résumé ✓ 日本語\nclé=${HF}\n`))).toEqual(["2:hugging-face-access-token:hf_Q...(37 chars)"]);
  });
});

describe("streaming", () => {
  // The scanner reads in 64 KiB windows at fixed offsets; 1000 lines of filler, then a line that reaches 65536 bytes.
  const WINDOW = 64 * 1024;
  const FILLER = ("x".repeat(63) + "\n").repeat(1000);
  const upTo = (offset: number) => FILLER + " ".repeat(offset - FILLER.length);

  it.each<[string, string, string]>([
    ["AWS key id", `id=${AWS_ID};`, "aws-access-key-id"],
    ["AWS secret", `aws_secret_access_key = ${AWS_SECRET}`, "aws-secret-access-key"],
    ["hf token", `${HF}`, "hugging-face-access-token"],
    ["fine-grained PAT", ` ${PAT} `, "github-token"],
    ["private key", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk", "private-key"],
  ])("finds a %s split at every offset, once", (_name, secret, ruleId) => {
    for (let k = 0; k <= secret.length; k++) {
      const text = Buffer.from(upTo(WINDOW - k) + secret + "\nend\n");
      for (const cut of [WINDOW, WINDOW - k + 1]) {
        const sink = createSecretFileScanner().open("/opt/app/blob.txt", text.length)!;
        sink.write(text.subarray(0, cut));
        sink.write(text.subarray(cut));
        const hits = sink.end();
        expect(hits.map((h) => `${h.ruleId}@${h.line}`), `secret split at ${k}, chunks cut at ${cut}`).toEqual([`${ruleId}@1001`]);
      }
    }
  });

  it("does not lose the context before the bytes it carries into the next window", () => {
    // 512 bytes are carried over; a key id whose left neighbour falls just outside them is still inside a longer run.
    expect(scan("/opt/app/blob.txt", upTo(WINDOW - 512 - 1) + `X${AWS_ID}\n${"z".repeat(1000)}\n`)).toEqual([]);
  });

  it("finds a token that ends exactly where a window ends, and not a shorter one", () => {
    const sink = createSecretFileScanner().open("/opt/app/blob.txt", 1)!;
    sink.write(Buffer.from(upTo(WINDOW - 37) + HF.slice(0, 37)));
    sink.write(Buffer.from("Zq\n"));
    expect(sink.end().map((h) => h.masked)).toEqual(["hf_Q...(39 chars)"]);
  });

  it("gives the same hits and lines for one-byte chunks as for one chunk", () => {
    const text = `a\r\nb\n${AWS_ID}\n\n\nx ${HF}\n${"y".repeat(70_000)}\n${GHP}\n`;
    const whole = brief(scan("/opt/app/a.txt", text, text.length));
    expect(whole).toEqual(["3:aws-access-key-id:AKIA...(20 chars)", "6:hugging-face-access-token:hf_Q...(37 chars)", "8:github-token:ghp_...(40 chars)"]);
    expect(brief(scan("/opt/app/a.txt", text, 1))).toEqual(whole);
    expect(brief(scan("/opt/app/a.txt", text, 65_537))).toEqual(whole);
  });

  it("counts lines across many windows", () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => (i === 24_999 ? `k=${AWS_ID}` : `line ${i} ${"z".repeat(i % 90)}`));
    expect(brief(scan("/opt/app/log.txt", lines.join("\n"), 8192))).toEqual(["25000:aws-access-key-id:AKIA...(20 chars)"]);
  });

  it("stays linear on a window full of the same key", () => {
    const started = performance.now();
    expect(brief(scan("/opt/app/a.txt", `${AWS_ID}\n`.repeat(200_000), 65_536))).toEqual(["1:aws-access-key-id:AKIA...(20 chars)"]);
    expect(scan("/opt/app/a.txt", "PRIVATE KEY\n".repeat(200_000), 65_536)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("reports a value once per rule and at most MAX_HITS_PER_FILE per file", () => {
    expect(brief(scan("/opt/app/a.txt", `${AWS_ID}\n`.repeat(5)))).toEqual(["1:aws-access-key-id:AKIA...(20 chars)"]);
    // Same masked form, different keys: both must be rotated.
    expect(brief(scan("/opt/app/a.txt", `${AWS_ID}\nAKIA${AWS_ID.slice(4).split("").reverse().join("")}\n`))).toEqual([
      "1:aws-access-key-id:AKIA...(20 chars)",
      "2:aws-access-key-id:AKIA...(20 chars)",
    ]);
    const ids = Array.from({ length: 30 }, (_, i) => `AKIA${String(i).padStart(2, "0")}Z7Q4M2XWBV9KD3`);
    const sink = createSecretFileScanner().open("/opt/app/a.txt", 1)!;
    const said = ids.map((id) => sink.write(Buffer.from(`${id}\n`.padEnd(70_000, " "))));
    expect(said.indexOf("enough")).toBe(MAX_HITS_PER_FILE - 1);
    const hits = sink.end();
    expect(hits).toHaveLength(MAX_HITS_PER_FILE);
    expect(hits[19]!.line).toBe(20);
  });

  it("scans 50 MiB of random printable text quickly and finds nothing", () => {
    // xorshift32 with a fixed seed: the same text on every run.
    let s = 0x9e3779b9;
    const block = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < block.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      block[i] = i % 97 === 96 ? 10 : 32 + ((s >>> 0) % 95);
    }
    const total = 50 * 1024 * 1024;
    const sink = createSecretFileScanner({ maxFileSize: total }).open("/opt/app/random.txt", total)!;
    const started = performance.now();
    for (let sent = 0, i = 0; sent < total; i++) {
      // Chunks of varying size and offset, so the stream is not 12 copies of one block.
      const at = (i * 7919) % (block.length - 300_000);
      const chunk = block.subarray(at, at + 16_384 + ((i * 104_729) % 200_000));
      sink.write(chunk.subarray(0, Math.min(chunk.length, total - sent)));
      sent += chunk.length;
    }
    expect(sink.end()).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("masking", () => {
  const upper = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"];
  const alnum = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"];
  const awsId = fc.tuple(fc.constantFrom("AKIA", "ASIA", "AROA"), fc.string({ unit: fc.constantFrom(...upper), minLength: 16, maxLength: 16 })).map(([p, b]) => p + b);
  const hfToken = fc.string({ unit: fc.constantFrom(...alnum), minLength: 34, maxLength: 40 }).map((b) => `hf_${b}`);

  it("never shows a whole generated AWS key id or hf_ token, in a hit or its description", () => {
    fc.assert(
      fc.property(fc.oneof(awsId, hfToken), fc.nat(200), (token, lead) => {
        const hits = scan("/opt/app/cfg.txt", `${"# ".repeat(lead)}\nvalue: ${token}\n`, 64)!;
        const generated = new Set(token.slice(token.startsWith("hf_") ? 3 : 4)).size >= 6 && !token.includes("EXAMPLE");
        expect(hits.map((h) => h.masked)).toEqual(generated ? [mask(token)] : []);
        for (const h of hits) {
          expect(h.masked).not.toContain(token);
          expect(describeHit(h, { index: 0 }, true)).not.toContain(token);
        }
      }),
      { seed: 20240607, numRuns: 300 },
    );
  });

  it("never quotes a credential file's password", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...alnum), minLength: 5, maxLength: 60 }), (password) => {
        for (const h of scan("/root/.netrc", `machine m login u password ${password}\n`)!) expect(h.masked).not.toContain(password);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe("describeHit", () => {
  const hit: SecretHit = { ruleId: "aws-access-key-id", title: "an AWS access key id", path: "/root/.aws/credentials", line: 2, masked: "AKIA...(20 chars)" };
  const digest = "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

  it("says where, which layer, and that deleting it did not help", () => {
    expect(describeHit(hit, { index: 2, digest }, true)).toBe(
      "an AWS access key id (AKIA...(20 chars)) in /root/.aws/credentials line 2, added by layer 3 (sha256:abcdef012345…) and deleted by a later layer, which still ships it: anyone who pulls the image can read it",
    );
  });

  it("leaves out what it does not know, and adds the rule's note", () => {
    expect(describeHit({ ...hit, ruleId: "ssh-host-key", title: "an SSH host private key", path: "/etc/ssh/ssh_host_rsa_key", line: 1, masked: "RSA PRIVATE KEY", note: "regenerate at start-up" }, { index: 0 }, false)).toBe(
      "an SSH host private key (RSA PRIVATE KEY) in /etc/ssh/ssh_host_rsa_key line 1, added by layer 1: anyone who pulls the image can read it; regenerate at start-up",
    );
  });

  it("has a title for every rule id", () => {
    expect(SECRET_FILE_RULES.map((r) => r.id)).toEqual([
      "aws-access-key-id",
      "aws-secret-access-key",
      "aws-session-token",
      "hugging-face-access-token",
      "github-token",
      "private-key",
      "ssh-host-key",
      "tls-private-key",
      "netrc-password",
      "docker-config-auth",
      "pip-index-credentials",
      "conda-channel-credentials",
      "git-credentials",
      "git-config-credentials",
      "npmrc-auth-token",
      "pypirc-password",
    ]);
    for (const r of SECRET_FILE_RULES) expect(r.title).toMatch(/^an? /);
  });
});
