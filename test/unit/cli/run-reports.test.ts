import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/program.js";
import { layerTar } from "../helpers/layer-image.js";

// The CLI end to end on an image read from a docker-archive file: no Docker engine, the real report pipeline.

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

function tarOf(files: Record<string, Buffer | string>): Buffer {
  return layerTar(Object.fromEntries(Object.entries(files).map(([name, body]) => [`/${name}`, Buffer.isBuffer(body) ? body : Buffer.from(body)])));
}

/** `docker save` of one image whose shell-form ENTRYPOINT drops the train argument. */
function archive(): Buffer {
  const layer = layerTar({ "/opt/program/entry.sh": { file: "#!/bin/sh\nexec /opt/program/serve\n", mode: 0o755 } });
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Entrypoint: ["/bin/sh", "-c", "/opt/program/entry.sh"], Env: ["PATH=/usr/bin:/bin"] },
      rootfs: { type: "layers", diff_ids: [`sha256:${sha(layer)}`] },
    }),
  );
  const id = sha("layer");
  return tarOf({
    [`${id}/layer.tar`]: layer,
    [`${sha(config)}.json`]: config,
    "manifest.json": JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: ["app:1"], Layers: [`${id}/layer.tar`] }]),
  });
}

let dir: string;
let image: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "unit-run-reports-"));
  writeFileSync(join(dir, "img.tar"), archive());
  image = `docker-archive:${join(dir, "img.tar")}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), stdoutIsTty: false, env });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const ONLY = ["-c", "training", "--only", "IMG-ENTRYPOINT-EXEC,IMG-TRAIN-REACHABLE", "--no-config"];

describe("the report on GitHub Actions", () => {
  it("fences the text report with stop-commands, so that a line it quotes from the image cannot become a workflow command", async () => {
    const r = await run([...ONLY, "--annotations", image], { GITHUB_ACTIONS: "true" });
    expect(r.code).toBe(1);
    const [first, ...rest] = r.stdout.split("\n");
    const token = /^::stop-commands::([0-9a-f-]{36})$/.exec(first!)?.[1];
    expect(token).toBeDefined();
    const resume = rest.indexOf(`::${token}::`);
    expect(resume).toBeGreaterThan(0);
    // Inside the fence, the report; after it, byoc-check's own annotations, which the runner reads again.
    expect(rest.slice(0, resume).join("\n")).toMatch(/^FAIL {2}IMG-ENTRYPOINT-EXEC/m);
    expect(rest.slice(resume + 1).filter((l) => l.startsWith("::error title=IMG-ENTRYPOINT-EXEC"))).not.toHaveLength(0);
  });

  it("prints the report as it is elsewhere", async () => {
    const r = await run([...ONLY, image]);
    expect(r.stdout).toMatch(/^byoc-check /);
    expect(r.stdout).not.toContain("::");
  });

  it("appends the job summary to GITHUB_STEP_SUMMARY", async () => {
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "before\n");
    await run([...ONLY, image], { GITHUB_STEP_SUMMARY: summary });
    const md = readFileSync(summary, "utf8");
    expect(md.startsWith("before\n")).toBe(true);
    expect(md).toContain("IMG-ENTRYPOINT-EXEC");
  });
});

describe("a report file that cannot be written", () => {
  it("still prints the report and its verdict, then says which file failed", async () => {
    const r = await run([...ONLY, "--json", "/proc/byoc-check-report.json", image]);
    expect(r.stdout).toMatch(/NOT conformant: IMG-ENTRYPOINT-EXEC/);
    expect(r.stderr).toMatch(/^byoc-check: error: cannot write --json \/proc\/byoc-check-report\.json \(\w+\) \(hint: /);
    expect(r.code).toBe(1);
  });

  it("turns a conformant run into exit 3: the run did not do all it was asked", async () => {
    const r = await run(["-c", "training", "--only", "IMG-NO-TINI", "--no-config", "--junit", "/proc/byoc-check.xml", image]);
    expect(r.stdout).toMatch(/conformant at --fail-on error/);
    expect(r.code).toBe(3);
  });
});

describe("waivers from a config file", () => {
  it("excuse a failure, and an expired one for a check this run did not select is not judged", async () => {
    const cfg = join(dir, "byoc.config.json");
    writeFileSync(
      cfg,
      JSON.stringify({
        version: 1,
        waivers: [
          { check: "IMG-ENTRYPOINT-EXEC", reason: "legacy image, TICKET-1" },
          { check: "IMG-TRAIN-REACHABLE", reason: "legacy image, TICKET-1", expires: "2999-01-01" },
          { check: "INF-READY", reason: "old", expires: "2000-01-01" },
        ],
      }),
    );
    const r = await run(["-c", "training", "--only", "IMG-ENTRYPOINT-EXEC,IMG-TRAIN-REACHABLE", "--config", cfg, "-f", "json", image]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.waivers.map((w: { state: string }) => w.state)).toEqual(["applied", "applied", "not-run"]);
    expect(report.summary).toMatchObject({ waived: 2, blocking: 0, expiredWaivers: 0 });
  });
});
