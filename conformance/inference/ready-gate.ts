import { defineServeCheck, fail, pass, skip } from "../../src/engine/check.js";
import { formatDuration } from "../../src/cli/duration.js";
import { seconds } from "../job-run.js";
import { READY_OWNER, serveEvidence, startedEndpoint } from "../serve-run.js";

export default defineServeCheck({
  id: "INF-READY-GATE",
  clauses: ["inference#ping.startup-window"],
  severity: "warning",
  title: "The server is ready within the readiness gate (--ready-gate, 60 s)",
  rationale:
    "Every new instance of the endpoint (creation, an update, auto scaling) waits this long before it takes traffic. A server that needs minutes passes only because the window allows it; on a slower instance, or with the 4 min window older endpoints had, it fails, and scaling out under load is slow.",
  fix: "Load the model faster (or lazily, after /ping first answers), or set ContainerStartupHealthCheckTimeoutInSeconds with room to spare.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const started = await startedEndpoint(endpoints);
    if ("outcome" in started) return started.outcome;
    const endpoint = started.endpoint;
    const r = endpoint.readiness;
    if (r.kind !== "ready") return skip(`the server never answered /ping with 200; see ${READY_OWNER}`);
    const gate = endpoints.options.readyGateMs;
    if (r.afterMs <= gate) return pass(`ready after ${seconds(r.afterMs)}, within the ${seconds(gate)} gate`);
    // Twice the measured time, in whole minutes: an instance under load or pulling a cold image takes longer.
    const needS = Math.min(3600, Math.max(60, Math.ceil((2 * r.afterMs) / 60_000) * 60));
    const fix = endpoints.options.startupWindowSet
      ? `Set ContainerStartupHealthCheckTimeoutInSeconds to at least ${needS} on the endpoint's production variant (your --startup-timeout window leaves little room), or start faster.`
      : `The platform's default window allows it, but set ContainerStartupHealthCheckTimeoutInSeconds to at least ${needS} on the production variant so slower instances pass too, or start faster.`;
    return fail({
      message: `ready after ${seconds(r.afterMs)}, past the ${seconds(gate)} gate (within the ${formatDuration(endpoints.options.startupWindowMs)} window)`,
      fix,
      where: { kind: "option", option: "--ready-gate", value: formatDuration(gate) },
      evidence: serveEvidence(endpoint, { actual: seconds(r.afterMs), expected: `at most ${formatDuration(gate)}` }),
    });
  },
});
