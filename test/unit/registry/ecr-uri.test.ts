import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/errors.js";
import { type EcrTarget, formatEcrUri, isEcrUri, parseEcrUri } from "../../../src/registry/ecr-uri.js";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

function usageError(text: string): UsageError {
  try {
    parseEcrUri(text);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const err = e as UsageError;
    expect(err.message).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(err.hint).toBeTruthy();
    expect(err.hint).not.toMatch(/[\r\n\u2028\u2029]/);
    return err;
  }
  throw new Error(`parsed: ${text}`);
}

describe("parseEcrUri accepts", () => {
  it.each<[string, EcrTarget]>([
    [
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-model:1.0",
      { registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com", account: "123456789012", region: "us-east-1", partition: "aws", fips: false, repository: "my-model", tag: "1.0" },
    ],
    [
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/sub/my_model",
      { registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", account: "123456789012", region: "eu-west-1", partition: "aws", fips: false, repository: "team/sub/my_model" },
    ],
    [
      `123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/m.x@${DIGEST}`,
      { registry: "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com", account: "123456789012", region: "ap-southeast-2", partition: "aws", fips: false, repository: "m.x", digest: DIGEST },
    ],
    [
      `123456789012.dkr.ecr.us-west-2.amazonaws.com/m-1:v2_rc.1@${DIGEST}`,
      { registry: "123456789012.dkr.ecr.us-west-2.amazonaws.com", account: "123456789012", region: "us-west-2", partition: "aws", fips: false, repository: "m-1", tag: "v2_rc.1", digest: DIGEST },
    ],
    [
      "123456789012.dkr.ecr-fips.us-east-2.amazonaws.com/secure:latest",
      { registry: "123456789012.dkr.ecr-fips.us-east-2.amazonaws.com", account: "123456789012", region: "us-east-2", partition: "aws", fips: true, repository: "secure", tag: "latest" },
    ],
    [
      "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/model:1",
      { registry: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", account: "123456789012", region: "cn-north-1", partition: "aws-cn", fips: false, repository: "model", tag: "1" },
    ],
    [
      "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/model",
      { registry: "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", account: "123456789012", region: "us-gov-west-1", partition: "aws-us-gov", fips: true, repository: "model" },
    ],
    [
      "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu/model",
      { registry: "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", account: "123456789012", region: "eusc-de-east-1", partition: "aws-eusc", fips: false, repository: "model" },
    ],
    [
      "123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM/model:Latest",
      { registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com", account: "123456789012", region: "us-east-1", partition: "aws", fips: false, repository: "model", tag: "Latest" },
    ],
  ])("%s", (text, target) => {
    expect(parseEcrUri(text)).toEqual(target);
    expect(isEcrUri(text)).toBe(true);
  });
});

describe("parseEcrUri refuses, saying why and showing the right form", () => {
  it.each([
    ["", "no ECR repository URI given", "Write ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:TAG], e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-model:1.0"],
    ["https://123456789012.dkr.ecr.us-east-1.amazonaws.com/m", 'an ECR repository URI has no scheme: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/m"', 'Drop "https://": 123456789012.dkr.ecr.us-east-1.amazonaws.com/m'],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com", 'no repository in "123456789012.dkr.ecr.us-east-1.amazonaws.com"', "Write 123456789012.dkr.ecr.us-east-1.amazonaws.com/REPOSITORY[:TAG]"],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/", 'no repository in "123456789012.dkr.ecr.us-east-1.amazonaws.com/"', "Write 123456789012.dkr.ecr.us-east-1.amazonaws.com/REPOSITORY[:TAG]"],
    ["my-model:1.0", 'no repository in "my-model:1.0"', "Write ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:TAG]"],
    ["library/ubuntu:22.04", 'not an Amazon ECR registry: "library"', "Write ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:TAG], e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-model:1.0"],
    ["ghcr.io/org/model:1", 'not an Amazon ECR registry: "ghcr.io"', undefined],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com:443/m", 'not an Amazon ECR registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com:443"', undefined],
    ["api.ecr.us-east-1.amazonaws.com/m", 'not an Amazon ECR registry: "api.ecr.us-east-1.amazonaws.com"', undefined],
    ["123456789012.dkr-ecr.us-east-1.on.aws/m", 'not an Amazon ECR registry: "123456789012.dkr-ecr.us-east-1.on.aws"', undefined],
    ["public.ecr.aws/org/model:1", '"public.ecr.aws/org/model:1" is in ECR Public; SageMaker pulls from a private ECR repository', "Push to ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:TAG]"],
    ["12345678901.dkr.ecr.us-east-1.amazonaws.com/m", 'an ECR registry host starts with the 12-digit account id, not "12345678901"', undefined],
    ["123456789012.dkr.ecr.cn-north-1.amazonaws.com/m", "region cn-north-1 is in the aws-cn partition, whose registries end in .amazonaws.com.cn, not .amazonaws.com", "Write 123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/…"],
    ["123456789012.dkr.ecr.xx-nowhere-1.amazonaws.com/m", 'unknown AWS region "xx-nowhere-1" in "123456789012.dkr.ecr.xx-nowhere-1.amazonaws.com"', undefined],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/My-Model:1.0", 'invalid ECR repository name "My-Model"', "ECR repository names are lower case: 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-model:1.0"],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/a", 'invalid ECR repository name "a"', undefined],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/a__b", 'invalid ECR repository name "a__b"', undefined],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/team//m", 'invalid ECR repository name "team//m"', undefined],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/model:-rc", 'invalid tag "-rc": letters, digits, _ . and -, not starting with . or -, at most 128 characters', "Write 123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1.0"],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/model:", 'invalid tag "": letters, digits, _ . and -, not starting with . or -, at most 128 characters', undefined],
    [`123456789012.dkr.ecr.us-east-1.amazonaws.com/m@sha512:${"0".repeat(128)}`, undefined, undefined],
    [`123456789012.dkr.ecr.us-east-1.amazonaws.com/m@sha256:${"A".repeat(64)}`, undefined, undefined],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1.0\n", 'an ECR repository URI has no spaces: "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1.0\\n"', undefined],
  ])("%j", (text, message, hint) => {
    const err = usageError(text);
    if (message !== undefined) expect(err.message).toBe(message);
    if (hint !== undefined) expect(err.hint).toBe(hint);
    expect(isEcrUri(text)).toBe(false);
  });

  it("a digest that is not sha256 and 64 lower-case hex digits", () => {
    expect(usageError(`123456789012.dkr.ecr.us-east-1.amazonaws.com/m@md5:${"0".repeat(32)}`).message).toMatch(/^invalid image digest "md5:0+": ECR digests are sha256: and 64 lower-case hex digits$/);
  });

  it("the limits: a tag of 128 characters and a name of 256, not one more", () => {
    const host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    expect(parseEcrUri(`${host}/model:${"t".repeat(128)}`).tag).toHaveLength(128);
    expect(usageError(`${host}/model:${"t".repeat(129)}`).message).toMatch(/^invalid tag "t+…?"/);
    const name = `${"a".repeat(200)}/${"b".repeat(55)}`;
    expect(parseEcrUri(`${host}/${name}`).repository).toHaveLength(256);
    expect(usageError(`${host}/${name}b`).message).toMatch(/^invalid ECR repository name /);
  });

  it("a long input is shortened in the message", () => {
    const err = usageError(`ghcr.io${"x".repeat(500)}/m`);
    expect(err.message.length).toBeLessThan(200);
  });
});

describe("parseEcrUri, generated", () => {
  const component = fc.stringMatching(/^[a-z0-9]{1,8}$/);
  const separator = fc.constantFrom(".", "_", "-");
  const segment = fc
    .tuple(component, fc.array(fc.tuple(separator, component), { maxLength: 3 }))
    .map(([first, rest]) => first + rest.map(([s, c]) => s + c).join(""));
  const repository = fc
    .array(segment, { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join("/"))
    .filter((r) => r.length >= 2 && r.length <= 256);
  const host = fc.constantFrom(
    { suffix: "amazonaws.com", region: "us-east-1", partition: "aws" },
    { suffix: "amazonaws.com", region: "me-central-1", partition: "aws" },
    { suffix: "amazonaws.com", region: "us-gov-east-1", partition: "aws-us-gov" },
    { suffix: "amazonaws.com.cn", region: "cn-northwest-1", partition: "aws-cn" },
    { suffix: "amazonaws.eu", region: "eusc-de-east-1", partition: "aws-eusc" },
  );
  const target: fc.Arbitrary<EcrTarget> = fc
    .record({
      account: fc.stringMatching(/^\d{12}$/),
      host,
      fips: fc.boolean(),
      repository,
      tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/), { nil: undefined }),
      digest: fc.option(fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`), { nil: undefined }),
    })
    .map(({ account, host: h, fips, repository: repo, tag, digest }) => ({
      registry: `${account}.dkr.ecr${fips ? "-fips" : ""}.${h.region}.${h.suffix}`,
      account,
      region: h.region,
      partition: h.partition as EcrTarget["partition"],
      fips,
      repository: repo,
      ...(tag !== undefined ? { tag } : {}),
      ...(digest !== undefined ? { digest } : {}),
    }));

  it("valid URIs round-trip through formatEcrUri", () => {
    fc.assert(
      fc.property(target, (t) => {
        const text = formatEcrUri(t);
        expect(parseEcrUri(text)).toEqual(t);
        expect(formatEcrUri(parseEcrUri(text))).toBe(text);
      }),
      { seed: 20260101, numRuns: 500 },
    );
  });

  it("any other string: a UsageError or a target, never anything else", () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: "grapheme", maxLength: 80 }),
      // Valid URIs with a character inserted, replaced or cut, where the parser's edges are.
      fc.tuple(target.map(formatEcrUri), fc.nat(), fc.constantFrom("", ":", "@", "/", ".", "-", "A", " ", "é", "\n", "\u2028", "\u001b[2J", "//", "sha256:", "https://")).map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + (insert === "" ? 1 : 0));
      }),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        let parsed: EcrTarget | undefined;
        try {
          parsed = parseEcrUri(text);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
          expect((e as UsageError).message).not.toMatch(/[\r\n\u2028\u2029]/);
          expect(isEcrUri(text)).toBe(false);
          return;
        }
        // Whatever parses is a valid target: formatting it parses to the same.
        expect(parseEcrUri(formatEcrUri(parsed))).toEqual(parsed);
      }),
      { seed: 7, numRuns: 2000 },
    );
  });
});
