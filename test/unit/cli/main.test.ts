import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CHECKS } from "../../../conformance/index.js";
import { main } from "../../../src/cli/program.js";
import { PACKAGE_ROOT } from "../../../src/paths.js";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  stderrLines: string[];
}

async function run(...argv: string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), stdoutIsTty: false });
  const stderr = err.join("");
  return { code, stdout: out.join(""), stderr, stderrLines: stderr.split("\n").filter((l) => l !== "") };
}

const STACK_FRAME = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

/** A user's mistake: exit 2, one line on stderr in the house format (with a hint unless told otherwise), no stack. */
function expectUsageLine(r: Captured, pattern?: RegExp, { hint = true } = {}): string {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderrLines).toHaveLength(1);
  const line = r.stderrLines[0]!;
  expect(line).toMatch(/^byoc-check: error: /);
  if (hint) expect(line).toMatch(/\(hint: .+\)$/);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  if (pattern) expect(line).toMatch(pattern);
  return line;
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of the bundled specs/ to break. */
function copySpecs(): string {
  const dir = mkdtempSync(join(tmpdir(), "unit-main-"));
  tempDirs.push(dir);
  cpSync(join(PACKAGE_ROOT, "specs"), dir, { recursive: true });
  return dir;
}

describe("--version and --help", () => {
  it("--version prints package.json's version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string };
    const r = await run("--version");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
    expect(r.stderr).toBe("");
  });

  it("-V is --version", async () => {
    expect((await run("-V")).stdout).toBe((await run("--version")).stdout);
  });

  it("--help mentions every flag and exits 0", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const flag of ["-c, --contract", "-i, --instance", "--spec <", "--spec-dir", "-f, --format", "-o, --output", "--fail-on", "--seed", "--timeout", "--no-color"]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it("--help lists every exit code", async () => {
    const { stdout } = await run("--help");
    for (const code of ["0", "1", "2", "3", "70", "130"]) expect(stdout).toMatch(new RegExp(`^\\s+${code}\\s+\\S`, "m"));
  });

  it("--help lists the checks, specs and cleanup commands", async () => {
    const { stdout } = await run("--help");
    for (const command of ["checks", "specs", "cleanup"]) expect(stdout).toMatch(new RegExp(`^\\s+${command} `, "m"));
  });

  it("--help states each option's default once", async () => {
    // -c and -i declare `.default([], "")`: commander prints an empty default description as the value, so
    // the help reads "(default: every contract) (default: [])".
    const { stdout } = await run("--help");
    expect(stdout).not.toContain("(default: [])");
  });
});

describe("checks", () => {
  const live = CHECKS.filter((c) => !c.deprecated);

  it("lists every check id with its severity and title", async () => {
    const r = await run("checks");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n")[0]).toMatch(/^ID\s+CONTRACTS\s+SEVERITY\s+TITLE$/);
    for (const c of live) expect(r.stdout).toMatch(new RegExp(`^${c.id}\\s+\\S+\\s+${c.severity}\\s+${c.title.replace(/[.*+?^${}()|[\]\\`]/g, "\\$&")}$`, "m"));
  });

  it("--json gives id, contract, clauses, severity and title for every check", async () => {
    const r = await run("checks", "--json");
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(entries.map((e) => e.id)).toEqual(live.map((c) => c.id));
    for (const [i, e] of entries.entries()) {
      const c = live[i]!;
      expect(e).toMatchObject({ id: c.id, contract: c.clauses[0].split("#")[0], clauses: [...c.clauses], severity: c.severity, title: c.title });
      expect(e.inSpec).toBe(true);
    }
  });
});

describe("specs", () => {
  it("lists spec 1.0 with its three contracts and their clauses", async () => {
    const r = await run("specs");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sagemaker 1\.0$/m);
    for (const contract of ["training", "inference", "processing"]) expect(r.stdout).toMatch(new RegExp(`^  ${contract}: .+ \\(\\d+ clauses\\)$`, "m"));
    expect(r.stdout).toMatch(/^\s+inference#ping\.timeout\s+must\s+.+\[timeout 2 s\]$/m);
  });

  it("--json gives version 1.0 with all three contracts", async () => {
    const r = await run("specs", "--json");
    expect(r.code).toBe(0);
    const specs = JSON.parse(r.stdout) as Array<{ version: string; contracts: Record<string, { contract: string; specVersion: string; clauses: unknown[] }> }>;
    const v1 = specs.find((s) => s.version === "1.0");
    expect(v1).toBeDefined();
    expect(Object.keys(v1!.contracts).sort()).toEqual(["inference", "processing", "training"]);
    for (const [name, c] of Object.entries(v1!.contracts)) {
      expect(c.contract).toBe(name);
      expect(c.specVersion).toBe("1.0");
      expect(c.clauses.length).toBeGreaterThan(0);
    }
  });
});

describe("usage errors: exit 2, one line, no stack", () => {
  it("unknown option", async () => {
    expectUsageLine(await run("--bogus", "busybox"), /unknown option '--bogus'.*see byoc-check --help/);
  });

  it("a near-miss option suggests the right one in the hint", async () => {
    expectUsageLine(await run("--contrct", "training", "busybox"), /\(hint: did you mean --contract\?/);
  });

  it("an option without its value", async () => {
    expectUsageLine(await run("busybox", "--fail-on"), /--fail-on/);
  });

  it("two images", async () => {
    expectUsageLine(await run("busybox", "alpine"), /too many arguments/);
  });

  it("no image", async () => {
    expectUsageLine(await run(), /no image given/);
  });

  it("a bad image reference", async () => {
    expectUsageLine(await run("Bad Ref"), /"Bad Ref" is not a valid image reference/);
  });

  it("an uppercase repository name hints at lowercase", async () => {
    expectUsageLine(await run("UPPER:tag"), /hint: repository names are lowercase/);
  });

  it("a bad --contract", async () => {
    expectUsageLine(await run("-c", "trainin", "busybox"), /--contract "trainin".*did you mean "training"/);
  });

  it("a bad --timeout", async () => {
    expectUsageLine(await run("--timeout", "10", "busybox"), /--timeout "10" is not a duration/);
  });

  it("a bad --format", async () => {
    expectUsageLine(await run("-f", "yaml", "busybox"), /--format "yaml"/);
  });

  it("a bad --seed", async () => {
    expectUsageLine(await run("--seed", "-1", "busybox"), /--seed "-1" is not a whole number/, { hint: false });
  });

  it("an unknown --instance", async () => {
    expectUsageLine(await run("-i", "g5.xlarge", "busybox"), /"g5\.xlarge" is not a SageMaker instance type/);
  });

  it("an unknown --spec version lists the available ones", async () => {
    expectUsageLine(await run("--spec", "9.9", "busybox"), /unknown spec version "9\.9".*available: 1\.0/);
  });
});

describe("a malformed spec under --spec-dir", () => {
  function breakUnit(): { dir: string; file: string; index: number } {
    const dir = copySpecs();
    const file = join(dir, "sagemaker", "inference", "1.0.json");
    const data = JSON.parse(readFileSync(file, "utf8")) as { clauses: Array<{ id: string; limits?: Record<string, { unit: string }> }> };
    const index = data.clauses.findIndex((c) => c.id === "ping.timeout");
    data.clauses[index]!.limits!.timeout!.unit = "seconds";
    writeFileSync(file, JSON.stringify(data, null, 2));
    return { dir, file, index };
  }

  it.each([
    ["a run", (dir: string) => ["--spec-dir", dir, "busybox"]],
    ["checks", (dir: string) => ["checks", "--spec-dir", dir]],
    ["specs", (dir: string) => ["specs", "--spec-dir", dir]],
  ])("stops %s with exit 2 and one line naming the file and the ajv path", async (_what, argv) => {
    const { dir, file, index } = breakUnit();
    const r = await run(...argv(dir));
    const line = expectUsageLine(r);
    expect(line).toContain(file);
    expect(line).toContain(`/clauses/${index}/limits/timeout/unit`);
    expect(line).toContain('clause "ping.timeout"');
    expect(r.stdout).not.toMatch(STACK_FRAME);
  });

  // `checks` and `specs` declare their own --spec-dir, but the root command declares one too and commander
  // recognises program options after a subcommand as well: the root takes the value and the listing reads the
  // bundled specs, silently.
  it.each(["checks", "specs"])("%s --spec-dir reads the specs from that directory", async (command) => {
    const missing = join(copySpecs(), "no-such-dir");
    const r = await run(command, "--spec-dir", missing);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });
});
