import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/no-volume-under-opt-ml.js";
import { config } from "../helpers/memory-image.js";
import { onlyFinding, passDetail, runCheck } from "./outcomes.js";

const volumes = (paths: string[]) => runCheck(check, { config: config({ Volumes: Object.fromEntries(paths.map((p) => [p, {}])) }) });

describe("IMG-OPTML-VOLUME", () => {
  it("fires on VOLUME /opt/ml/model", async () => {
    const f = onlyFinding(await volumes(["/opt/ml/model"]));
    expect(f.message).toBe("the image declares VOLUME /opt/ml/model inside SageMaker's /opt/ml");
    expect(f.fix).toBe("Remove VOLUME /opt/ml/model from the Dockerfile (and from any base image you control).");
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Volumes" });
    expect(f.evidence.actual).toEqual(["/opt/ml/model"]);
  });

  it("does not fire on an image without volumes", async () => {
    expect(passDetail(await volumes([]))).toBeUndefined();
  });

  it.each([["/opt/ml"], ["/opt/ml/"], ["/opt/ml/model/"], ["/opt/ml/output/data"], ["/opt/ml/checkpoints"]])("fires on VOLUME %s", async (path) => {
    expect(onlyFinding(await volumes([path])).evidence.actual).toEqual([path]);
  });

  it("does not fire on volumes elsewhere, including names that merely start with /opt/ml", async () => {
    expect(passDetail(await volumes(["/opt/mlflow", "/data", "/opt/ml-cache"]))).toBe("volumes elsewhere: /opt/mlflow, /data, /opt/ml-cache");
  });

  it("lists every offending volume in one finding and leaves the others out", async () => {
    const f = onlyFinding(await volumes(["/data", "/opt/ml/model", "/opt/ml/input"]));
    expect(f.message).toBe("the image declares VOLUME /opt/ml/model, /opt/ml/input inside SageMaker's /opt/ml");
    expect(f.fix).toBe("Remove VOLUME /opt/ml/model /opt/ml/input from the Dockerfile (and from any base image you control).");
    expect(f.evidence.actual).toEqual(["/opt/ml/model", "/opt/ml/input"]);
  });
});
