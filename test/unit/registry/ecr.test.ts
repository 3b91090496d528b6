import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { EnvironmentError, type ExpectedError } from "../../../src/errors.js";
import { type Ecr, type EcrOptions, createEcr, tagIsImmutable } from "../../../src/registry/ecr.js";
import { type EcrFake, type EcrFakeState, FAKE_CREDENTIALS, sampleManifest, startEcrFake } from "../../support/ecr-fake.js";

// The real ECRClient (signing, retries, the AWS JSON 1.1 parser) against the fake control plane on 127.0.0.1.

const fakes: EcrFake[] = [];
const clients: Ecr[] = [];
const homes: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setup(state: Partial<EcrFakeState> = {}, o: Partial<EcrOptions> = {}): Promise<{ fake: EcrFake; ecr: Ecr }> {
  const fake = await startEcrFake(state);
  fakes.push(fake);
  const ecr = createEcr({ region: fake.state.region, endpoint: fake.url, credentials: FAKE_CREDENTIALS, maxAttempts: 1, requestTimeoutMs: 2_000, ...o });
  clients.push(ecr);
  return { fake, ecr };
}

/** The ExpectedError a promise rejects with, checked to be one line and free of every secret given. */
async function expectedError(p: Promise<unknown>, secrets: string[] = []): Promise<ExpectedError> {
  const e = await p.then(
    () => {
      throw new Error("resolved");
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EnvironmentError);
  const err = e as ExpectedError;
  for (const text of [err.message, err.hint ?? ""]) {
    expect(text).not.toMatch(/[\r\n]/);
    for (const s of [FAKE_CREDENTIALS.secretAccessKey, ...secrets]) expect(text).not.toContain(s);
  }
  return err;
}

/** Runs fn with exactly these AWS_* variables set (and no others; HOME too if given), restoring the environment afterwards. */
async function withAwsEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const mine = (k: string) => k.startsWith("AWS_") || k === "HOME";
  const saved = Object.entries(process.env).filter(([k]) => mine(k));
  for (const [k] of saved) if (k.startsWith("AWS_")) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (mine(k)) delete process.env[k];
    for (const [k, v] of saved) process.env[k] = v;
  }
}

/** A HOME with ~/.aws/config holding a legacy SSO profile, and its token cache if expiresAt is given. */
function ssoHome(profile: string, expiresAt?: Date): string {
  const home = mkdtempSync(join(tmpdir(), "byoc-ecr-sso-"));
  homes.push(home);
  const startUrl = "https://byoc-test.awsapps.com/start";
  mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
  writeFileSync(join(home, ".aws", "config"), `[profile ${profile}]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n`);
  if (expiresAt) {
    const file = `${createHash("sha1").update(startUrl).digest("hex")}.json`;
    writeFileSync(join(home, ".aws", "sso", "cache", file), JSON.stringify({ startUrl, region: "us-east-1", accessToken: "cached-sso-access-token-0123456789", expiresAt: expiresAt.toISOString() }));
  }
  return home;
}

const NO_CREDENTIAL_SOURCES = {
  AWS_CONFIG_FILE: "/nonexistent/byoc-check/aws-config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/byoc-check/aws-credentials",
  AWS_EC2_METADATA_DISABLED: "true",
};

describe("authorize", () => {
  it("decodes the AWS:password token, its expiry and the registry endpoint", async () => {
    const { fake, ecr } = await setup({ tokenTtlSeconds: 3600 });
    const before = Date.now();
    const auth = await ecr.authorize("123456789012");
    expect(auth.username).toBe("AWS");
    expect(auth.password).toBe(fake.state.password);
    expect(auth.proxyEndpoint).toBe("https://123456789012.dkr.ecr.us-east-1.amazonaws.com");
    // Epoch seconds on the wire: the expiry is whole seconds, an hour away.
    expect(auth.expiresAt.getTime() % 1000).toBe(0);
    expect(auth.expiresAt.getTime()).toBeGreaterThan(before + 3600_000 - 2_000);
    expect(auth.expiresAt.getTime()).toBeLessThan(Date.now() + 3600_000 + 1_000);
    expect(fake.calls).toEqual([{ operation: "GetAuthorizationToken", body: { registryIds: ["123456789012"] }, accessKeyId: FAKE_CREDENTIALS.accessKeyId }]);
  });

  it("keeps the password out of JSON and util.inspect", async () => {
    const { fake, ecr } = await setup();
    const auth = await ecr.authorize();
    expect(fake.calls[0]!.body).toEqual({});
    for (const shown of [JSON.stringify(auth), inspect(auth), `${inspect({ auth })}`]) {
      expect(shown).not.toContain(fake.state.password);
      expect(shown).toContain("[redacted]");
    }
    expect(auth.password).toBe(fake.state.password);
  });

  it("signs with a session token when the credentials carry one", async () => {
    const credentials = { ...FAKE_CREDENTIALS, sessionToken: "fake-session-token-0123456789abcdef" };
    const { ecr } = await setup({ credentials }, { credentials });
    await expect(ecr.authorize()).resolves.toMatchObject({ username: "AWS" });
  });
});

describe("describeRepository and createRepository", () => {
  it("describes a repository that exists", async () => {
    const { fake, ecr } = await setup();
    const createdAt = new Date("2025-03-04T05:06:07.250Z");
    fake.addRepository("team/my-model", { tagMutability: "IMMUTABLE", createdAt });
    expect(await ecr.describeRepository("123456789012", "team/my-model")).toEqual({
      name: "team/my-model",
      registryId: "123456789012",
      uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/my-model",
      arn: "arn:aws:ecr:us-east-1:123456789012:repository/team/my-model",
      tagMutability: "IMMUTABLE",
      mutabilityExclusions: [],
      createdAt,
    });
    expect(fake.calls[0]).toMatchObject({ operation: "DescribeRepositories", body: { registryId: "123456789012", repositoryNames: ["team/my-model"] } });
  });

  it("gives undefined, not an error, for a repository that does not exist", async () => {
    const { fake, ecr } = await setup();
    expect(await ecr.describeRepository("123456789012", "missing")).toBeUndefined();
    expect(fake.calls.map((c) => c.error)).toEqual(["RepositoryNotFoundException"]);
  });

  it("reads a namespaced __type (com.amazonaws.ecr#Code) the same way", async () => {
    const { fake, ecr } = await setup({ qualifiedErrorTypes: true });
    expect(await ecr.describeRepository("123456789012", "missing")).toBeUndefined();
    fake.state.expiredCredentials = true;
    expect((await expectedError(ecr.describeRepository("123456789012", "missing"))).message).toContain("ExpiredTokenException");
  });

  it("creates a repository that describe then finds, with the mutability asked for", async () => {
    const { fake, ecr } = await setup();
    const { created, repository } = await ecr.createRepository("team/new-model", { tagMutability: "IMMUTABLE" });
    expect(created).toBe(true);
    expect(repository).toMatchObject({ name: "team/new-model", registryId: "123456789012", tagMutability: "IMMUTABLE", uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/new-model" });
    expect(repository.createdAt).toBeInstanceOf(Date);
    expect(await ecr.describeRepository("123456789012", "team/new-model")).toMatchObject({ tagMutability: "IMMUTABLE" });
    expect(fake.calls[0]).toMatchObject({ operation: "CreateRepository", body: { repositoryName: "team/new-model", imageTagMutability: "IMMUTABLE" } });
  });

  it("answers created: false with the existing repository when it already exists", async () => {
    const { fake, ecr } = await setup();
    fake.addRepository("raced", { tagMutability: "MUTABLE" });
    const out = await ecr.createRepository("raced", { tagMutability: "IMMUTABLE", account: "123456789012" });
    expect(out).toMatchObject({ created: false, repository: { name: "raced", tagMutability: "MUTABLE" } });
    expect(fake.calls.map((c) => [c.operation, c.error])).toEqual([
      ["CreateRepository", "RepositoryAlreadyExistsException"],
      ["DescribeRepositories", undefined],
    ]);
  });
});

describe("imageDigest and manifest", () => {
  it("gives the digest a tag points at, and undefined for a missing tag or repository", async () => {
    const { fake, ecr } = await setup();
    fake.addRepository("my-model");
    const old = fake.putImage("my-model", { tags: ["1.0"] });
    const digest = fake.putImage("my-model", { tags: ["1.1", "latest"] });
    expect(await ecr.imageDigest("123456789012", "my-model", "1.0")).toBe(old);
    expect(await ecr.imageDigest("123456789012", "my-model", "latest")).toBe(digest);
    expect(await ecr.imageDigest("123456789012", "my-model", "2.0")).toBeUndefined();
    expect(await ecr.imageDigest("123456789012", "absent", "1.0")).toBeUndefined();
    expect(fake.calls.map((c) => [c.operation, c.error])).toEqual([
      ["DescribeImages", undefined],
      ["DescribeImages", undefined],
      ["DescribeImages", "ImageNotFoundException"],
      ["DescribeImages", "RepositoryNotFoundException"],
    ]);
    expect(fake.calls[0]!.body).toEqual({ registryId: "123456789012", repositoryName: "my-model", imageIds: [{ imageTag: "1.0" }] });
  });

  it("a tag moved by a later push points at the new digest", async () => {
    const { fake, ecr } = await setup();
    fake.addRepository("my-model");
    const first = fake.putImage("my-model", { tags: ["latest"] });
    const second = fake.putImage("my-model", { tags: ["latest"] });
    expect(second).not.toBe(first);
    expect(await ecr.imageDigest("123456789012", "my-model", "latest")).toBe(second);
  });

  it("gets the manifest by tag or digest, whose sha256 is its digest; undefined when there is none", async () => {
    const { fake, ecr } = await setup();
    fake.addRepository("my-model");
    const manifest = sampleManifest();
    const digest = fake.putImage("my-model", { manifest, tags: ["1.0"] });
    const byTag = await ecr.manifest("123456789012", "my-model", "1.0");
    expect(byTag).toEqual({ digest, mediaType: "application/vnd.oci.image.manifest.v1+json", manifest, computedDigest: digest });
    expect(await ecr.manifest("123456789012", "my-model", digest)).toEqual(byTag);
    expect(await ecr.manifest("123456789012", "my-model", "9.9")).toBeUndefined();
    expect(await ecr.manifest("123456789012", "my-model", `sha256:${"0".repeat(64)}`)).toBeUndefined();
    expect(await ecr.manifest("123456789012", "absent", "1.0")).toBeUndefined();
    expect(fake.calls[0]!.body).toEqual({ registryId: "123456789012", repositoryName: "my-model", imageIds: [{ imageTag: "1.0" }] });
  });
});

describe("tagIsImmutable", () => {
  it.each([
    ["MUTABLE", [], "latest", false],
    ["IMMUTABLE", [], "latest", true],
    ["IMMUTABLE_WITH_EXCLUSION", ["latest", "dev-*"], "latest", false],
    ["IMMUTABLE_WITH_EXCLUSION", ["latest", "dev-*"], "dev-42", false],
    ["IMMUTABLE_WITH_EXCLUSION", ["latest", "dev-*"], "1.0", true],
    ["MUTABLE_WITH_EXCLUSION", ["v*"], "v1.2", true],
    ["MUTABLE_WITH_EXCLUSION", ["v*"], "latest", false],
    ["MUTABLE_WITH_EXCLUSION", ["a.b"], "axb", false],
    ["SOMETHING_NEW", [], "latest", undefined],
  ] as const)("%s with exclusions %j: %s → %s", (tagMutability, exclusions, tag, immutable) => {
    expect(tagIsImmutable({ tagMutability, mutabilityExclusions: [...exclusions] }, tag)).toBe(immutable);
  });

  it("reads the exclusions ECR returns", async () => {
    const { fake, ecr } = await setup();
    fake.addRepository("mixed", { tagMutability: "IMMUTABLE_WITH_EXCLUSION", exclusionFilters: [{ filterType: "WILDCARD", filter: "latest" }] });
    const repo = await ecr.describeRepository("123456789012", "mixed");
    expect(repo?.mutabilityExclusions).toEqual(["latest"]);
    expect(tagIsImmutable(repo!, "latest")).toBe(false);
    expect(tagIsImmutable(repo!, "1.0")).toBe(true);
  });
});

describe("credentials", () => {
  it("expired credentials: one line saying so, the profile's refresh command in the hint, no secret", async () => {
    const { fake, ecr } = await setup({ expiredCredentials: true }, { profile: "ml-dev", maxAttempts: 3 });
    const err = await expectedError(ecr.authorize(), [fake.state.password]);
    expect(err.message).toBe("the AWS credentials have expired (ECR answered ExpiredTokenException)");
    expect(err.hint).toBe("Refresh the credentials of profile ml-dev: aws sso login --profile ml-dev (for SSO), or update its keys");
    // Not retried: a refused credential does not become valid by asking again.
    expect(fake.calls).toHaveLength(1);
  });

  it("expired credentials from the environment: the hint says which variables are stale", async () => {
    const { fake } = await setup({ expiredCredentials: true });
    const err = await withAwsEnv({ ...NO_CREDENTIAL_SOURCES, AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: "stale-session-token-000000" }, async () => {
      const ecr = createEcr({ region: "us-east-1", endpoint: fake.url, maxAttempts: 1 });
      clients.push(ecr);
      return expectedError(ecr.describeRepository("123456789012", "x"), ["stale-session-token-000000"]);
    });
    expect(err.message).toBe("the AWS credentials have expired (ECR answered ExpiredTokenException)");
    expect(err.hint).toContain("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in the environment are stale");
  });

  it("an access key ECR does not know, and a secret that does not match it", async () => {
    const { ecr: unknownKey } = await setup({}, { credentials: { ...FAKE_CREDENTIALS, accessKeyId: "AKIAUNKNOWN000000000" } });
    expect((await expectedError(unknownKey.authorize())).message).toBe("the AWS credentials are not valid: ECR does not recognise the access key or session token (UnrecognizedClientException)");
    const { ecr: wrongSecret } = await setup({}, { credentials: { ...FAKE_CREDENTIALS, secretAccessKey: "not-the-secret-0000000000000000000000000" } });
    const err = await expectedError(wrongSecret.authorize(), ["not-the-secret-0000000000000000000000000"]);
    expect(err.message).toBe("the AWS credentials are not valid: the secret key does not match the access key (InvalidSignatureException)");
  });

  it("a clock 20 minutes off: the SDK corrects it from the Date header and retries; with no retry left, the clock is named", async () => {
    const { fake, ecr } = await setup({ clockOffsetMs: 20 * 60_000 }, { maxAttempts: 2 });
    await expect(ecr.authorize()).resolves.toMatchObject({ username: "AWS" });
    expect(fake.calls.map((c) => c.error)).toEqual(["InvalidSignatureException", undefined]);
    const { ecr: once } = await setup({ clockOffsetMs: -20 * 60_000 }, { maxAttempts: 1 });
    const err = await expectedError(once.authorize());
    expect([err.message, err.hint]).toEqual(["ECR refused the request's time: this machine's clock is off (InvalidSignatureException)", "Synchronise the system clock (NTP) and try again"]);
  });

  it("access denied names the action and the identity", async () => {
    const { fake, ecr } = await setup({ denied: ["GetAuthorizationToken"] });
    const err = await expectedError(ecr.authorize());
    expect(err.message).toBe("AWS denied ecr:GetAuthorizationToken to arn:aws:iam::123456789012:user/byoc-ci");
    expect(err.hint).toBe("Grant ecr:GetAuthorizationToken to that identity (AmazonEC2ContainerRegistryPowerUser covers a push), or use a profile that has it");
    fake.state.denied = ["DescribeImages"];
    expect((await expectedError(ecr.imageDigest("123456789012", "x", "1.0"))).message).toBe("AWS denied ecr:DescribeImages to arn:aws:iam::123456789012:user/byoc-ci");
  });

  it("no credentials anywhere in the SDK's chain: no request is sent", async () => {
    const { fake } = await setup();
    const err = await withAwsEnv(NO_CREDENTIAL_SOURCES, async () => {
      const ecr = createEcr({ region: "us-east-1", endpoint: fake.url, maxAttempts: 1 });
      clients.push(ecr);
      return expectedError(ecr.authorize());
    });
    expect(err.message).toBe("no AWS credentials found (environment, shared config and credentials files, SSO, instance metadata)");
    expect(err.hint).toBe("Set AWS_PROFILE=NAME (after aws sso login --profile NAME for SSO), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)");
    expect(fake.calls).toEqual([]);
  });

  it("a profile that is not configured", async () => {
    const { fake } = await setup();
    const err = await withAwsEnv({ ...NO_CREDENTIAL_SOURCES, AWS_PROFILE: "nowhere" }, async () => {
      const ecr = createEcr({ region: "us-east-1", endpoint: fake.url, maxAttempts: 1 });
      clients.push(ecr);
      return expectedError(ecr.authorize());
    });
    expect(err.message).toBe("no AWS credentials for profile nowhere");
    expect(err.hint).toBe("Check [profile nowhere] in /nonexistent/byoc-check/aws-config; for SSO run aws sso login --profile nowhere");
    expect(fake.calls).toEqual([]);
  });

  it("an SSO profile whose session has expired, or was never started: aws sso login", async () => {
    const { fake } = await setup();
    const run = (home: string) =>
      withAwsEnv({ ...NO_CREDENTIAL_SOURCES, AWS_CONFIG_FILE: join(home, ".aws", "config"), HOME: home, AWS_PROFILE: "ml-sso" }, async () => {
        const ecr = createEcr({ region: "us-east-1", endpoint: fake.url, maxAttempts: 1 });
        clients.push(ecr);
        return expectedError(ecr.authorize(), ["cached-sso-access-token-0123456789"]);
      });
    const expired = await run(ssoHome("ml-sso", new Date(Date.now() - 60_000)));
    expect([expired.message, expired.hint]).toEqual(["the AWS SSO session of profile ml-sso has expired", "Run: aws sso login --profile ml-sso"]);
    const never = await run(ssoHome("ml-sso"));
    expect([never.message, never.hint]).toEqual(["the AWS SSO session of profile ml-sso is not logged in", "Run: aws sso login --profile ml-sso"]);
    expect(fake.calls).toEqual([]);
  });

  it("the default chain finds credentials in the environment", async () => {
    const { fake } = await setup();
    await withAwsEnv({ ...NO_CREDENTIAL_SOURCES, AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey }, async () => {
      const ecr = createEcr({ region: "us-east-1", endpoint: fake.url, maxAttempts: 1 });
      clients.push(ecr);
      await expect(ecr.authorize()).resolves.toMatchObject({ password: fake.state.password });
    });
  });
});

describe("every call is bounded", () => {
  it("a server that never answers: the request timeout, for each attempt", async () => {
    const { fake, ecr } = await setup({ stall: ["DescribeRepositories"] }, { requestTimeoutMs: 300, maxAttempts: 2 });
    const t0 = Date.now();
    const err = await expectedError(ecr.describeRepository("123456789012", "x"));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err.message).toBe(`no answer from ECR at ${fake.url} within 300 ms (DescribeRepositories, 2 attempts)`);
    expect(fake.calls).toHaveLength(2);
  });

  it("the deadline over the whole call, retries included", async () => {
    const { fake, ecr } = await setup({ stall: ["GetAuthorizationToken"] }, { requestTimeoutMs: 10_000, maxAttempts: 3, deadlineMs: 400 });
    const t0 = Date.now();
    const err = await expectedError(ecr.authorize());
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(err.message).toBe(`no answer from ECR at ${fake.url} within 400 ms (GetAuthorizationToken)`);
  });

  it("a credential source that never answers (an SSO portal, instance metadata): the deadline, naming the credentials", async () => {
    const { fake, ecr } = await setup({}, { credentials: () => new Promise(() => {}), deadlineMs: 300, profile: "ml-dev" });
    const err = await expectedError(ecr.authorize());
    expect([err.message, err.hint]).toEqual(["no AWS credentials within 300 ms: the credential source of profile ml-dev did not answer", "Check that aws sts get-caller-identity --profile ml-dev answers, then try again"]);
    expect(fake.calls).toEqual([]);
  });

  it("credentials resolve once per client, not once per call", async () => {
    let resolved = 0;
    const credentials = async () => {
      resolved++;
      return { ...FAKE_CREDENTIALS, expiration: new Date(Date.now() + 3600_000) };
    };
    const { fake, ecr } = await setup({}, { credentials });
    await ecr.authorize();
    await ecr.describeRepository("123456789012", "x");
    expect(resolved).toBe(1);
    expect(fake.calls).toHaveLength(2);
  });

  it("the caller's abort signal ends the call with its reason", async () => {
    const { ecr } = await setup({ stall: ["DescribeImages"] });
    const ac = new AbortController();
    const p = ecr.imageDigest("123456789012", "x", "1.0", { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("user pressed ^C")), 50);
    await expect(p).rejects.toThrow("user pressed ^C");
  });

  it("nothing listening: connection refused, naming the endpoint", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const ecr = createEcr({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, credentials: FAKE_CREDENTIALS, maxAttempts: 2, requestTimeoutMs: 1_000 });
    clients.push(ecr);
    const err = await expectedError(ecr.authorize());
    expect(err.message).toBe(`cannot reach ECR at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
  });

  it("HTTP 500 after the retries", async () => {
    const { fake, ecr } = await setup({ serverError: ["DescribeImages"] }, { maxAttempts: 2 });
    const err = await expectedError(ecr.imageDigest("123456789012", "x", "1.0"));
    expect(err.message).toBe("ECR could not answer DescribeImages: HTTP 500 ServerException after 2 attempts");
    expect(fake.calls).toHaveLength(2);
  });
});

describe("endpoint", () => {
  it.each([
    [{ region: "eu-west-1" }, "https://api.ecr.eu-west-1.amazonaws.com"],
    [{ region: "us-east-1", fips: true }, "https://api.ecr-fips.us-east-1.amazonaws.com"],
    [{ region: "cn-north-1" }, "https://api.ecr.cn-north-1.amazonaws.com.cn"],
    [{ region: "us-gov-west-1" }, "https://api.ecr.us-gov-west-1.amazonaws.com"],
    [{ region: "us-east-1", endpoint: "http://127.0.0.1:9/" }, "http://127.0.0.1:9"],
  ] as Array<[EcrOptions, string]>)("%j → %s, from the SDK's endpoint rules", async (o, url) => {
    await withAwsEnv(NO_CREDENTIAL_SOURCES, async () => {
      const ecr = createEcr({ credentials: FAKE_CREDENTIALS, ...o });
      clients.push(ecr);
      expect(await ecr.endpoint()).toBe(url);
    });
  });
});
