// The Amazon ECR control plane, played by a node:http server on 127.0.0.1 at a random port, so that the real
// @aws-sdk/client-ecr (pointed here with its `endpoint` setting) signs, sends, retries and parses as it does against
// AWS. The wire format is AWS JSON 1.1 as the SDK writes it (@aws-sdk/core AwsJsonRpcProtocol): POST /,
// X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>, Content-Type: application/x-amz-json-1.1, a JSON
// body, timestamps as epoch seconds. Errors are HTTP 4xx/5xx with {"__type": "<Code>", "message": "..."}, which the
// SDK reads before the x-amzn-ErrorType header (@smithy/core loadJsonRpcErrorCode: __type, then code, then header).
// Every request must carry a valid SigV4 signature for the fake's access key, checked as AWS checks it.
// The registry data plane (docker push) is not here.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type EcrOperation = "GetAuthorizationToken" | "DescribeRepositories" | "CreateRepository" | "DescribeImages" | "BatchGetImage";
const OPERATIONS: readonly EcrOperation[] = ["GetAuthorizationToken", "DescribeRepositories", "CreateRepository", "DescribeImages", "BatchGetImage"];
export const ECR_TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";
export const AMZ_JSON_1_1 = "application/x-amz-json-1.1";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

export interface FakeImage {
  digest: string;
  tags: string[];
  manifest: string;
  mediaType: string;
  sizeBytes: number;
  pushedAt: Date;
}

export interface FakeRepository {
  registryId: string;
  name: string;
  tagMutability: string;
  exclusionFilters?: Array<{ filterType: "WILDCARD"; filter: string }>;
  createdAt: Date;
  images: FakeImage[];
}

export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface EcrFakeState {
  /** The caller's account: its default registry, and the only one CreateRepository writes to. */
  account: string;
  /** The signing region the fake expects in the credential scope. */
  region: string;
  /** The only credentials the fake accepts. */
  credentials: FakeCredentials;
  /** Who the caller is, for AccessDeniedException messages. */
  principal: string;
  /** The registry password inside the authorization token ("AWS:" + password, base64). */
  password: string;
  tokenTtlSeconds: number;
  repositories: FakeRepository[];
  /** Answer every request with ExpiredTokenException, as STS-issued credentials past their expiry get. */
  expiredCredentials: boolean;
  /** Operations the caller's policies do not allow: AccessDeniedException. */
  denied: EcrOperation[];
  /** Operations that are read and then never answered (the connection stays open until close()). */
  stall: EcrOperation[];
  /** Operations answered with HTTP 500 ServerException. */
  serverError: EcrOperation[];
  /** Write __type as "com.amazonaws.ecr#Code" instead of "Code" (both forms are seen from AWS JSON services). */
  qualifiedErrorTypes: boolean;
  /** The fake's clock minus the caller's: requests signed more than 5 minutes away from it are refused, as AWS does. */
  clockOffsetMs: number;
}

export interface EcrFakeCall {
  operation: string;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  /** The access key id in the Authorization header, if any (whether or not the signature held). */
  accessKeyId?: string;
  /** The error code answered, if the call failed. */
  error?: string;
}

export interface EcrFake {
  /** http://127.0.0.1:PORT, for the SDK's `endpoint`. */
  readonly url: string;
  /** Mutable: tests change it between calls. */
  readonly state: EcrFakeState;
  readonly calls: EcrFakeCall[];
  addRepository(name: string, o?: { tagMutability?: string; registryId?: string; createdAt?: Date; exclusionFilters?: FakeRepository["exclusionFilters"] }): FakeRepository;
  /** Stores a manifest under its sha256 digest and moves the tags to it, as a push does; returns the digest. */
  putImage(repository: string, o?: { manifest?: string; mediaType?: string; tags?: string[]; registryId?: string }): string;
  repository(name: string, registryId?: string): FakeRepository | undefined;
  close(): Promise<void>;
}

export const FAKE_CREDENTIALS: FakeCredentials = { accessKeyId: "AKIAFAKEECR000000001", secretAccessKey: "fake/secret/key/for/byoc-check/tests/00" };

const sha256hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A minimal OCI image manifest that differs per call (its config digest is random). */
export function sampleManifest(): string {
  const config = `sha256:${randomBytes(32).toString("hex")}`;
  const layer = `sha256:${randomBytes(32).toString("hex")}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 1234 },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer, size: 56789 }],
  });
}

/** Checks an AWS Signature Version 4 Authorization header the way AWS does (canonical request, scope, HMAC chain). */
function verifySigV4(req: IncomingMessage, body: Buffer, state: EcrFakeState): void {
  const auth = req.headers.authorization;
  if (!auth) throw new Refusal(400, "MissingAuthenticationTokenException", "Missing Authentication Token");
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) throw new Refusal(400, "IncompleteSignatureException", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
  const [, accessKeyId = "", date = "", region = "", service = "", signed = "", signature = ""] = m;
  const expected = state.credentials;
  if (accessKeyId !== expected.accessKeyId) throw new Refusal(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
  if (expected.sessionToken !== undefined && req.headers["x-amz-security-token"] !== expected.sessionToken) {
    throw new Refusal(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  if (service !== "ecr") throw new Refusal(400, "InvalidSignatureException", `Credential should be scoped to correct service: 'ecr'.`);
  if (region !== state.region) throw new Refusal(400, "InvalidSignatureException", `Credential should be scoped to a valid region, not '${region}'.`);
  const amzDate = req.headers["x-amz-date"];
  const names = signed.split(";");
  if (typeof amzDate !== "string" || !amzDate.startsWith(date) || !names.includes("host") || !names.includes("x-amz-date")) {
    throw new Refusal(400, "IncompleteSignatureException", "The request must sign the host and x-amz-date headers.");
  }
  const url = new URL(req.url ?? "/", "http://fake");
  const query = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort().join("&");
  const headers = names.map((n) => {
    const v = req.headers[n];
    return `${n}:${(Array.isArray(v) ? v.join(",") : (v ?? "")).trim().replace(/\s+/g, " ")}\n`;
  });
  const canonical = [req.method, url.pathname, query, headers.join(""), signed, sha256hex(body)].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256hex(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${expected.secretAccessKey}`, date), region), service), "aws4_request");
  const mine = createHmac("sha256", key).update(toSign).digest();
  if (!timingSafeEqual(mine, Buffer.from(signature, "hex"))) {
    throw new Refusal(
      400,
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  const signedAt = Date.parse(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
  const now = Date.now() + state.clockOffsetMs;
  if (!(Math.abs(now - signedAt) <= 5 * 60_000)) {
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
    const message =
      signedAt < now
        ? `Signature expired: ${amzDate} is now earlier than ${stamp(now - 5 * 60_000)} (${stamp(now)} - 5 min.)`
        : `Signature not yet current: ${amzDate} is still later than ${stamp(now + 5 * 60_000)} (${stamp(now)} + 5 min.)`;
    throw new Refusal(400, "InvalidSignatureException", message);
  }
  if (state.expiredCredentials) throw new Refusal(400, "ExpiredTokenException", "The security token included in the request is expired");
}

const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const epoch = (d: Date) => d.getTime() / 1000;

export async function startEcrFake(initial: Partial<EcrFakeState> = {}): Promise<EcrFake> {
  const state: EcrFakeState = {
    account: "123456789012",
    region: "us-east-1",
    credentials: { ...FAKE_CREDENTIALS },
    principal: "arn:aws:iam::123456789012:user/byoc-ci",
    password: `fake-registry-password-${randomBytes(24).toString("base64url")}`,
    tokenTtlSeconds: 12 * 3600,
    repositories: [],
    expiredCredentials: false,
    denied: [],
    stall: [],
    serverError: [],
    qualifiedErrorTypes: false,
    clockOffsetMs: 0,
    ...initial,
  };
  const calls: EcrFakeCall[] = [];
  const stalled = new Set<ServerResponse>();

  const find = (name: string, registryId = state.account) => state.repositories.find((r) => r.name === name && r.registryId === registryId);
  const arn = (registryId: string, name: string) => `arn:aws:ecr:${state.region}:${registryId}:repository/${name}`;
  const registryHost = (registryId: string) => `${registryId}.dkr.ecr.${state.region}.amazonaws.com`;

  const notFound = (name: string, registryId: string) =>
    new Refusal(400, "RepositoryNotFoundException", `The repository with name '${name}' does not exist in the registry with id '${registryId}'`);

  function repositoryJson(r: FakeRepository) {
    return {
      repositoryArn: arn(r.registryId, r.name),
      registryId: r.registryId,
      repositoryName: r.name,
      repositoryUri: `${registryHost(r.registryId)}/${r.name}`,
      createdAt: epoch(r.createdAt),
      imageTagMutability: r.tagMutability,
      ...(r.exclusionFilters ? { imageTagMutabilityExclusionFilters: r.exclusionFilters } : {}),
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: "AES256" },
    };
  }

  function requireRepository(body: Record<string, unknown>): FakeRepository {
    const name = body.repositoryName;
    if (typeof name !== "string" || !REPOSITORY_NAME.test(name)) {
      throw new Refusal(400, "InvalidParameterException", `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`);
    }
    const registryId = typeof body.registryId === "string" ? body.registryId : state.account;
    const repo = find(name, registryId);
    if (!repo) throw notFound(name, registryId);
    return repo;
  }

  function lookup(repo: FakeRepository, id: { imageTag?: string; imageDigest?: string }): FakeImage | undefined {
    return repo.images.find((i) => (id.imageDigest === undefined || i.digest === id.imageDigest) && (id.imageTag === undefined || i.tags.includes(id.imageTag)));
  }

  const imageIdText = (id: { imageTag?: string; imageDigest?: string }) => `{imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'}`;

  function resourceOf(op: EcrOperation, body: Record<string, unknown>): string {
    if (op === "GetAuthorizationToken") return "*";
    const registryId = typeof body.registryId === "string" ? body.registryId : state.account;
    if (op === "DescribeRepositories") {
      const names = Array.isArray(body.repositoryNames) ? (body.repositoryNames as string[]) : [];
      return names.length === 1 ? arn(registryId, names[0]!) : arn(registryId, "*");
    }
    return arn(registryId, String(body.repositoryName));
  }

  const handlers: Record<EcrOperation, (body: Record<string, unknown>) => unknown> = {
    GetAuthorizationToken(body) {
      const ids = Array.isArray(body.registryIds) && body.registryIds.length > 0 ? (body.registryIds as string[]) : [state.account];
      const expiresAt = Math.floor(Date.now() / 1000) + state.tokenTtlSeconds;
      const token = Buffer.from(`AWS:${state.password}`).toString("base64");
      return { authorizationData: ids.map((id) => ({ authorizationToken: token, expiresAt, proxyEndpoint: `https://${registryHost(id)}` })) };
    },
    DescribeRepositories(body) {
      const registryId = typeof body.registryId === "string" ? body.registryId : state.account;
      const names = Array.isArray(body.repositoryNames) ? (body.repositoryNames as string[]) : undefined;
      if (!names) return { repositories: state.repositories.filter((r) => r.registryId === registryId).map(repositoryJson) };
      return {
        repositories: names.map((n) => {
          const r = find(n, registryId);
          if (!r) throw notFound(n, registryId);
          return repositoryJson(r);
        }),
      };
    },
    CreateRepository(body) {
      const name = body.repositoryName;
      const registryId = typeof body.registryId === "string" ? body.registryId : state.account;
      if (typeof name !== "string" || name.length < 2 || name.length > 256 || !REPOSITORY_NAME.test(name)) {
        throw new Refusal(400, "InvalidParameterException", `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`);
      }
      if (registryId !== state.account) {
        throw new Refusal(400, "AccessDeniedException", `User: ${state.principal} is not authorized to perform: ecr:CreateRepository on resource: ${arn(registryId, name)}`);
      }
      if (find(name, registryId)) {
        throw new Refusal(400, "RepositoryAlreadyExistsException", `The repository with name '${name}' already exists in the registry with id '${registryId}'`);
      }
      const mutability = typeof body.imageTagMutability === "string" ? body.imageTagMutability : "MUTABLE";
      const r: FakeRepository = { registryId, name, tagMutability: mutability, createdAt: new Date(), images: [] };
      if (Array.isArray(body.imageTagMutabilityExclusionFilters)) r.exclusionFilters = body.imageTagMutabilityExclusionFilters as FakeRepository["exclusionFilters"];
      state.repositories.push(r);
      return { repository: repositoryJson(r) };
    },
    DescribeImages(body) {
      const repo = requireRepository(body);
      const ids = Array.isArray(body.imageIds) ? (body.imageIds as Array<{ imageTag?: string; imageDigest?: string }>) : undefined;
      const detail = (i: FakeImage) => ({
        registryId: repo.registryId,
        repositoryName: repo.name,
        imageDigest: i.digest,
        ...(i.tags.length > 0 ? { imageTags: i.tags } : {}),
        imageSizeInBytes: i.sizeBytes,
        imagePushedAt: epoch(i.pushedAt),
        imageManifestMediaType: i.mediaType,
        imageStatus: "ACTIVE",
      });
      if (!ids) return { imageDetails: repo.images.map(detail) };
      return {
        imageDetails: ids.map((id) => {
          const i = lookup(repo, id);
          if (!i) {
            throw new Refusal(400, "ImageNotFoundException", `The image with imageId ${imageIdText(id)} does not exist within the repository with name '${repo.name}' in the registry with id '${repo.registryId}'`);
          }
          return detail(i);
        }),
      };
    },
    BatchGetImage(body) {
      const repo = requireRepository(body);
      const ids = Array.isArray(body.imageIds) ? (body.imageIds as Array<{ imageTag?: string; imageDigest?: string }>) : [];
      const images: unknown[] = [];
      const failures: unknown[] = [];
      for (const id of ids) {
        if (id.imageTag === undefined && id.imageDigest === undefined) {
          failures.push({ imageId: id, failureCode: "MissingDigestAndTag", failureReason: "Missing digest and tag" });
          continue;
        }
        const i = lookup(repo, id);
        if (!i) {
          const tagElsewhere = id.imageTag !== undefined && id.imageDigest !== undefined && repo.images.some((x) => x.tags.includes(id.imageTag!));
          failures.push(
            tagElsewhere
              ? { imageId: id, failureCode: "ImageTagDoesNotMatchDigest", failureReason: "Tag does not match digest" }
              : { imageId: id, failureCode: "ImageNotFound", failureReason: "Requested image not found" },
          );
          continue;
        }
        images.push({
          registryId: repo.registryId,
          repositoryName: repo.name,
          imageId: { imageDigest: i.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
          imageManifest: i.manifest,
          imageManifestMediaType: i.mediaType,
        });
      }
      return { images, failures };
    },
  };

  function send(res: ServerResponse, status: number, payload: unknown) {
    const text = JSON.stringify(payload);
    // AWS answers with its own time in Date; the SDK reads it to correct a skewed clock.
    res.sendDate = false;
    res
      .writeHead(status, { "Content-Type": AMZ_JSON_1_1, "Content-Length": Buffer.byteLength(text), "x-amzn-RequestId": randomUUID(), Date: new Date(Date.now() + state.clockOffsetMs).toUTCString() })
      .end(text);
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer) {
    const target = req.headers["x-amz-target"];
    const operation = typeof target === "string" && target.startsWith(ECR_TARGET_PREFIX) ? target.slice(ECR_TARGET_PREFIX.length) : String(target);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      body = undefined;
    }
    const call: EcrFakeCall = { operation, body };
    const keyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? "")?.[1];
    if (keyId !== undefined) call.accessKeyId = keyId;
    calls.push(call);
    try {
      if (req.method !== "POST" || new URL(req.url ?? "/", "http://fake").pathname !== "/") throw new Refusal(404, "UnknownOperationException", "Not Found");
      verifySigV4(req, raw, state);
      if (req.headers["content-type"] !== AMZ_JSON_1_1) throw new Refusal(400, "SerializationException", `Unexpected content type: ${req.headers["content-type"]}`);
      if (!OPERATIONS.includes(operation as EcrOperation)) throw new Refusal(400, "UnknownOperationException", `Unknown operation ${operation}`);
      if (body === undefined || typeof body !== "object" || body === null || Array.isArray(body)) throw new Refusal(400, "SerializationException", "Start of structure or map found where not expected.");
      const op = operation as EcrOperation;
      const input = body as Record<string, unknown>;
      if (state.stall.includes(op)) {
        stalled.add(res);
        res.on("close", () => stalled.delete(res));
        return;
      }
      if (state.serverError.includes(op)) throw new Refusal(500, "ServerException", "Internal service error");
      if (state.denied.includes(op)) {
        throw new Refusal(
          400,
          "AccessDeniedException",
          `User: ${state.principal} is not authorized to perform: ecr:${op} on resource: ${resourceOf(op, input)} because no identity-based policy allows the ecr:${op} action`,
        );
      }
      send(res, 200, handlers[op](input));
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      call.error = e.code;
      send(res, e.status, { __type: state.qualifiedErrorTypes ? `com.amazonaws.ecr#${e.code}` : e.code, message: e.message });
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (e) {
        send(res, 500, { __type: "ServerException", message: `ecr-fake bug: ${(e as Error).message}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    calls,
    addRepository(name, o = {}) {
      const r: FakeRepository = {
        registryId: o.registryId ?? state.account,
        name,
        tagMutability: o.tagMutability ?? "MUTABLE",
        createdAt: o.createdAt ?? new Date(),
        images: [],
        ...(o.exclusionFilters ? { exclusionFilters: o.exclusionFilters } : {}),
      };
      state.repositories.push(r);
      return r;
    },
    putImage(repository, o = {}) {
      const repo = find(repository, o.registryId);
      if (!repo) throw new Error(`ecr-fake: no repository ${repository}`);
      const manifest = o.manifest ?? sampleManifest();
      const digest = `sha256:${sha256hex(manifest)}`;
      const tags = o.tags ?? [];
      let image = repo.images.find((i) => i.digest === digest);
      if (!image) {
        image = { digest, tags: [], manifest, mediaType: o.mediaType ?? OCI_MANIFEST, sizeBytes: 1234 + 56789, pushedAt: new Date() };
        repo.images.push(image);
      }
      for (const other of repo.images) if (other !== image) other.tags = other.tags.filter((t) => !tags.includes(t));
      image.tags = [...new Set([...image.tags, ...tags])];
      return digest;
    },
    repository: (name, registryId) => find(name, registryId),
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
