import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTHING_LEFT, ROOT, expectOneLineError, leftovers, runCli } from "./helpers.js";

describe("bad input: one line with a hint, a distinct exit code, nothing left behind", () => {
  it("an image the engine does not have: exit 3", async () => {
    const r = await runCli(["byoc-check-fixture/no-such-image:1"]);
    expect(r.code).toBe(3);
    expect(expectOneLineError(r.stderr)).toContain('image "byoc-check-fixture/no-such-image:1" is not in the Docker engine');
    expect(r.stderr).toContain("docker images");
    expect(r.stdout).toBe("");
    expect(leftovers()).toEqual(NOTHING_LEFT);
  });

  it("a stopped engine (nothing listens on DOCKER_HOST): exit 3", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    for (const host of [`tcp://127.0.0.1:${port}`, `unix://${join(tmpdir(), "byoc-no-engine.sock")}`]) {
      const r = await runCli(["byoc-check-fixture/reference:latest"], { DOCKER_HOST: host });
      expect(r.code, r.stderr).toBe(3);
      expect(expectOneLineError(r.stderr)).toContain(`the Docker engine at ${host} is not reachable`);
    }
  });

  describe("an engine whose API is older than 1.41", () => {
    let server: Server;
    let host: string;
    beforeAll(async () => {
      // Docker 19.03 answers /version with API 1.40: only the version call matters before byoc-check refuses.
      server = createServer((req, res) => {
        res.setHeader("Content-Type", "application/json");
        res.end(req.url?.endsWith("/version") ? JSON.stringify({ Version: "19.03.15", ApiVersion: "1.40", MinAPIVersion: "1.12" }) : "{}");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      host = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("exit 3 with the versions named", async () => {
      const r = await runCli(["byoc-check-fixture/reference:latest"], { DOCKER_HOST: host });
      expect(r.code).toBe(3);
      expect(expectOneLineError(r.stderr)).toContain("speaks API 1.40, older than the 1.41 byoc-check needs");
    });
  });

  describe("a malformed spec", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "spec-under-test-"));
      cpSync(join(ROOT, "specs"), dir, { recursive: true });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("a schema fault: exit 2 with the file and the ajv path", async () => {
      const file = join(dir, "sagemaker", "inference", "1.0.json");
      const spec = JSON.parse(readFileSync(file, "utf8"));
      const i = spec.clauses.findIndex((c: { id: string }) => c.id === "ping.timeout");
      spec.clauses[i].limits.timeout.unit = "seconds";
      writeFileSync(file, JSON.stringify(spec));
      const r = await runCli(["--spec-dir", dir, "byoc-check-fixture/reference:latest"]);
      expect(r.code).toBe(2);
      const line = expectOneLineError(r.stderr);
      expect(line).toContain(`inference/1.0.json: /clauses/${i}/limits/timeout/unit must be equal to one of the allowed values`);
      expect(line).toContain('(clause "ping.timeout")');
      expect(r.stdout).toBe("");
      expect(leftovers()).toEqual(NOTHING_LEFT);
    });

    it("broken JSON: exit 2", async () => {
      writeFileSync(join(dir, "sagemaker", "training", "1.0.json"), '{"specVersion": "1.0",');
      const r = await runCli(["--spec-dir", dir, "byoc-check-fixture/reference:latest"]);
      expect(r.code).toBe(2);
      expect(expectOneLineError(r.stderr)).toMatch(/training\/1\.0\.json is not valid JSON/);
    });
  });

  it.each([
    [["--formt", "json", "x"], "unknown option '--formt'"],
    [["-c", "trainning", "x"], '--contract "trainning" is not a SageMaker contract'],
    [["-i", "g5.xlarge", "x"], '"g5.xlarge" is not a SageMaker instance type'],
    [["--timeout", "10", "x"], '--timeout "10" is not a duration'],
    [["--fail-on", "info", "x"], '--fail-on "info" is not one of error, warning'],
    [["--spec", "0.1", "x"], 'unknown spec version "0.1"'],
    [["Not/A Valid:Ref"], "is not a valid image reference"],
    [[], "no image given"],
  ])("usage error %j: exit 2", async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr)).toContain(message);
  });
});
