// Where `byoc-check push` sends an image: a private Amazon ECR repository, written as Docker writes a reference
// (HOST/REPOSITORY[:TAG][@DIGEST]). Only the registry hosts the SDK's own endpoint data vouches for are accepted.
import { UsageError } from "../errors.js";

export type EcrPartition = "aws" | "aws-cn" | "aws-us-gov" | "aws-eusc" | "aws-iso" | "aws-iso-b" | "aws-iso-e" | "aws-iso-f";

export interface EcrTarget {
  /** The registry host, lower-cased: 123456789012.dkr.ecr.us-east-1.amazonaws.com. */
  registry: string;
  /** The 12-digit account that owns the registry (ECR's registryId). */
  account: string;
  region: string;
  partition: EcrPartition;
  /** The host is the FIPS one (dkr.ecr-fips): the control plane must be reached through FIPS endpoints too. */
  fips: boolean;
  repository: string;
  tag?: string;
  /** sha256:<64 hex>; ECR stores no other digest algorithm. */
  digest?: string;
}

// From @aws-sdk/core's partitions.js (util-endpoints/lib/aws/partitions.js): each partition's dnsSuffix and
// regionRegex. The registry host is <account>.dkr.ecr[-fips].<region>.<dnsSuffix>, as the ECR API reference writes
// it (client-ecr models: "<accountId>.dkr.ecr.<region>.amazonaws.com"). aws and aws-us-gov share a suffix and are
// told apart by the region. The dual-stack registry host (dkr-ecr.<region>.on.aws) appears nowhere in the SDK's
// data (its dual-stack API host is ecr.<region>.api.aws), so it is not accepted.
const PARTITIONS: ReadonlyArray<{ id: EcrPartition; suffix: string; region: RegExp }> = [
  { id: "aws", suffix: "amazonaws.com", region: /^(?:us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/ },
  { id: "aws-us-gov", suffix: "amazonaws.com", region: /^us-gov-\w+-\d+$/ },
  { id: "aws-cn", suffix: "amazonaws.com.cn", region: /^cn-\w+-\d+$/ },
  { id: "aws-eusc", suffix: "amazonaws.eu", region: /^eusc-de-\w+-\d+$/ },
  { id: "aws-iso", suffix: "c2s.ic.gov", region: /^us-iso-\w+-\d+$/ },
  { id: "aws-iso-b", suffix: "sc2s.sgov.gov", region: /^us-isob-\w+-\d+$/ },
  { id: "aws-iso-e", suffix: "cloud.adc-e.uk", region: /^eu-isoe-\w+-\d+$/ },
  { id: "aws-iso-f", suffix: "csp.hci.ic.gov", region: /^us-isof-\w+-\d+$/ },
];

const SUFFIXES = [...new Set(PARTITIONS.map((p) => p.suffix))].sort((a, b) => b.length - a.length);
const HOST = new RegExp(`^([^.]*)\\.dkr\\.(ecr|ecr-fips)\\.([a-z0-9-]+)\\.(${SUFFIXES.map((s) => s.replaceAll(".", "\\.")).join("|")})$`);

/** ECR's repositoryName pattern (API reference, CreateRepository), 2 to 256 characters. */
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** Docker's tag grammar (distribution/reference): [\w][\w.-]{0,127}. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export const ECR_URI_FORM = "ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:TAG]";
const EXAMPLE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-model:1.0";

/** The text as a one-line JSON string; separators, controls and bidi marks (which JSON leaves raw) escaped too. */
function quote(text: string): string {
  const q = JSON.stringify(text).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`);
  return q.length > 120 ? `${q.slice(0, 117).replace(/\\[^"]{0,5}$/, "")}…"` : q;
}

function bad(message: string, hint = `Write ${ECR_URI_FORM}, e.g. ${EXAMPLE}`): UsageError {
  return new UsageError(message, hint);
}

function parseHost(host: string, text: string): Pick<EcrTarget, "registry" | "account" | "region" | "partition" | "fips"> {
  const registry = host.toLowerCase();
  if (registry === "public.ecr.aws") {
    throw bad(`${quote(text)} is in ECR Public; SageMaker pulls from a private ECR repository`, `Push to ${ECR_URI_FORM}`);
  }
  const m = HOST.exec(registry);
  if (!m) throw bad(`not an Amazon ECR registry: ${quote(host)}`);
  const [, account = "", service, region = "", suffix] = m;
  if (!/^\d{12}$/.test(account)) {
    throw bad(`an ECR registry host starts with the 12-digit account id, not ${quote(account)}`);
  }
  const partition = PARTITIONS.find((p) => p.suffix === suffix && p.region.test(region));
  if (!partition) {
    const home = PARTITIONS.find((p) => p.region.test(region));
    throw home
      ? bad(`region ${region} is in the ${home.id} partition, whose registries end in .${home.suffix}, not .${suffix}`, `Write ${account}.dkr.${service}.${region}.${home.suffix}/…`)
      : bad(`unknown AWS region ${quote(region)} in ${quote(host)}`);
  }
  return { registry, account, region, partition: partition.id, fips: service === "ecr-fips" };
}

/** Reads ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]/REPOSITORY[:TAG][@sha256:…]; anything else is a UsageError. */
export function parseEcrUri(text: string): EcrTarget {
  if (text.length === 0) throw bad("no ECR repository URI given");
  // Before anything echoes the text: \s includes the line and paragraph separators JSON.stringify leaves as they are.
  if (/\s/.test(text)) throw bad(`an ECR repository URI has no spaces: ${quote(text)}`);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  if (scheme) throw bad(`an ECR repository URI has no scheme: ${quote(text)}`, `Drop "${scheme[0]}": ${text.slice(scheme[0].length)}`);
  const slash = text.indexOf("/");
  if (slash < 0) throw bad(`no repository in ${quote(text)}`, `Write ${HOST.test(text.toLowerCase()) ? text : "ACCOUNT.dkr.ecr.REGION.amazonaws.com"}/REPOSITORY[:TAG]`);
  const target = parseHost(text.slice(0, slash), text);

  let rest = text.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`invalid image digest ${quote(digest)}: ECR digests are sha256: and 64 lower-case hex digits`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw bad(`invalid tag ${quote(tag)}: letters, digits, _ . and -, not starting with . or -, at most 128 characters`, `Write ${target.registry}/${rest}:1.0`);
    }
  }
  const repository = rest;
  if (repository.length === 0) throw bad(`no repository in ${quote(text)}`, `Write ${target.registry}/REPOSITORY[:TAG]`);
  if (repository.length < 2 || repository.length > 256 || !REPOSITORY.test(repository)) {
    const lower = repository.toLowerCase();
    const hint =
      lower !== repository && REPOSITORY.test(lower) && lower.length >= 2 && lower.length <= 256
        ? `ECR repository names are lower case: ${target.registry}/${lower}${tag !== undefined ? `:${tag}` : ""}`
        : "Use lower-case letters and digits, joined by single . _ - and / separators, 2 to 256 characters, e.g. team/my-model";
    throw bad(`invalid ECR repository name ${quote(repository)}`, hint);
  }
  return { ...target, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export function isEcrUri(text: string): boolean {
  try {
    parseEcrUri(text);
    return true;
  } catch (e) {
    if (e instanceof UsageError) return false;
    throw e;
  }
}

/** The reference Docker pushes to: REGISTRY/REPOSITORY[:TAG][@DIGEST]. */
export function formatEcrUri(t: Pick<EcrTarget, "registry" | "repository" | "tag" | "digest">): string {
  return `${t.registry}/${t.repository}${t.tag !== undefined ? `:${t.tag}` : ""}${t.digest !== undefined ? `@${t.digest}` : ""}`;
}
