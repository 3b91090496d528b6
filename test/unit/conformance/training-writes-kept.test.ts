import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/writes-kept.js";
import { channels, removeTempDirs, runJobCheck, sandbox, unstarted } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

const withChanges = (changes: string[], exitCode = 0) => sandbox({ channels: channels("train") }, { "training/success": () => ({ changes, exitCode }) });

describe("TRN-WRITES-KEPT", () => {
  it("does not fire when everything under /opt/ml is in a directory SageMaker keeps", async () => {
    const { jobs } = withChanges([
      "/opt/ml",
      "/opt/ml/model/model.pkl",
      "/opt/ml/output/data/report.html",
      "/opt/ml/checkpoints/ckpt-1",
      "/opt/ml/input/data/train/.lock",
      "/opt/ml/code/__pycache__",
      "/tmp/scratch",
      "/root/.cache/pip",
    ]);
    expect(passDetail(await runJobCheck(check, jobs))).toBe("everything the job wrote under /opt/ml is in a directory SageMaker keeps");
  });

  it("fires on writes elsewhere under /opt/ml, naming the top-most paths", async () => {
    const { jobs } = withChanges(["/opt/ml/artifacts", "/opt/ml/artifacts/model.pkl", "/opt/ml/artifacts/sub/x", "/opt/ml/reports/r.html", "/opt/ml/modelx", "/tmp/x"]);
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the job wrote /opt/ml/artifacts, /opt/ml/reports/r.html, /opt/ml/modelx, which SageMaker does not upload");
    expect(f.fix).toBe("Write it under /opt/ml/output/data (uploaded as output.tar.gz) or /opt/ml/model instead of /opt/ml/artifacts.");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/artifacts" });
    expect(f.evidence.actual).toEqual(["/opt/ml/artifacts", "/opt/ml/artifacts/model.pkl", "/opt/ml/artifacts/sub/x", "/opt/ml/reports/r.html", "/opt/ml/modelx"]);
  });

  it("names five paths and counts the rest", async () => {
    const { jobs } = withChanges(Array.from({ length: 8 }, (_, i) => `/opt/ml/out${i}`));
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toBe(
      "the job wrote /opt/ml/out0, /opt/ml/out1, /opt/ml/out2, /opt/ml/out3, /opt/ml/out4 and 3 more, which SageMaker does not upload",
    );
  });

  it("judges the run whether or not it succeeded", async () => {
    const { jobs } = withChanges(["/opt/ml/artifacts/x"], 1);
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain("/opt/ml/artifacts/x");
  });

  it("skips without sample data, or when the container did not start", async () => {
    expect(skipReason(await runJobCheck(check, sandbox().jobs))).toContain("no sample data");
    const { jobs } = sandbox({ channels: channels("train") }, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the container did not start (boom); see TRN-SUCCESS-EXIT");
  });
});
