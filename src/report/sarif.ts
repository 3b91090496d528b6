import { createHash } from "node:crypto";
import type { CheckMeta, Finding, Location, Severity } from "../engine/check.js";
import { parseImageReference } from "../image/reference.js";
import { CONTRACTS, type ClauseId, contractsOf, type SpecView } from "../spec/types.js";
import { baseFrom, type Dockerfile, instructionFor, parseDockerfile } from "./dockerfile.js";
import type { CheckResult, Report } from "./model.js";

// SARIF 2.1.0 for GitHub code scanning (and any other SARIF reader). One run; a rule per check the report holds;
// a result per finding of a failing check. Validated against schemas/vendor/sarif-2.1.0-rtm.5.json in the tests.

/** The `$schema` GitHub's documentation shows for SARIF 2.1.0. */
export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
/** The package page the README is published on (package.json has no homepage or repository to point at). */
export const SARIF_INFORMATION_URI = "https://www.npmjs.com/package/byoc-check";
/** The partialFingerprints key; bump its version whenever what goes into the hash changes. */
export const FINGERPRINT_KEY = "byocCheck/v1";
/** uriBaseId of paths inside the image under test. */
export const IMAGE_ROOT = "IMAGEROOT";

export interface SarifCatalog {
  /** Every check's metadata (conformance/index.ts CHECKS): rationale and fix become each rule's help. */
  checks: readonly CheckMeta[];
  /** The spec the run used: clause statements and their AWS documentation links go into each rule's help. */
  spec: SpecView;
  /** The Dockerfile the image was built from: config findings then point at the instruction that set the field. */
  dockerfile?: { uri: string; text: string };
}

type Level = "error" | "warning" | "note";
const LEVEL: Record<Severity, Level> = { error: "error", warning: "warning", info: "note" };

// GitHub reads security-severity (a CVSS-like 0.0-10.0 string) only on rules tagged "security", and ranks >= 9.0
// critical, 7.0-8.9 high. 8.8 is CVSS 3.1 AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H: anyone allowed to pull the image
// (network, low privileges, no user action) reads the credential, and a working cloud key or token gives full
// confidentiality, integrity and availability impact on what it grants. Not 9.x: pulling needs registry access.
const SECURITY_SEVERITY = "8.8";
const isSecurityRule = (id: string) => /SECRET|CREDENTIAL/.test(id);

/**
 * precision (how often a result is a true positive, as GitHub and CodeQL use it): checks that read the image
 * configuration are exact; secret detection matches patterns (a test key or an example token counts); checks that
 * run the image observe real behaviour in a sandbox whose timing can differ from SageMaker's.
 */
function precisionOf(id: string, group: CheckMeta["group"] | undefined): "very-high" | "high" {
  if (isSecurityRule(id)) return "high";
  return group === "image" ? "very-high" : "high";
}

const pascalCase = (id: string) =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())
    .join("");

// DG23:<file> and DGnow:<page> name pages of the SageMaker Developer Guide (reference/sagemaker-contract.md §0).
const DEV_GUIDE = /^DG(?:23|now):([A-Za-z0-9._-]+)$/;
const devGuideUrl = (page: string) => `https://docs.aws.amazon.com/sagemaker/latest/dg/${page}.html`;

interface ClauseHelp {
  id: ClauseId;
  level?: string;
  basis?: string;
  statement?: string;
  links: Array<{ page: string; url: string }>;
}

function clauseHelp(spec: SpecView, id: ClauseId): ClauseHelp {
  if (!spec.hasClause(id)) return { id, links: [] };
  const c = spec.clause(id);
  const links = new Map<string, { page: string; url: string }>();
  for (const s of c.sources) {
    const m = DEV_GUIDE.exec(s.ref);
    if (m && !links.has(m[1]!)) links.set(m[1]!, { page: m[1]!, url: devGuideUrl(m[1]!) });
  }
  return { id, level: c.level, basis: c.basis, statement: c.statement, links: [...links.values()] };
}

/**
 * Backslash-escapes what GitHub markdown would read as markup (`<capability>` as an HTML tag, `*`, `~`, links),
 * outside `code spans`, which stay as written. `_` only at a word's edge: GFM never emphasizes inside x86_64.
 */
function md(text: string): string {
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .replace(/[\\*<>[\]~]/g, "\\$&")
            .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, "\\_")
            .replace(/^#/gm, "\\#"),
    )
    .join("");
}

interface Rule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: Level };
  properties: Record<string, unknown> & { tags: string[] };
}

function ruleFor(result: CheckResult, meta: CheckMeta | undefined, spec: SpecView): Rule {
  const clauses = result.clauses.map((id) => clauseHelp(spec, id));
  const rationale = meta?.rationale ?? result.title;
  const fix = meta?.fix;

  const text = [rationale, ...(fix ? [`Fix: ${fix}`] : []), "SageMaker contract clauses this check asserts:"];
  const markdown = [md(rationale), ...(fix ? [`**Fix:** ${md(fix)}`] : []), "**SageMaker contract clauses this check asserts**"];
  const textItems: string[] = [];
  const mdItems: string[] = [];
  for (const c of clauses) {
    const how = [c.level, c.basis ? `basis: ${c.basis}` : undefined].filter(Boolean).join("; ");
    textItems.push(`- ${c.id}${how ? ` (${how})` : ""}${c.statement ? `: ${c.statement}` : ""}${c.links.map((l) => `\n  ${l.url}`).join("")}`);
    const links = c.links.map((l) => `[${md(l.page)}](${l.url})`).join(", ");
    mdItems.push(`- \`${c.id}\`${how ? ` (${how})` : ""}${c.statement ? `: ${md(c.statement)}` : ""}${links ? ` AWS docs: ${links}` : ""}`);
  }
  text.push(textItems.join("\n"));
  markdown.push(mdItems.join("\n"));

  const severity = meta?.severity ?? result.severity;
  const security = isSecurityRule(result.id);
  const helpUri = clauses.flatMap((c) => c.links)[0]?.url;
  const tags = [...new Set(["sagemaker", ...contractsOf(result.clauses), ...(meta ? [meta.group] : []), ...(security ? ["security", "external/cwe/cwe-798"] : [])])];
  return {
    id: result.id,
    name: pascalCase(result.id),
    shortDescription: { text: meta?.title ?? result.title },
    fullDescription: { text: rationale },
    help: { text: text.join("\n\n"), markdown: markdown.join("\n\n") },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: LEVEL[severity] },
    properties: {
      tags,
      precision: precisionOf(result.id, meta?.group),
      ...(security ? { "security-severity": SECURITY_SEVERITY } : {}),
      clauses: [...result.clauses],
    },
  };
}

/** A path as a relative URI reference: each segment percent-encoded, so `:` in a first segment is not a scheme. */
function uriPath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** The Dockerfile's path relative to the repository root (as git shows it) as a URI: `docker\\Dockerfile`, `./Dockerfile` work too. */
function dockerfileUri(path: string): string {
  return uriPath(path.replace(/\\/g, "/").replace(/^(?:\.\/)+/, ""));
}

/**
 * Where a finding with no file in the repository points: the image's repository name without tag or digest, as trivy
 * writes image targets (e.g. registry.example.com/team/model), so the location survives a rebuild under a new tag.
 */
function imageName(ref: string): string {
  try {
    const parsed = parseImageReference(ref);
    if (parsed.name) return parsed.name;
  } catch {
    // docker-archive:, oci:, oci-archive: sources and anything else: the reference as written.
  }
  return ref;
}

interface PhysicalLocation {
  artifactLocation: { uri: string; uriBaseId?: string };
  region: { startLine: number; endLine?: number };
}

interface SarifLocation {
  physicalLocation: PhysicalLocation;
  logicalLocations?: Array<{ name?: string; fullyQualifiedName: string; kind: string }>;
  properties?: Record<string, unknown>;
}

interface Context {
  imageUri: string;
  dockerfile?: { uri: string; parsed: Dockerfile };
}

function dockerfileLocation(location: Location, ctx: Context): { physical: PhysicalLocation; properties?: Record<string, unknown> } | undefined {
  if (!ctx.dockerfile) return undefined;
  const { uri, parsed } = ctx.dockerfile;
  const found = instructionFor(parsed, location);
  // A field no instruction sets comes with the base image: FROM is the line to change.
  const instruction = found ?? baseFrom(parsed);
  if (!instruction) return undefined;
  return {
    physical: {
      artifactLocation: { uri },
      region: { startLine: instruction.line, ...(instruction.endLine > instruction.line ? { endLine: instruction.endLine } : {}) },
    },
    properties: { instruction: instruction.keyword, ...(found ? {} : { fromBaseImage: true }) },
  };
}

function locationFor(location: Location | undefined, ctx: Context): SarifLocation {
  const image: PhysicalLocation = { artifactLocation: { uri: ctx.imageUri }, region: { startLine: 1 } };
  switch (location?.kind) {
    case "file":
      return {
        physicalLocation: { artifactLocation: { uri: uriPath(location.path.replace(/^\/+/, "")) || ".", uriBaseId: IMAGE_ROOT }, region: { startLine: 1 } },
        ...(location.layer ? { properties: { layer: location.layer } } : {}),
      };
    case "config": {
      const inDockerfile = dockerfileLocation(location, ctx);
      return {
        physicalLocation: inDockerfile?.physical ?? image,
        logicalLocations: [{ fullyQualifiedName: location.field, kind: "member" }],
        ...(inDockerfile?.properties ? { properties: inDockerfile.properties } : {}),
      };
    }
    case "option":
      return {
        physicalLocation: image,
        logicalLocations: [{ name: location.option, fullyQualifiedName: `${location.option} ${location.value}`.trim(), kind: "parameter" }],
      };
    default:
      return { physicalLocation: image };
  }
}

function locationKey(location: Location | undefined): string {
  switch (location?.kind) {
    case "file":
      return `file:${location.path}`;
    case "config":
      return `config:${location.field}`;
    case "option":
      return `option:${location.option}`;
    default:
      return "";
  }
}

/** What of a message varies between runs of the same finding: digests and ids, counts, sizes and durations. */
function normalizeMessage(message: string): string {
  return message
    .replace(/\b[a-z0-9]+:[0-9a-f]{32,}\b/gi, "<digest>")
    .replace(/\b[0-9a-f]{12,}\b/gi, "<hex>")
    .replace(/\b\d+(?:\.\d+)?\b/g, "<n>")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * A result's identity across runs, for GitHub to match an alert in the next upload to this one (and close it when it
 * is gone): the rule, where the finding points and the message with run-to-run noise taken out. Not the image id,
 * tag or layer digest, which change with every build of the same Dockerfile; uploads for different images are kept
 * apart by the run's category instead. `:n` numbers findings that still hash alike, as CodeQL's primaryLocationLineHash does.
 */
function fingerprint(ruleId: string, finding: Finding, seen: Map<string, number>): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([ruleId, locationKey(finding.evidence.location), normalizeMessage(finding.message)]))
    .digest("hex");
  const n = (seen.get(hash) ?? 0) + 1;
  seen.set(hash, n);
  return `${hash}:${n}`;
}

function evidenceProperties(finding: Finding): Record<string, unknown> {
  const { location: _location, ...rest } = finding.evidence;
  return Object.keys(rest).length > 0 ? { evidence: rest } : {};
}

function exitDescription(report: Report): string {
  const s = report.summary;
  if (report.conformant) return `conformant at --fail-on ${report.failOn}`;
  if (s.blocking > 0) return `not conformant: ${s.blocking} failing check${s.blocking === 1 ? "" : "s"} at or above --fail-on ${report.failOn}`;
  if (s.expiredWaivers > 0) return `not conformant: ${s.expiredWaivers} waiver${s.expiredWaivers === 1 ? "" : "s"} past ${s.expiredWaivers === 1 ? "its" : "their"} date`;
  if (s.error > 0) return "incomplete: a check could not run";
  return `exit ${report.exitCode}`;
}

const NOTIFICATIONS = [
  { id: "check-error", shortDescription: { text: "A check could not run: the image was not judged against its clauses" } },
  { id: "waiver-expired", shortDescription: { text: "A waiver is past its date: it excuses nothing and fails the run" } },
  { id: "waiver-unused", shortDescription: { text: "A waiver excused nothing: its check passed, was skipped or did not run" } },
] as const;
const notification = (id: (typeof NOTIFICATIONS)[number]["id"]) => ({ id, index: NOTIFICATIONS.findIndex((n) => n.id === id) });

/** The SARIF 2.1.0 log of a report, as JSON text. */
export function renderSarif(report: Report, catalog: SarifCatalog): string {
  const metaById = new Map(catalog.checks.map((c) => [c.id, c]));
  const ruleIndex = new Map<string, number>();
  const rules: Rule[] = [];
  for (const r of report.results) {
    if (ruleIndex.has(r.id)) continue;
    ruleIndex.set(r.id, rules.length);
    rules.push(ruleFor(r, metaById.get(r.id), catalog.spec));
  }
  const ruleRef = (id: string) => (ruleIndex.has(id) ? { id, index: ruleIndex.get(id)! } : { id });

  const name = imageName(report.image.ref);
  const ctx: Context = {
    imageUri: uriPath(name),
    ...(catalog.dockerfile ? { dockerfile: { uri: dockerfileUri(catalog.dockerfile.uri), parsed: parseDockerfile(catalog.dockerfile.text) } } : {}),
  };

  const seen = new Map<string, number>();
  const results = report.results
    .filter((r) => r.status === "fail")
    .flatMap((r) => {
      const findings: Finding[] = r.findings.length > 0 ? r.findings : [{ message: r.title, fix: metaById.get(r.id)?.fix ?? "", evidence: {} }];
      return findings.map((f) => ({
        ruleId: r.id,
        ruleIndex: ruleIndex.get(r.id)!,
        level: LEVEL[r.severity],
        message: { text: f.fix ? `${f.message}\nFix: ${f.fix}` : f.message },
        locations: [locationFor(f.evidence.location, ctx)],
        partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(r.id, f, seen) },
        ...(r.waiver
          ? { suppressions: [{ kind: "external", status: "accepted", justification: r.waiver.reason, ...(r.waiver.expires ? { properties: { expires: r.waiver.expires } } : {}) }] }
          : {}),
        properties: { clause: r.clause, ...evidenceProperties(f) },
      }));
    });

  const errors = report.results
    .filter((r) => r.status === "error")
    .map((r) => {
      const error = r.error ?? { name: "Error", message: "unknown error" };
      const bug = error.stack ? " (this looks like a bug in byoc-check: please report it with the JSON report)" : "";
      return {
        level: "error",
        message: { text: `${r.id} could not run: ${error.message}${bug}` },
        descriptor: notification("check-error"),
        associatedRule: ruleRef(r.id),
        exception: { kind: error.name, message: error.message },
      };
    });

  const waiverNotes = report.waivers
    .filter((w) => w.state === "expired" || w.state === "unused")
    .map((w) =>
      w.state === "expired"
        ? { level: "error", message: { text: `The waiver for ${w.check} expired on ${w.expires}: it excuses nothing and fails the run (reason: ${w.reason})` }, descriptor: notification("waiver-expired"), associatedRule: ruleRef(w.check) }
        : { level: "note", message: { text: `The waiver for ${w.check} excused nothing: its check passed or was skipped (reason: ${w.reason})` }, descriptor: notification("waiver-unused"), associatedRule: ruleRef(w.check) },
    );

  const { image } = report;
  const contracts = CONTRACTS.filter((c) => report.contracts.includes(c));
  const semver = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(report.tool.version);
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            ...(semver ? { semanticVersion: report.tool.version } : {}),
            informationUri: SARIF_INFORMATION_URI,
            rules,
            notifications: NOTIFICATIONS,
          },
        },
        invocations: [
          {
            executionSuccessful: !report.results.some((r) => r.status === "error"),
            exitCode: report.exitCode,
            exitCodeDescription: exitDescription(report),
            startTimeUtc: report.startedAt,
            endTimeUtc: new Date(Date.parse(report.startedAt) + report.durationMs).toISOString(),
            ...(errors.length > 0 ? { toolExecutionNotifications: errors } : {}),
            ...(waiverNotes.length > 0 ? { toolConfigurationNotifications: waiverNotes } : {}),
            properties: { seed: report.seed, failOn: report.failOn, durationMs: report.durationMs, conformant: report.conformant },
          },
        ],
        // GitHub's category is everything before the last "/": one per image repository and contract set, so that
        // uploads for different images or contracts do not close each other's alerts; the tag is left out, so a
        // new build's upload replaces the last one's.
        automationDetails: {
          id: `byoc-check/${name}/${contracts.join("+")}/`,
          description: { text: `byoc-check of ${name} against the SageMaker ${contracts.join(", ")} contract${contracts.length === 1 ? "" : "s"}` },
        },
        originalUriBaseIds: {
          [IMAGE_ROOT]: {
            description: {
              text: `The root of the filesystem of the image ${image.ref} (${[image.id, image.digest, image.platform].filter(Boolean).join(", ")}): paths under it are inside the image, not in this repository.`,
            },
          },
        },
        results,
        columnKind: "utf16CodeUnits",
        properties: {
          reportVersion: report.reportVersion,
          image: report.image,
          spec: report.spec,
          contracts: report.contracts,
          instances: report.instances,
          waivers: report.waivers,
          summary: report.summary,
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
