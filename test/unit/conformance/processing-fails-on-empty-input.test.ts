import { readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/processing/fails-on-empty-input.js";
import type { RunRequest } from "../../../src/engine/jobs/runner.js";
import { removeTempDirs, runJobCheck, sampleDir, sandbox, unstarted, NOT_KEPT } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

/** A job that refuses to process nothing. */
const needsInput = (req: RunRequest) =>
  req.spec.mounts.filter((m) => m.target.startsWith("/opt/ml/processing/input/")).every((m) => readdirSync(m.source).length > 0) ? {} : { exitCode: 1 };

describe("PRC-EMPTY-INPUT", () => {
  it("does not fire when the job fails on empty inputs", async () => {
    const { jobs, runner } = sandbox({ inputs: [{ name: "raw", dir: sampleDir() }] }, { "*": needsInput });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("exited 1 after 1.5 s with every input empty");
    expect(runner.scenarios).toEqual(["processing/empty-inputs"]);
  });

  it("fires when the job exits 0 with every input empty, also without sample input", async () => {
    const { jobs } = sandbox();
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the job exited 0 with every input empty: SageMaker would mark it Completed");
    expect(f.evidence).toMatchObject({
      location: { kind: "file", path: "/opt/ml/processing/input" },
      actual: 0,
      expected: "a non-zero exit code",
      notes: ["run: processing job with every input present but empty", NOT_KEPT],
    });
  });

  it("skips when the container did not start", async () => {
    const { jobs } = sandbox({}, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the container did not start (boom); see PRC-SUCCESS-EXIT");
  });
});
