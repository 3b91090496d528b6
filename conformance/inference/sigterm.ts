import { defineServeCheck, fail, pass, skip } from "../../src/engine/check.js";
import { formatDuration } from "../../src/cli/duration.js";
import { shellForm } from "../../src/image/command.js";
import { seconds } from "../job-run.js";
import { serveEvidence, startedEndpoint } from "../serve-run.js";

export default defineServeCheck({
  id: "INF-SIGTERM",
  clauses: ["inference#stop.sigterm", "inference#start.exec-form"],
  severity: "error",
  title: "The server exits on SIGTERM within 30 s",
  rationale:
    "When an endpoint scales in or is updated, SageMaker sends SIGTERM and kills the container 30 s later. A server that never sees SIGTERM (a shell as PID 1, or a PID 1 without a handler) is always killed, dropping the requests it was serving.",
  fix: "Use an exec-form ENTRYPOINT so the server is PID 1, and stop on SIGTERM: finish in-flight requests, then exit.",
  needs: { endpoints: true, config: true },
  async run({ endpoints, config }) {
    const started = await startedEndpoint(endpoints);
    if ("outcome" in started) return started.outcome;
    const endpoint = started.endpoint;
    if (endpoint.readiness.kind === "start-error") return skip("the container did not start; see INF-READY");
    if (!endpoint.running()) return skip(`the server had already exited (${endpoint.exit()?.exitCode}); see INF-READY and the checks before this one`);
    const stop = await endpoint.stop();
    const overridden = endpoints.options.stopGraceMs !== undefined;
    const grace = `${formatDuration(stop.graceMs)}${overridden ? " (--stop-grace)" : ""}`;
    if (stop.finishedFirst) return skip("the server exited before SIGTERM was sent");
    if (!stop.killedAtDeadline) return pass(`exited with code ${endpoint.exit()?.exitCode}, ${seconds(stop.exitedAfterMs!)} after SIGTERM (grace ${grace})`);
    const shell = shellForm(config.entrypoint ?? []);
    return fail({
      message: `the server was still running ${grace} after SIGTERM and was killed with SIGKILL${shell ? `: the shell-form ENTRYPOINT makes ${shell.shell[0]} PID 1, and it does not pass SIGTERM on` : ""}`,
      fix: shell
        ? "Write the ENTRYPOINT in exec form (a JSON array) so the server receives SIGTERM itself."
        : "Handle SIGTERM in the program that runs as PID 1 (a PID 1 without a handler ignores it): stop accepting, finish in-flight requests, exit. Or exec the server from your start script.",
      // `serve` replaces CMD: the program at fault is the ENTRYPOINT's (or `serve` on PATH).
      where: { kind: "config", field: "Config.Entrypoint" },
      evidence: serveEvidence(endpoint, { actual: `killed at ${grace}`, expected: `exit within ${grace} of SIGTERM` }),
    });
  },
});
