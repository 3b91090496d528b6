import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ErrorObject } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { FailOn } from "../../../src/cli/exit-codes.js";
import type { Finding, ImageFacts, Severity } from "../../../src/engine/check.js";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { buildReport } from "../../../src/report/build.js";
import type { CheckResult, Report } from "../../../src/report/model.js";
import { type Waiver, applyWaivers } from "../../../src/report/waivers.js";
import type { ClauseId, Contract } from "../../../src/spec/types.js";

const schema = JSON.parse(readFileSync(join(PACKAGE_ROOT, "schemas", "report.schema.json"), "utf8")) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
// ajv-formats is CommonJS: under nodenext the default import is the module, its plugin at .default.
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** The schema's verdict on `report`: null when valid, else the errors as "path message" lines. */
export function schemaErrors(report: unknown): string[] | null {
  if (validate(report)) return null;
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}

export const IMAGE: ImageFacts = {
  ref: "registry.example.com/team/model:v1",
  id: `sha256:${"3f".repeat(32)}`,
  digest: `sha256:${"9c".repeat(32)}`,
  os: "linux",
  architecture: "amd64",
};

const contractOf = (clause: ClauseId) => clause.slice(0, clause.indexOf("#")) as Contract;

function base(id: string, clause: ClauseId, severity: Severity, title: string): Omit<CheckResult, "status" | "findings"> {
  return { id, contract: contractOf(clause), clause, clauses: [clause], severity, title, durationMs: 1.5 };
}

export function passed(id: string, clause: ClauseId, severity: Severity = "error", detail?: string): CheckResult {
  return { ...base(id, clause, severity, `${id} holds`), status: "pass", findings: [], ...(detail ? { detail } : {}) };
}

export function failed(id: string, clause: ClauseId, severity: Severity, ...findings: Finding[]): CheckResult {
  return { ...base(id, clause, severity, `${id} holds`), status: "fail", findings };
}

export function skipped(id: string, clause: ClauseId, reason: string): CheckResult {
  return { ...base(id, clause, "error", `${id} holds`), status: "skip", findings: [], reason };
}

export function errored(id: string, clause: ClauseId, message: string, stack?: string): CheckResult {
  return { ...base(id, clause, "error", `${id} holds`), status: "error", findings: [], error: { name: stack ? "TypeError" : "EnvironmentError", message, ...(stack ? { stack } : {}) } };
}

export const SHELL_FORM: Finding = {
  message: "ENTRYPOINT runs through /bin/sh -c, which drops the train/serve argument SageMaker passes",
  fix: 'Write ENTRYPOINT ["python3", "/opt/program/entry.py"] (exec form).',
  evidence: {
    location: { kind: "config", field: "Config.Entrypoint" },
    actual: ["/bin/sh", "-c", "python3 /opt/program/entry.py"],
    notes: ['docker run IMAGE train executes ["/bin/sh","-c","python3 /opt/program/entry.py","train"]: "train" becomes $0 of the script'],
    reproduce: ["docker run --rm registry.example.com/team/model:v1 train"],
  },
};

export const BAKED_MODEL: Finding = {
  message: "/opt/ml/model holds 2 files that SageMaker's mount hides",
  fix: "Copy model artifacts elsewhere (e.g. /opt/program/model) or let SageMaker download them.",
  evidence: {
    location: { kind: "file", path: "/opt/ml/model/weights.bin", layer: `sha256:${"ab".repeat(32)}` },
    expected: "nothing under /opt/ml/model",
    log: "2 files, 1.2 GiB",
  },
};

export const CRASHED: Finding = {
  message: "`docker run IMAGE train` exited 1 within 2 s",
  fix: "Run the repro line and read the traceback.",
  evidence: {
    reproduce: ["docker run --rm registry.example.com/team/model:v1 train"],
    log: "Traceback (most recent call last):\n  File \"/opt/program/train\", line 3, in <module>\n    import torch\nModuleNotFoundError: No module named 'torch'\nfirst of the last five\nsecond\nthird\nfourth\nfifth",
  },
};

export const ARCH: Finding = {
  message: "linux/amd64 does not run on ml.c7g.xlarge (arm64)",
  fix: "Build for linux/arm64 too: docker buildx build --platform linux/amd64,linux/arm64 .",
  evidence: { location: { kind: "option", option: "--instance", value: "ml.c7g.xlarge" }, actual: "amd64", expected: "arm64" },
};

export const ROOT: Finding = {
  message: 'The image runs as "1000", not root',
  fix: "Remove USER, or set USER root.",
  evidence: { location: { kind: "config", field: "Config.User" }, actual: "1000" },
};

export interface SampleOptions {
  failOn?: FailOn;
  instances?: string[];
  image?: Partial<ImageFacts>;
  /** The config's waivers, applied as the CLI applies them, on the report's start date. */
  waivers?: Waiver[];
}

/** A report built the way the CLI builds one, with its clock and tool version fixed so renderings are stable. */
export function sampleReport(results: CheckResult[], o: SampleOptions = {}): Report {
  const startedAt = new Date("2026-01-02T03:04:05.678Z");
  const waived = applyWaivers(results, o.waivers ?? [], startedAt);
  const report = buildReport({
    image: { ...IMAGE, ...o.image },
    specVersion: "1.0",
    contracts: ["training", "inference", "processing"],
    instances: o.instances ?? [],
    seed: 1234567,
    failOn: o.failOn ?? "error",
    startedAt,
    durationMs: 1234.4,
    results: waived.results,
    ...(o.waivers ? { waivers: waived.states } : {}),
  });
  return { ...report, tool: { name: "byoc-check", version: "9.9.9" } };
}

/** The reports rendered against the golden files in fixtures/reports/. */
export const SCENARIOS: Record<string, () => Report> = {
  conformant: () =>
    sampleReport(
      [
        passed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form", "error", 'Config.Entrypoint ["/opt/program/entry"]'),
        passed("IMG-TRAIN-REACHABLE", "training#start.command"),
        skipped("IMG-CAPABILITY-LABELS", "inference#capabilities.labels", "the image sets no SageMaker capability labels"),
        passed("IMG-USER-ROOT", "inference#user.root", "warning"),
      ],
      { instances: ["ml.g5.xlarge", "ml.m5.large"] },
    ),
  "warning-below-fail-on": () =>
    sampleReport([passed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form"), failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT)]),
  failing: () =>
    sampleReport(
      [
        failed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form", "error", SHELL_FORM),
        passed("IMG-TRAIN-REACHABLE", "training#start.command"),
        failed("IMG-OPTML-SHADOWED", "training#layout.reserved", "error", BAKED_MODEL),
        failed("IMG-ARCH-INSTANCE", "inference#platform.architecture", "error", ARCH),
        failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT),
        skipped("IMG-CAPABILITY-LABELS", "inference#capabilities.labels", "the image sets no SageMaker capability labels"),
        errored("IMG-ENV-CREDENTIALS", "training#env.no-baked-credentials", "Cannot read properties of undefined (reading 'env')", "TypeError: Cannot read properties of undefined (reading 'env')\n    at run (/x.ts:1:1)"),
      ],
      { instances: ["ml.c7g.xlarge"], image: { architecture: "amd64", digest: undefined } },
    ),
  "multiline-log": () => sampleReport([failed("IMG-TRAIN-STARTS", "training#start.command", "error", CRASHED)]),
  incomplete: () =>
    sampleReport(
      [
        passed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form"),
        failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT),
        errored("IMG-OPTML-SHADOWED", "training#layout.reserved", "the Docker engine stopped answering"),
      ],
      { image: { os: "linux", architecture: "arm64", variant: "v8" } },
    ),
  waivers: () =>
    sampleReport(
      [
        passed("IMG-ENTRYPOINT-EXEC", "training#start.exec-form"),
        failed("IMG-USER-ROOT", "inference#user.root", "warning", ROOT),
        failed("IMG-OPTML-SHADOWED", "training#layout.reserved", "error", BAKED_MODEL),
        failed("IMG-ARCH-INSTANCE", "inference#platform.architecture", "error", ARCH),
      ],
      {
        failOn: "warning",
        instances: ["ml.c7g.xlarge"],
        waivers: [
          { check: "IMG-USER-ROOT", reason: "the server drops privileges itself (TICKET-12)", expires: "2026-03-31" },
          { check: "IMG-OPTML-SHADOWED", reason: "weights are baked on purpose until the model registry lands" },
          { check: "IMG-ARCH-INSTANCE", reason: "arm64 build pending", expires: "2025-12-31" },
          { check: "IMG-ENTRYPOINT-EXEC", reason: "legacy shell entrypoint", expires: "2026-06-30" },
        ],
      },
    ),
};
