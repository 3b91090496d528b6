import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/errors.js";
import { type ImageReference, parseImageReference } from "../../../src/image/reference.js";

const HEX64 = "0123456789abcdef".repeat(4);

function usageError(raw: string): UsageError {
  try {
    parseImageReference(raw);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("parseImageReference accepts", () => {
  it.each<[string, Omit<ImageReference, "raw">]>([
    ["busybox", { name: "busybox" }],
    ["busybox:1.36", { name: "busybox", tag: "1.36" }],
    ["my.registry:5000/team/model:v1", { name: "my.registry:5000/team/model", tag: "v1" }],
    [`123456789012.dkr.ecr.us-east-1.amazonaws.com/repo@sha256:${HEX64}`, { name: "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo", digest: `sha256:${HEX64}` }],
    [`repo:v1@sha256:${HEX64}`, { name: "repo", tag: "v1", digest: `sha256:${HEX64}` }],
    ["localhost/a_b__c-d:tag", { name: "localhost/a_b__c-d", tag: "tag" }],
    ["localhost:5000/x", { name: "localhost:5000/x" }],
    ["[::1]:5000/x:latest", { name: "[::1]:5000/x", tag: "latest" }],
    ["a---b.c", { name: "a---b.c" }],
    ["busybox:_under.score-1", { name: "busybox", tag: "_under.score-1" }],
    [`busybox:${"t".repeat(128)}`, { name: "busybox", tag: "t".repeat(128) }],
    ["0123abcd", { name: "0123abcd" }],
  ])("%s", (raw, parts) => {
    expect(parseImageReference(raw)).toEqual({ raw, ...parts });
  });

  it.each([`sha256:${HEX64}`, "sha256:0123abcd"])("the image id %s, as it is", (raw) => {
    expect(parseImageReference(raw)).toEqual({ raw });
  });
});

describe("parseImageReference rejects", () => {
  it.each([
    "a:b:c",
    "",
    "name:",
    "-name",
    "name-",
    "a__-b",
    "/name",
    "name/",
    "a//b",
    `busybox:${"t".repeat(129)}`,
    "busybox:-tag",
    "busybox@sha256:abc",
    `${"a".repeat(256)}`,
  ])("%j", (raw) => {
    const e = usageError(raw);
    expect(e.message).toBe(`"${raw}" is not a valid image reference`);
    expect(e.hint).toContain("name[:tag]");
  });

  it.each(["Bad Ref", "UPPER:tag", "Busybox", "localhost/Team/model:v1", `SHA256:${HEX64}`])("%j, with a hint that names are lowercase", (raw) => {
    const e = usageError(raw);
    expect(e.message).toBe(`"${raw}" is not a valid image reference`);
    expect(e.hint).toBe("repository names are lowercase");
  });

  it("allows an uppercase registry host but not an uppercase path", () => {
    expect(parseImageReference("MyRegistry:5000/model").name).toBe("MyRegistry:5000/model");
  });
});
