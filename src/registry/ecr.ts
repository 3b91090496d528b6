// The Amazon ECR control plane, for `byoc-check push`: the only code that imports @aws-sdk/client-ecr. Every call is
// bounded (a timeout per HTTP exchange, a deadline over credential resolution and retries, the caller's signal), and
// every failure a user can act on comes back as one ExpectedError line with a hint; no token or key is ever in it.
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  type ECRClientConfig,
  GetAuthorizationTokenCommand,
  type Repository,
} from "@aws-sdk/client-ecr";
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { EnvironmentError, type ExpectedError } from "../errors.js";

export interface EcrCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface EcrOptions {
  region: string;
  /** A custom control-plane endpoint (tests, VPC endpoints); otherwise the SDK's, e.g. https://api.ecr.REGION.amazonaws.com. */
  endpoint?: string;
  /** Reach the FIPS endpoint (the target is a dkr.ecr-fips host). Ignored with a custom endpoint. */
  fips?: boolean;
  /** A shared-config profile; otherwise AWS_PROFILE, as the SDK reads it. */
  profile?: string;
  /** Otherwise the SDK's default chain: environment, shared config and credentials files, SSO, process, web identity, container and instance metadata. */
  credentials?: EcrCredentials | (() => Promise<EcrCredentials>);
  /** Attempts per call, first one included (the SDK retries throttling, 5xx and dropped connections). Default 3. */
  maxAttempts?: number;
  /** One HTTP exchange, until the response headers. Default 15 s. */
  requestTimeoutMs?: number;
  /** A whole call: credentials, every attempt and the back-off between them. Default requestTimeoutMs × maxAttempts + 10 s. */
  deadlineMs?: number;
}

export interface EcrCallOptions {
  signal?: AbortSignal;
}

export interface EcrAuthorization {
  username: "AWS";
  /** The registry password (docker login -p). Hidden from JSON.stringify and util.inspect. */
  password: string;
  /** https://ACCOUNT.dkr.ecr.REGION.amazonaws.com */
  proxyEndpoint: string;
  expiresAt: Date;
}

export type TagMutability = "MUTABLE" | "IMMUTABLE" | "MUTABLE_WITH_EXCLUSION" | "IMMUTABLE_WITH_EXCLUSION" | (string & {});

export interface EcrRepository {
  name: string;
  registryId: string;
  /** ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME */
  uri: string;
  arn?: string;
  tagMutability: TagMutability;
  /** Wildcard tag patterns that are the exception to tagMutability (the *_WITH_EXCLUSION settings). */
  mutabilityExclusions: string[];
  createdAt?: Date;
}

export interface EcrManifest {
  /** The digest ECR reports for the image. */
  digest: string;
  mediaType?: string;
  manifest: string;
  /** sha256 of the manifest bytes as returned: equal to digest unless ECR converted the manifest. */
  computedDigest: string;
}

export interface Ecr {
  /** The control-plane endpoint calls go to, for messages. */
  endpoint(): Promise<string>;
  /** GetAuthorizationToken: the docker login for the registry of registryId (the caller's own when omitted). */
  authorize(registryId?: string, o?: EcrCallOptions): Promise<EcrAuthorization>;
  /** DescribeRepositories for one name; undefined when the repository does not exist. */
  describeRepository(account: string, name: string, o?: EcrCallOptions): Promise<EcrRepository | undefined>;
  /** CreateRepository in the caller's registry (or o.account's); created is false when it already existed. */
  createRepository(name: string, o?: EcrCallOptions & { tagMutability?: "MUTABLE" | "IMMUTABLE"; account?: string }): Promise<{ created: boolean; repository: EcrRepository }>;
  /** DescribeImages for one tag: the digest it points at; undefined when the tag or the repository does not exist. */
  imageDigest(account: string, repository: string, tag: string, o?: EcrCallOptions): Promise<string | undefined>;
  /** BatchGetImage for a tag or sha256 digest: the manifest as ECR serves it; undefined when there is no such image. */
  manifest(account: string, repository: string, ref: string, o?: EcrCallOptions): Promise<EcrManifest | undefined>;
  close(): void;
}

type Operation = "GetAuthorizationToken" | "DescribeRepositories" | "CreateRepository" | "DescribeImages" | "BatchGetImage";

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_ATTEMPTS = 3;

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`);

/** Whether tag is immutable in repo, exclusions included; undefined for a setting this version does not know. */
export function tagIsImmutable(repo: Pick<EcrRepository, "tagMutability" | "mutabilityExclusions">, tag: string): boolean | undefined {
  const excluded = repo.mutabilityExclusions.some((f) => new RegExp(`^${f.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(tag));
  switch (repo.tagMutability) {
    case "MUTABLE":
      return false;
    case "IMMUTABLE":
      return true;
    case "MUTABLE_WITH_EXCLUSION":
      return excluded;
    case "IMMUTABLE_WITH_EXCLUSION":
      return !excluded;
    default:
      return undefined;
  }
}

/** One line, at most 200 characters, and nothing that looks like an opaque blob (an encoded message, a token). */
function oneLine(text: string, secrets: readonly string[]): string {
  let out = (text.split(/[\r\n\u0085\u2028\u2029]/)[0] ?? "").replace(/[\p{Cc}\p{Cf}]/gu, " ").trim();
  for (const s of secrets) if (s.length >= 8) out = out.replaceAll(s, "[redacted]");
  out = out.replace(/[A-Za-z0-9+/=_-]{64,}/g, "[…]");
  return out.length > 200 ? `${out.slice(0, 199)}…` : out;
}

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  cause?: unknown;
}

// Error codes as AWS front ends answer them (ECR's JSON 1.1 gateway, and STS-style names for the same conditions).
const EXPIRED = new Set(["ExpiredTokenException", "ExpiredToken", "TokenRefreshRequired"]);
const INVALID_KEY = new Set(["UnrecognizedClientException", "InvalidClientTokenId", "MissingAuthenticationTokenException", "IncompleteSignatureException"]);
const INVALID_SIGNATURE = new Set(["InvalidSignatureException", "SignatureDoesNotMatch"]);
const CLOCK = new Set(["RequestExpired", "RequestTimeTooSkewed"]);
const THROTTLED = new Set(["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"]);

const NETWORK: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNABORTED: "the connection was aborted",
};
const TLS = /^(?:CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|ERR_TLS_|ERR_SSL_)/;

/** A service answer the caller asked to receive as a value (RepositoryNotFoundException and the like). */
class Expected {
  constructor(
    readonly name: string,
    readonly message: string,
  ) {}
}

function errorCode(e: ErrorShape): string | undefined {
  const cause = e.cause as ErrorShape | undefined;
  return e.code ?? cause?.code;
}

export function createEcr(o: EcrOptions): Ecr {
  const requestTimeoutMs = o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const deadlineMs = o.deadlineMs ?? requestTimeoutMs * maxAttempts + 10_000;
  const connectionTimeoutMs = Math.min(requestTimeoutMs, 5_000);
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const config: ECRClientConfig = {
    region: o.region,
    maxAttempts,
    // @smithy/node-http-handler only warns when requestTimeout passes, unless throwOnRequestTimeout is set;
    // socketTimeout ends a connection that goes quiet mid-answer.
    requestHandler: { requestTimeout: requestTimeoutMs, connectionTimeout: connectionTimeoutMs, socketTimeout: requestTimeoutMs, throwOnRequestTimeout: true },
    // The SDK's warnings (e.g. AWS_PROFILE and AWS_ACCESS_KEY_ID both set) would land in the middle of the report.
    logger: quiet,
    ...(o.endpoint !== undefined ? { endpoint: o.endpoint, useFipsEndpoint: false, useDualstackEndpoint: false } : o.fips ? { useFipsEndpoint: true } : {}),
    ...(o.profile !== undefined ? { profile: o.profile } : {}),
    ...(o.credentials !== undefined ? { credentials: o.credentials } : {}),
  };
  const client = new ECRClient(config);
  const secrets: string[] = [];
  if (o.credentials && typeof o.credentials === "object") secrets.push(o.credentials.secretAccessKey, o.credentials.sessionToken ?? "");

  let endpointText: string | undefined;
  async function endpoint(): Promise<string> {
    if (endpointText) return endpointText;
    try {
      if (o.endpoint !== undefined) return (endpointText = o.endpoint.replace(/\/$/, ""));
      // As the client resolves it, AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT included.
      const [UseFIPS, UseDualStack] = await Promise.all([client.config.useFipsEndpoint(), client.config.useDualstackEndpoint()]);
      endpointText = client.config.endpointProvider({ Region: o.region, UseFIPS, UseDualStack }).url.href.replace(/\/$/, "");
    } catch {
      endpointText = `the ECR API in ${o.region}`;
    }
    return endpointText;
  }

  const profile = () => o.profile ?? process.env.AWS_PROFILE;

  function refreshHint(): string {
    const p = profile();
    if (p) return `Refresh the credentials of profile ${p}: aws sso login --profile ${p} (for SSO), or update its keys`;
    if (o.credentials === undefined && process.env.AWS_ACCESS_KEY_ID) {
      return "The AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in the environment are stale: export fresh ones, or unset them and use AWS_PROFILE";
    }
    return "Refresh your AWS credentials (e.g. aws sso login --profile NAME) and try again";
  }

  async function translate(e: unknown, op: Operation): Promise<ExpectedError | unknown> {
    if (!(e instanceof Error)) return e;
    const err = e as Error & ErrorShape;
    // The code comes from the wire (__type): shown only when it looks like one.
    const name = /^[\w.#:-]{1,100}$/.test(err.name) ? err.name : "UnknownError";
    const said = oneLine(err.message ?? "", secrets);

    if (name === "CredentialsProviderError" || name === "TokenProviderError" || /Could not load credentials/i.test(said)) {
      const p = profile();
      // The SDK's SSO messages: "The SSO session associated with this profile has expired|is invalid", "Token is
      // expired", "The SSO session token associated with profile=X was not found or is invalid".
      const sso = /\bSSO\b|Token is expired/.test(said);
      if (sso && /expired|invalid|not found/i.test(said)) {
        const state = /expired/i.test(said) ? "has expired" : "is not logged in";
        return new EnvironmentError(`the AWS SSO session${p ? ` of profile ${p}` : ""} ${state}`, `Run: aws sso login${p ? ` --profile ${p}` : ""}`, { cause: e });
      }
      const generic = /Could not load credentials from any providers/i.test(said);
      return new EnvironmentError(
        p ? `no AWS credentials for profile ${p}${generic ? "" : `: ${said}`}` : `no AWS credentials found (environment, shared config and credentials files, SSO, instance metadata)${generic ? "" : `: ${said}`}`,
        p
          ? `Check ${p === "default" ? "[default]" : `[profile ${p}]`} in ${process.env.AWS_CONFIG_FILE ?? "~/.aws/config"}; for SSO run aws sso login --profile ${p}`
          : "Set AWS_PROFILE=NAME (after aws sso login --profile NAME for SSO), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)",
        { cause: e },
      );
    }

    const status = err.$metadata?.httpStatusCode;
    const attempts = err.$metadata?.attempts ?? 1;
    const where = await endpoint();

    if (err.$fault !== undefined && status !== undefined) {
      if (EXPIRED.has(name) || /security token included in the request is expired/i.test(said)) {
        return new EnvironmentError(`the AWS credentials have expired (ECR answered ${name})`, refreshHint(), { cause: e });
      }
      // The SDK corrects a skewed clock and retries; this is what is left when it could not.
      if (CLOCK.has(name) || (INVALID_SIGNATURE.has(name) && /Signature expired|not yet current/i.test(said))) {
        return new EnvironmentError(`ECR refused the request's time: this machine's clock is off (${name})`, "Synchronise the system clock (NTP) and try again", { cause: e });
      }
      if (INVALID_KEY.has(name) || /security token included in the request is invalid/i.test(said)) return new EnvironmentError(`the AWS credentials are not valid: ECR does not recognise the access key or session token (${name})`, refreshHint(), { cause: e });
      if (INVALID_SIGNATURE.has(name)) {
        return new EnvironmentError(`the AWS credentials are not valid: the secret key does not match the access key (${name})`, refreshHint(), { cause: e });
      }
      if (name === "AccessDeniedException" || name === "AccessDenied") {
        const who = /User: (arn:[\w+=,.@:/-]+)/.exec(err.message ?? "")?.[1];
        return new EnvironmentError(
          `AWS denied ecr:${op}${who ? ` to ${who}` : ""}`,
          `Grant ecr:${op} to ${who ? "that identity" : "your identity"} (AmazonEC2ContainerRegistryPowerUser covers a push), or use a profile that has it`,
          { cause: e },
        );
      }
      if (THROTTLED.has(name) || status >= 500) {
        return new EnvironmentError(`ECR could not answer ${op}: HTTP ${status} ${name} after ${attempts} attempt${attempts === 1 ? "" : "s"}`, "Try again in a minute", { cause: e });
      }
      return new EnvironmentError(`ECR refused ${op}: ${name}${said ? `: ${said}` : ""}`, undefined, { cause: e });
    }

    const code = errorCode(err);
    if (name === "TimeoutError" || code === "ETIMEDOUT") {
      const tries = `${op}, ${attempts} attempt${attempts === 1 ? "" : "s"}`;
      // @smithy/node-http-handler: "...did not establish a connection with the server within the configured timeout".
      const text = /did not establish a connection/.test(err.message ?? "")
        ? `cannot reach ECR at ${where}: no connection within ${seconds(connectionTimeoutMs)} (${tries})`
        : `no answer from ECR at ${where} within ${seconds(requestTimeoutMs)} (${tries})`;
      return new EnvironmentError(text, "Check the network path to AWS (VPN, proxy, firewall) and try again", { cause: e });
    }
    if (code !== undefined && NETWORK[code]) {
      return new EnvironmentError(`cannot reach ECR at ${where}: ${NETWORK[code]} (${code})`, "Check the region in the repository URI and the network path to AWS (VPN, proxy, firewall)", { cause: e });
    }
    if (code !== undefined && TLS.test(code)) {
      return new EnvironmentError(`cannot reach ECR at ${where}: the TLS certificate is not trusted (${code})`, "A proxy that intercepts TLS? Point NODE_EXTRA_CA_CERTS at its CA certificate", { cause: e });
    }
    if (status !== undefined) {
      return new EnvironmentError(`ECR answered ${op} with HTTP ${status} that could not be read (${name}${said ? `: ${said}` : ""})`, `Check that ${where} is the ECR API`, { cause: e });
    }
    return e;
  }

  /** Runs one SDK call; a service error named in `expected` comes back as a value (a typed result), anything else is thrown translated. */
  function call<T>(op: Operation, send: (abortSignal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined): Promise<T>;
  function call<T>(op: Operation, send: (abortSignal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined, expected: readonly string[]): Promise<T | Expected>;
  async function call<T>(op: Operation, send: (abortSignal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined, expected: readonly string[] = []): Promise<T | Expected> {
    signal?.throwIfAborted();
    const deadline = AbortSignal.timeout(deadlineMs);
    const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let phase: "credentials" | "request" = "credentials";
    try {
      // The abort signal reaches the HTTP request, not credential resolution (SSO, IMDS): the race bounds both.
      return await new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(both.reason);
        both.addEventListener("abort", onAbort, { once: true });
        // Credentials first (the client memoizes them, so the signer reuses these), to tell which of the two hung.
        client.config
          .credentials()
          .then(() => {
            phase = "request";
            return send(both);
          })
          .then(resolve, reject)
          .finally(() => both.removeEventListener("abort", onAbort));
      });
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (deadline.aborted && phase === "credentials") {
        const p = profile();
        throw new EnvironmentError(
          `no AWS credentials within ${seconds(deadlineMs)}: ${p ? `the credential source of profile ${p}` : "the SDK's credential chain (SSO, process, container or instance metadata)"} did not answer`,
          `Check that aws sts get-caller-identity${p ? ` --profile ${p}` : ""} answers, then try again`,
          { cause: e },
        );
      }
      if (deadline.aborted) {
        throw new EnvironmentError(`no answer from ECR at ${await endpoint()} within ${seconds(deadlineMs)} (${op})`, "Check the network path to AWS (VPN, proxy, firewall) and try again", { cause: e });
      }
      const err = e as ErrorShape;
      if (e instanceof Error && err.$fault !== undefined && expected.includes(e.name)) return new Expected(e.name, oneLine(e.message, secrets));
      throw await translate(e, op);
    }
  }

  function repository(r: Repository | undefined, fallbackName: string, fallbackAccount: string): EcrRepository {
    const name = r?.repositoryName ?? fallbackName;
    const registryId = r?.registryId ?? fallbackAccount;
    return {
      name,
      registryId,
      uri: r?.repositoryUri ?? `${registryId}.dkr.ecr.${o.region}.amazonaws.com/${name}`,
      ...(r?.repositoryArn ? { arn: r.repositoryArn } : {}),
      tagMutability: r?.imageTagMutability ?? "MUTABLE",
      mutabilityExclusions: (r?.imageTagMutabilityExclusionFilters ?? []).flatMap((f) => (f.filter ? [f.filter] : [])),
      ...(r?.createdAt ? { createdAt: r.createdAt } : {}),
    };
  }

  async function describe(account: string | undefined, name: string, signal: AbortSignal | undefined): Promise<EcrRepository | undefined> {
    const out = await call(
      "DescribeRepositories",
      (abortSignal) => client.send(new DescribeRepositoriesCommand({ ...(account ? { registryId: account } : {}), repositoryNames: [name] }), { abortSignal }),
      signal,
      ["RepositoryNotFoundException"],
    );
    if (out instanceof Expected) return undefined;
    const r = out.repositories?.find((x) => x.repositoryName === name);
    return r ? repository(r, name, account ?? r.registryId ?? "") : undefined;
  }

  return {
    endpoint,

    async authorize(registryId, opts = {}) {
      const out = await call(
        "GetAuthorizationToken",
        (abortSignal) => client.send(new GetAuthorizationTokenCommand(registryId ? { registryIds: [registryId] } : {}), { abortSignal }),
        opts.signal,
      );
      const data = out.authorizationData?.[0];
      const decoded = data?.authorizationToken ? Buffer.from(data.authorizationToken, "base64").toString("utf8") : "";
      const colon = decoded.indexOf(":");
      if (!data || colon < 0 || decoded.slice(0, colon) !== "AWS" || !data.proxyEndpoint || !data.expiresAt) {
        throw new EnvironmentError(`ECR answered GetAuthorizationToken without a usable token (expected base64 "AWS:<password>", an endpoint and an expiry)`, `Check that ${await endpoint()} is the ECR API`);
      }
      const password = decoded.slice(colon + 1);
      secrets.push(password, data.authorizationToken!);
      const auth: EcrAuthorization = { username: "AWS", password, proxyEndpoint: data.proxyEndpoint, expiresAt: data.expiresAt };
      const shown = () => ({ username: auth.username, password: "[redacted]", proxyEndpoint: auth.proxyEndpoint, expiresAt: auth.expiresAt });
      Object.defineProperty(auth, "toJSON", { value: shown, enumerable: false });
      Object.defineProperty(auth, inspect.custom, { value: () => shown(), enumerable: false });
      return auth;
    },

    describeRepository: (account, name, opts = {}) => describe(account, name, opts.signal),

    async createRepository(name, opts = {}) {
      const out = await call(
        "CreateRepository",
        (abortSignal) =>
          client.send(
            new CreateRepositoryCommand({
              repositoryName: name,
              ...(opts.account ? { registryId: opts.account } : {}),
              ...(opts.tagMutability ? { imageTagMutability: opts.tagMutability } : {}),
            }),
            { abortSignal },
          ),
        opts.signal,
        ["RepositoryAlreadyExistsException"],
      );
      if (!(out instanceof Expected)) return { created: true, repository: repository(out.repository, name, opts.account ?? "") };
      // Created by someone else since we looked: use theirs, whatever its settings (the caller checks them).
      const theirs = await describe(opts.account, name, opts.signal);
      if (!theirs) throw new EnvironmentError(`ECR says repository ${name} exists and that it does not: ${out.message}`, "Try again in a minute");
      return { created: false, repository: theirs };
    },

    // DescribeImages rather than BatchGetImage: metadata only (ecr:DescribeImages), no manifest transferred, not
    // recorded as a pull (BatchGetImage is one, and moves the image's last-pull time that lifecycle rules read).
    async imageDigest(account, repositoryName, tag, opts = {}) {
      const out = await call(
        "DescribeImages",
        (abortSignal) => client.send(new DescribeImagesCommand({ registryId: account, repositoryName, imageIds: [{ imageTag: tag }] }), { abortSignal }),
        opts.signal,
        ["ImageNotFoundException", "RepositoryNotFoundException"],
      );
      if (out instanceof Expected) return undefined;
      return (out.imageDetails?.find((d) => d.imageTags?.includes(tag)) ?? out.imageDetails?.[0])?.imageDigest;
    },

    // No acceptedMediaTypes: ECR then serves the manifest as stored; computedDigest shows whether it did.
    async manifest(account, repositoryName, ref, opts = {}) {
      const imageId = ref.startsWith("sha256:") ? { imageDigest: ref } : { imageTag: ref };
      const out = await call(
        "BatchGetImage",
        (abortSignal) => client.send(new BatchGetImageCommand({ registryId: account, repositoryName, imageIds: [imageId] }), { abortSignal }),
        opts.signal,
        ["RepositoryNotFoundException"],
      );
      if (out instanceof Expected) return undefined;
      const image = out.images?.[0];
      if (!image?.imageManifest || !image.imageId?.imageDigest) return undefined;
      return {
        digest: image.imageId.imageDigest,
        ...(image.imageManifestMediaType ? { mediaType: image.imageManifestMediaType } : {}),
        manifest: image.imageManifest,
        computedDigest: `sha256:${createHash("sha256").update(image.imageManifest, "utf8").digest("hex")}`,
      };
    },

    close() {
      client.destroy();
    },
  };
}
