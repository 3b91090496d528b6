import { defineImageCheck, fail, pass } from "../../src/engine/check.js";
import { isAtOrUnder } from "../../src/image/mounts.js";

export default defineImageCheck({
  id: "IMG-OPTML-VOLUME",
  clauses: ["training#layout.reserved", "processing#layout.reserved", "inference#model.read-only"],
  severity: "error",
  title: "No VOLUME at or under /opt/ml",
  rationale:
    "/opt/ml belongs to SageMaker, which mounts its own directories there. A VOLUME instruction makes Docker discard whatever later build steps write below it and gives every container an anonymous volume, so files the image seems to ship there are not what the job sees.",
  fix: "Remove the VOLUME instruction; SageMaker provides /opt/ml itself.",
  needs: { config: true },
  run({ config }) {
    const volumes = config.volumes.filter((v) => isAtOrUnder(v, "/opt/ml"));
    if (volumes.length === 0) return pass(config.volumes.length > 0 ? `volumes elsewhere: ${config.volumes.join(", ")}` : undefined);
    return fail({
      message: `the image declares VOLUME ${volumes.join(", ")} inside SageMaker's /opt/ml`,
      fix: `Remove VOLUME ${volumes.join(" ")} from the Dockerfile (and from any base image you control).`,
      where: { kind: "config", field: "Config.Volumes" },
      evidence: { actual: volumes },
    });
  },
});
