import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/processing/success-exits-zero.js";
import { logOf, removeTempDirs, runJobCheck, sampleDir, sandbox, unstarted, write, NOT_KEPT } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

const inputs = () => [{ name: "raw", dir: sampleDir() }, { name: "ref", dir: sampleDir() }];

describe("PRC-SUCCESS-EXIT", () => {
  it("does not fire when the job exits 0 on the sample input", async () => {
    const { jobs, runner } = sandbox({ inputs: inputs() });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("exit 0 after 1.5 s");
    expect(runner.scenarios).toEqual(["processing/success"]);
  });

  it("fires on a non-zero exit, quoting the message file's first line", async () => {
    const ins = inputs();
    const { jobs } = sandbox(
      { inputs: ins },
      { "processing/success": (req) => (write(req, "/opt/ml/output", "message", "\nschema mismatch in raw/part-0.csv\ndetails follow\n"), { exitCode: 1, log: logOf("error\n") }) },
    );
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the processing job exited 1 after 1.5 s; its message says: schema mismatch in raw/part-0.csv");
    expect(f.fix).toBe("Run the reproducing line, read the log and fix the job.");
    expect(f.evidence).toMatchObject({
      location: { kind: "option", option: "--input", value: `raw=${ins[0]!.dir} ref=${ins[1]!.dir}` },
      actual: 1,
      expected: 0,
      log: "error",
      notes: ["run: processing job with your sample inputs", NOT_KEPT],
    });
  });

  it("fires on a non-zero exit without a message", async () => {
    const { jobs } = sandbox({ inputs: inputs() }, { "*": () => ({ exitCode: 2 }) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toBe("the processing job exited 2 after 1.5 s");
  });

  it("fires when the container cannot start, or the job times out", async () => {
    const notStarted = sandbox({ inputs: inputs() }, { "*": () => unstarted("exec format error") });
    const f = onlyFinding(await runJobCheck(check, notStarted.jobs));
    expect(f.message).toBe("the processing job could not start: exec format error");
    expect(f.fix).toBe("Make the image's ENTRYPOINT (or --entrypoint) start.");
    const slow = sandbox({ inputs: inputs() }, { "*": () => ({ timedOut: true, exitCode: 137, durationMs: 600_000 }) });
    expect(onlyFinding(await runJobCheck(check, slow.jobs)).message).toBe("the processing job was still running after 600 s and was killed (the job timeout)");
  });

  it("skips without a sample input", async () => {
    const { jobs, runner } = sandbox({ outputs: ["out"] });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("no sample input: give --input NAME=DIR (repeatable) to run the processing job's success path");
    expect(runner.requests).toEqual([]);
  });
});
