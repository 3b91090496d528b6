import { defineServeCheck, fail, pass, skip } from "../../src/engine/check.js";
import { BIND_PORT, SAFE_PORT_RANGE, SERVE_PORT } from "../../src/engine/serve/endpoints.js";
import { seconds } from "../job-run.js";
import { answered, serveEvidence, startedEndpoint } from "../serve-run.js";

export const BIND_LABEL = "com.amazonaws.sagemaker.capabilities.accept-bind-to-port";

export default defineServeCheck({
  id: "INF-BIND-TO-PORT",
  clauses: ["inference#bind.port", "inference#bind.safe-port-range", "inference#capabilities.labels"],
  severity: "error",
  title: "With accept-bind-to-port, the server listens on SAGEMAKER_BIND_TO_PORT, not 8080",
  rationale:
    "In a serial inference pipeline or a multi-container endpoint, the containers share the instance's ports: SageMaker gives each one its port in SAGEMAKER_BIND_TO_PORT, and any other port it opens must lie in SAGEMAKER_SAFE_PORT_RANGE. The label promises that; a server that still takes 8080 clashes with its neighbours and fails its health check.",
  fix: "Read SAGEMAKER_BIND_TO_PORT (default 8080) and bind the server there; open other ports only inside SAGEMAKER_SAFE_PORT_RANGE.",
  needs: { endpoints: true, config: true },
  async run({ endpoints, config }) {
    if (config.labels[BIND_LABEL] !== "true") {
      return skip(`the image does not carry ${BIND_LABEL}=true, so SageMaker never sets SAGEMAKER_BIND_TO_PORT for it (and refuses it in pipelines and multi-container endpoints)`);
    }
    const started = await startedEndpoint(endpoints, "bind-to-port");
    if ("outcome" in started) return started.outcome;
    const e = started.endpoint;
    try {
      const r = e.readiness;
      const asked = `SAGEMAKER_BIND_TO_PORT=${BIND_PORT}`;
      if (r.kind === "start-error") return skip("the container did not start; see INF-READY");
      if (r.kind === "exited") {
        return fail({
          message: `with ${asked} the server exited with code ${r.exit.exitCode} ${seconds(r.exit.afterMs)} after it started`,
          fix: "Read SAGEMAKER_BIND_TO_PORT as a port number and bind the server there.",
          evidence: serveEvidence(e),
        });
      }
      if (r.kind === "not-ready") {
        const on8080 = r.answeredOn === SERVE_PORT || (r.listeners ?? []).some((l) => l.port === SERVE_PORT && !l.loopback);
        return fail({
          message: on8080
            ? `the image carries ${BIND_LABEL}=true, but with ${asked} the server still serves on ${SERVE_PORT} and never answered on ${BIND_PORT}`
            : `with ${asked} /ping on port ${BIND_PORT} did not answer 200 (the last: ${r.last})`,
          fix: "Read SAGEMAKER_BIND_TO_PORT (default 8080) and bind the server there.",
          where: { kind: "config", field: `Config.Labels.${BIND_LABEL}` },
          evidence: serveEvidence(e, { actual: on8080 ? `port ${SERVE_PORT}` : r.last, expected: `port ${BIND_PORT}` }),
        });
      }
      const findings = [];
      const still = await e.pingDefaultPort();
      if (still && still.ok && still.status === 200) {
        findings.push({
          message: `with ${asked} the server answers on ${BIND_PORT} and still on ${SERVE_PORT}, outside SAGEMAKER_SAFE_PORT_RANGE=${SAFE_PORT_RANGE}`,
          fix: `Serve on SAGEMAKER_BIND_TO_PORT only; ${SERVE_PORT} may belong to another container on the instance.`,
          evidence: serveEvidence(e, { actual: `GET /ping on ${SERVE_PORT}: ${answered(still)}`, expected: `nothing on ${SERVE_PORT}` }),
        });
      }
      const [lo, hi] = SAFE_PORT_RANGE.split("-").map(Number) as [number, number];
      const listening = (await e.listeners()) ?? [];
      // Anything on 8080, HTTP or not, loopback or not: the containers of a pipeline share the port space.
      const on8080 = listening.filter((l) => l.port === SERVE_PORT);
      if (on8080.length > 0 && !(still && still.ok && still.status === 200)) {
        findings.push({
          message: `with ${asked} the server still listens on ${[...new Set(on8080.map((l) => `${l.address}:${l.port}`))].join(", ")}, outside SAGEMAKER_SAFE_PORT_RANGE=${SAFE_PORT_RANGE}`,
          fix: `Open no port besides SAGEMAKER_BIND_TO_PORT outside SAGEMAKER_SAFE_PORT_RANGE; ${SERVE_PORT} may belong to another container on the instance.`,
          evidence: serveEvidence(e, { actual: on8080.map((l) => `${l.address}:${l.port}`), expected: `nothing on ${SERVE_PORT}` }),
        });
      }
      const stray = listening.filter((l) => l.port !== BIND_PORT && l.port !== SERVE_PORT && (l.port < lo || l.port > hi));
      if (stray.length > 0) {
        findings.push({
          message: `the server also listens on ${[...new Set(stray.map((l) => `${l.address}:${l.port}`))].join(", ")}, outside SAGEMAKER_SAFE_PORT_RANGE=${SAFE_PORT_RANGE}`,
          fix: "Open any port besides SAGEMAKER_BIND_TO_PORT inside SAGEMAKER_SAFE_PORT_RANGE (an inclusive XXXX-YYYY range).",
          evidence: serveEvidence(e, { actual: stray.map((l) => `${l.address}:${l.port}`), expected: `ports within ${SAFE_PORT_RANGE}` }),
        });
      }
      if (findings.length > 0) return fail(findings[0]!, ...findings.slice(1));
      return pass(`with ${asked} /ping answered 200 on ${BIND_PORT} after ${seconds(r.afterMs)}, and nothing on ${SERVE_PORT}`);
    } finally {
      await e.remove(); // done with it: no grace to wait out
    }
  },
});
