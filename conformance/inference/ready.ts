import { defineServeCheck, fail, pass } from "../../src/engine/check.js";
import { formatDuration } from "../../src/cli/duration.js";
import { SERVE_PORT } from "../../src/engine/serve/endpoints.js";
import { seconds } from "../job-run.js";
import { ms, serveEvidence, startedEndpoint } from "../serve-run.js";

export default defineServeCheck({
  id: "INF-READY",
  clauses: ["inference#ping.startup-window", "inference#start.command", "inference#http.port", "inference#ping.healthy"],
  severity: "error",
  title: "`docker run IMAGE serve` answers GET /ping with 200 within the start-up window",
  rationale:
    "SageMaker starts the container with `serve`, mounts the model read-only, and sends GET /ping to port 8080 until it answers 200. A container that exits, cannot start its program, or listens where the platform cannot reach it never becomes healthy, and the endpoint fails to create after the whole start-up window (8 min unless the endpoint sets ContainerStartupHealthCheckTimeoutInSeconds).",
  fix: "Start an HTTP server on 0.0.0.0:8080 from `serve` that answers GET /ping with 200 once the model is loaded.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const started = await startedEndpoint(endpoints);
    if ("outcome" in started) return started.outcome;
    const endpoint = started.endpoint;
    const r = endpoint.readiness;
    const window = `${formatDuration(endpoints.options.startupWindowMs)}${endpoints.options.startupWindowSet ? " (--startup-timeout)" : " (the platform default)"}`;
    switch (r.kind) {
      case "ready":
        return pass(`/ping answered 200 ${ms(r.afterMs)} after the container started (${r.polls} polls)`);
      case "start-error":
        return fail({
          message: `the container could not start its program: ${r.message}`,
          fix: "Give the image an exec-form ENTRYPOINT that handles the `serve` argument, or an executable named `serve` on PATH.",
          where: { kind: "config", field: "Config.Entrypoint" },
          evidence: serveEvidence(endpoint),
        });
      case "exited": {
        const how = r.exit.oomKilled ? "was killed for running out of memory" : r.exit.vanished ? "disappeared (removed, or the Engine restarted)" : `exited with code ${r.exit.exitCode}`;
        return fail({
          message: `the server ${how} ${seconds(r.exit.afterMs)} after it started, before /ping answered 200`,
          fix: "Read the log tail: the server must keep running and serve /ping; a model it cannot load, or a write to the read-only /opt/ml/model, are the usual causes.",
          evidence: serveEvidence(endpoint, { actual: `exit ${r.exit.exitCode}` }),
        });
      }
      case "not-ready": {
        const onPort = (r.listeners ?? []).filter((l) => l.port === SERVE_PORT);
        const elsewhere = (r.listeners ?? []).filter((l) => !l.loopback && l.port !== SERVE_PORT);
        if (r.loopbackOnly) {
          return fail({
            message: `the server listens on ${onPort.map((l) => `${l.address}:${l.port}`).join(" and ")} inside the container, a loopback address nothing outside the container can reach; /ping never answered`,
            fix: `Bind the server to 0.0.0.0:${SERVE_PORT} (all interfaces), e.g. gunicorn --bind 0.0.0.0:${SERVE_PORT}, app.run(host="0.0.0.0").`,
            evidence: serveEvidence(endpoint, { actual: onPort.map((l) => `${l.address}:${l.port}`), expected: `0.0.0.0:${SERVE_PORT}` }),
          });
        }
        const hint =
          elsewhere.length > 0 && onPort.length === 0
            ? `; it listens on ${elsewhere.map((l) => `${l.address}:${l.port}`).join(", ")}, not on port ${SERVE_PORT}`
            : r.listeners === undefined
              ? `; if its log says it listens, it probably binds 127.0.0.1 inside the container instead of 0.0.0.0`
              : "";
        return fail({
          message: `/ping did not answer 200 within the ${window} start-up window (${r.polls} polls; the last: ${r.last})${hint}`,
          fix: `Serve GET /ping on 0.0.0.0:${SERVE_PORT} and answer 200 once ready; if loading the model really takes longer, set ContainerStartupHealthCheckTimeoutInSeconds and pass it here as --startup-timeout.`,
          evidence: serveEvidence(endpoint, { actual: r.last, expected: `200 within ${window}` }),
        });
      }
    }
  },
});
