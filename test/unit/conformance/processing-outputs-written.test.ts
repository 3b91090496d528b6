import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/processing/outputs-written.js";
import { hostPath, removeTempDirs, runJobCheck, sampleDir, sandbox, unstarted, write, NOT_KEPT } from "../helpers/fake-jobs.js";
import { findingsOf, onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

const io = () => ({ inputs: [{ name: "raw", dir: sampleDir() }], outputs: ["train", "report"] });

describe("PRC-OUTPUTS-WRITTEN", () => {
  it("does not fire when every declared output holds a file", async () => {
    const { jobs } = sandbox(io(), {
      "processing/success": (req) => {
        write(req, "/opt/ml/processing/output/train", "part-0.csv", "1\n");
        write(req, "/opt/ml/processing/output/train", "nested/part-1.csv", "2\n");
        write(req, "/opt/ml/processing/output/report", "report.html", "<p>");
      },
    });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("written: train (2 files), report (1 file)");
  });

  it("fires on an empty output, naming what the job wrote under /opt/ml instead", async () => {
    const { jobs } = sandbox(io(), {
      "processing/success": (req) => {
        write(req, "/opt/ml/processing/output/train", "part-0.csv", "1\n");
        return { changes: ["/tmp/x", "/opt/ml/processing/reports/report.html"] };
      },
    });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("output report (/opt/ml/processing/output/report) is empty; the job wrote /opt/ml/processing/reports/report.html");
    expect(f.fix).toBe("Write the results into /opt/ml/processing/output/report, as ProcessingOutputConfig.Outputs[].S3Output.LocalPath says.");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/processing/output/report" });
    expect(f.evidence.notes).toEqual(["run: processing job with your sample inputs", NOT_KEPT]);
  });

  it("fires on an output holding only links, which the upload does not follow", async () => {
    const { jobs } = sandbox(io(), {
      "processing/success": (req) => {
        write(req, "/opt/ml/processing/output/train", "part-0.csv", "1\n");
        symlinkSync("/opt/ml/processing/input/raw/data.csv", join(hostPath(req, "/opt/ml/processing/output/report"), "data.csv"));
      },
    });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toBe("output report (/opt/ml/processing/output/report) is empty but for 1 symbolic link, which the upload does not follow");
  });

  it("fires once per empty output", async () => {
    const { jobs } = sandbox(io());
    expect(findingsOf(await runJobCheck(check, jobs)).map((f) => f.message)).toEqual([
      "output train (/opt/ml/processing/output/train) is empty",
      "output report (/opt/ml/processing/output/report) is empty",
    ]);
  });

  it("skips without declared outputs, naming the flag that declares one", async () => {
    const { jobs } = sandbox({ inputs: io().inputs });
    expect(skipReason(await runJobCheck(check, jobs))).toContain("--processing-output NAME");
  });

  it("skips without declared outputs, running nothing", async () => {
    const { jobs, runner } = sandbox({ inputs: io().inputs });
    expect(skipReason(await runJobCheck(check, jobs))).toMatch(/^no outputs declared/);
    expect(runner.requests).toEqual([]);
  });

  it("skips without a sample input, when the container did not start, or when the job failed", async () => {
    expect(skipReason(await runJobCheck(check, sandbox({ outputs: ["out"] }).jobs))).toContain("no sample input");
    const notStarted = sandbox(io(), { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, notStarted.jobs))).toBe("the container did not start (boom); see PRC-SUCCESS-EXIT");
    const failed = sandbox(io(), { "*": () => ({ exitCode: 1 }) });
    expect(skipReason(await runJobCheck(check, failed.jobs))).toBe("the processing job did not complete (see PRC-SUCCESS-EXIT)");
  });
});
