import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PACKAGE_ROOT } from "../../../src/paths.js";

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

interface Action {
  name: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}

const action = parse(readFileSync(join(PACKAGE_ROOT, "action.yml"), "utf8")) as Action;
const example = parse(readFileSync(join(PACKAGE_ROOT, "docs", "github-workflow.example.yml"), "utf8")) as Workflow;
const steps = action.runs.steps;
const runStep = steps.find((s) => s.id === "run")!;
const verdictStep = steps.at(-1)!;

const tmp = mkdtempSync(join(tmpdir(), "byoc-action-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What the runner does with a step's env: `${{ inputs.x }}` becomes the input's value (or its default), as data. */
function stepEnv(step: Step, inputs: Record<string, string>, outputs: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.env ?? {})) {
    env[k] = v.replace(/\$\{\{\s*(inputs|steps\.run\.outputs)\.([\w-]+)\s*\}\}/g, (_, ctx: string, name: string) =>
      ctx === "inputs" ? (inputs[name] ?? action.inputs[name]?.default ?? "") : (outputs[name] ?? ""),
    );
  }
  return env;
}

let runs = 0;

/** Runs a step's script as the runner runs `shell: bash`: bash --noprofile --norc -eo pipefail FILE. */
function runScript(step: Step, env: Record<string, string>, cwd: string) {
  const file = join(tmp, `step-${runs++}.sh`);
  writeFileSync(file, step.run!);
  return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], { cwd, env: { PATH: process.env.PATH!, ...env }, encoding: "utf8" });
}

/** The run step against a stand-in for node that records its argv, writes the reports asked for, and exits `exit`. */
function runByocCheck(inputs: Record<string, string>, exit: number) {
  const work = mkdtempSync(join(tmp, "work-"));
  const bin = join(work, ".bin");
  mkdirSync(bin);
  const argvFile = join(work, ".argv");
  writeFileSync(
    join(bin, "node"),
    `#!/usr/bin/env bash\nprintf '%s\\0' "$@" > "${argvFile}"\nwhile [ $# -gt 0 ]; do case "$1" in --sarif|--junit|--json) : > "$2"; shift;; esac; shift; done\nexit ${exit}\n`,
  );
  chmodSync(join(bin, "node"), 0o755);
  const outputFile = join(work, ".output");
  writeFileSync(outputFile, "");
  const env = { ...stepEnv(runStep, inputs), GITHUB_ACTION_PATH: "/opt/action", GITHUB_OUTPUT: outputFile };
  const r = runScript(runStep, { ...env, PATH: `${bin}:${process.env.PATH!}` }, work);
  const argv = existsSync(argvFile) ? readFileSync(argvFile, "utf8").split("\0").slice(0, -1) : [];
  const outputs = Object.fromEntries(
    readFileSync(outputFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { status: r.status, stderr: r.stderr, argv, outputs, files: readdirSync(work).filter((f) => !f.startsWith(".")) };
}

describe("action.yml", () => {
  it("is a composite action named byoc-check with the documented inputs and outputs", () => {
    expect(action.name).toBe("byoc-check");
    expect(action.runs.using).toBe("composite");
    expect(action.inputs.image!.required).toBe(true);
    for (const name of ["contracts", "instances", "args", "config", "fail-on", "sarif", "junit", "upload-sarif", "node-version"]) {
      expect(action.inputs[name], name).toBeDefined();
      expect(action.inputs[name]!.required ?? false).toBe(false);
    }
    expect(action.inputs.sarif!.default).toBe("byoc-check.sarif");
    expect(action.inputs["node-version"]!.default).toBe("24");
    expect(action.inputs["upload-sarif"]!.default).toBe("true");
    for (const [name, o] of Object.entries(action.inputs)) expect(o.description, name).toBeTruthy();
    expect(Object.keys(action.outputs).sort()).toEqual(["conformant", "exit-code", "json", "junit", "sarif"]);
    for (const [name, o] of Object.entries(action.outputs)) expect(o.value).toBe(`\${{ steps.run.outputs.${name} }}`);
  });

  it("passes inputs to scripts only through env, never as ${{ }} inside a run:", () => {
    const scripts = steps.filter((s) => s.run !== undefined);
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const s of scripts) {
      expect(s.run, s.name).not.toContain("${{");
      expect(s.shell, s.name).toBe("bash");
    }
    for (const name of Object.keys(action.inputs).filter((n) => n !== "node-version" && n !== "upload-sarif")) {
      expect(Object.values(runStep.env ?? {}), name).toContain(`\${{ inputs.${name} }}`);
    }
  });

  it("sets up Node, then installs and builds byoc-check where the action lives", () => {
    expect(steps[0]!.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(steps[0]!.with!["node-version"]).toBe("${{ inputs.node-version }}");
    const install = steps[1]!.run!;
    expect(install).toContain('cd "$GITHUB_ACTION_PATH"');
    expect(install.indexOf("npm ci --no-audit --no-fund")).toBeGreaterThan(0);
    expect(install.indexOf("npm run build")).toBeGreaterThan(install.indexOf("npm ci"));
    expect(runStep.run).toContain('node "$GITHUB_ACTION_PATH/dist/src/cli/main.js"');
    // The path the action runs is the one npm run build writes (package.json's bin).
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin["byoc-check"]).toBe("dist/src/cli/main.js");
  });

  it("uploads the SARIF even when the check failed, only when it was written and asked for, by image", () => {
    const upload = steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"))!;
    expect(upload).toBeDefined();
    expect(upload.if).toContain("always()");
    expect(upload.if).toContain("inputs.upload-sarif == 'true'");
    expect(upload.if).toContain("steps.run.outputs.sarif != ''");
    expect(upload.with).toEqual({ sarif_file: "${{ steps.run.outputs.sarif }}", category: "${{ steps.run.outputs.category }}" });
    expect(steps.indexOf(upload)).toBeLessThan(steps.indexOf(verdictStep));
  });

  it("builds the command line from the inputs and records a failing exit code without failing yet", () => {
    const r = runByocCheck({ image: "registry.example.com/team/model:v1", contracts: "training,inference", instances: "ml.g5.xlarge, ml.m5.large", "fail-on": "warning", config: "byoc.config.json", args: "--seed 7\n--only IMG-*" }, 1);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.argv).toEqual([
      "/opt/action/dist/src/cli/main.js", "--format", "text", "--annotations",
      "--contract", "training,inference", "--instance", "ml.g5.xlarge", "--instance", "ml.m5.large",
      "--config", "byoc.config.json", "--fail-on", "warning",
      "--json", "byoc-check.json", "--junit", "byoc-check.junit.xml", "--sarif", "byoc-check.sarif",
      "--seed", "7", "--only", "IMG-*", "--", "registry.example.com/team/model:v1",
    ]);
    expect(r.outputs).toEqual({
      "exit-code": "1",
      conformant: "false",
      sarif: "byoc-check.sarif",
      junit: "byoc-check.junit.xml",
      json: "byoc-check.json",
      category: "byoc-check/registry.example.com/team/model",
    });
  });

  it("propagates the exit code: the last step exits with it", () => {
    for (const code of [0, 1, 2, 3, 70]) {
      const r = runByocCheck({ image: "localhost:5000/model@sha256:abc" }, code);
      expect(r.outputs["exit-code"]).toBe(String(code));
      expect(r.outputs.conformant).toBe(code === 0 ? "true" : "false");
      expect(r.outputs.category).toBe("byoc-check/localhost_5000/model");
      expect(verdictStep.if).toContain("always()");
      const v = runScript(verdictStep, stepEnv(verdictStep, {}, r.outputs), tmp);
      expect(v.status).toBe(code);
    }
  });

  it("leaves out the flags of empty inputs and the outputs of reports not written", () => {
    const r = runByocCheck({ image: "m:1", sarif: "", junit: "", json: "" }, 0);
    expect(r.argv).toEqual(["/opt/action/dist/src/cli/main.js", "--format", "text", "--annotations", "--", "m:1"]);
    expect(r.outputs).toEqual({ "exit-code": "0", conformant: "true", category: "byoc-check/m" });
  });

  it("never runs what an input holds", () => {
    const evil = '$(touch pwned1)`touch pwned2`"; touch pwned3; echo "';
    const r = runByocCheck({ image: evil, instances: "ml.g5.xlarge,*", args: `--arg ${evil} *`, config: evil, sarif: "out.sarif\nexit-code=0" }, 1);
    expect(r.status).toBe(0);
    expect(r.files.filter((f) => f.startsWith("pwned"))).toEqual([]);
    expect(r.argv.at(-1)).toBe(evil);
    expect(r.argv).toContain("*");
    expect(r.argv).toContain("$(touch");
    expect(r.argv[r.argv.indexOf("--config") + 1]).toBe(evil);
    // A line break in a path would have written a second output; that path gets none.
    expect(r.outputs["exit-code"]).toBe("1");
    expect(r.outputs.sarif).toBeUndefined();
    expect(r.outputs.category).toMatch(/^byoc-check\/[A-Za-z0-9._/-]+$/);
  });
});

describe("docs/github-workflow.example.yml", () => {
  const job = Object.values(example.jobs)[0]!;
  const use = job.steps.find((s) => /\/byoc-check@[\w.-]+$/.test(s.uses ?? ""))!;

  it("runs the action with inputs it has, the required ones given", () => {
    expect(use).toBeDefined();
    const given = Object.keys(use.with ?? {});
    for (const k of given) expect(Object.keys(action.inputs), k).toContain(k);
    for (const [k, o] of Object.entries(action.inputs)) if (o.required) expect(given).toContain(k);
    expect(String(use.with!["upload-sarif"] ?? action.inputs["upload-sarif"]!.default)).toBe("true");
  });

  it("grants the permissions the SARIF upload needs", () => {
    expect(example.permissions["security-events"]).toBe("write");
    expect(example.permissions.contents).toBe("read");
  });

  it("builds the image before checking it, and keeps the reports even when the check fails", () => {
    const build = job.steps.findIndex((s) => /docker (buildx )?build/.test(s.run ?? ""));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(build).toBeLessThan(job.steps.indexOf(use));
    const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.if).toBe("always()");
    for (const f of [action.inputs.sarif!.default, action.inputs.junit!.default, action.inputs.json!.default]) expect(String(upload.with!.path)).toContain(f);
    for (const s of job.steps) expect(s.run ?? "", s.name).not.toMatch(/\$\{\{\s*(github\.event|inputs)\./);
  });
});
