import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/inference/sigterm.js";
import { closeServe, runServeCheck, serveSandbox } from "../helpers/fake-server.js";
import { config } from "../helpers/memory-image.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(closeServe);

const EXEC_FORM = config({ Entrypoint: ["gunicorn", "--bind", "0.0.0.0:8080", "app:app"] });
const SHELL_FORM = config({ Entrypoint: ["/bin/sh", "-c", "gunicorn --bind 0.0.0.0:8080 app:app"] });

describe("INF-SIGTERM", () => {
  it("does not fire when the server exits on SIGTERM", async () => {
    const { endpoints, container } = serveSandbox({ stopGraceMs: 300 });
    expect(passDetail(await runServeCheck(check, endpoints, EXEC_FORM))).toMatch(/^exited with code 0, 0\.\d s after SIGTERM \(grace \d+ms \(--stop-grace\)\)$/);
    expect(container().signals).toEqual(["SIGTERM"]);
  });

  it("gives the spec's grace when --stop-grace is not set", async () => {
    const { endpoints } = serveSandbox({ stopGraceMs: undefined }, { signalExitCode: 143 }, { limits: { stopGraceMs: 300 } });
    expect(passDetail(await runServeCheck(check, endpoints, EXEC_FORM))).toMatch(/^exited with code 143, 0\.\d s after SIGTERM \(grace \d+ms\)$/);
  });

  it("fires when the server ignores SIGTERM and is killed at the grace's end", async () => {
    const { endpoints, container } = serveSandbox({ stopGraceMs: 150 }, { onSignal: "ignore" });
    const f = onlyFinding(await runServeCheck(check, endpoints, EXEC_FORM));
    expect(f.message).toBe("the server was still running 150ms (--stop-grace) after SIGTERM and was killed with SIGKILL");
    expect(f.fix).toBe(
      "Handle SIGTERM in the program that runs as PID 1 (a PID 1 without a handler ignores it): stop accepting, finish in-flight requests, exit. Or exec the server from your start script.",
    );
    expect(f.evidence).toMatchObject({ location: { kind: "config", field: "Config.Entrypoint" }, actual: "killed at 150ms (--stop-grace)", expected: "exit within 150ms (--stop-grace) of SIGTERM" });
    expect(container().signals).toEqual(["SIGTERM", "SIGKILL"]);
  });

  it("blames a shell-form ENTRYPOINT", async () => {
    const { endpoints } = serveSandbox({ stopGraceMs: 150 }, { onSignal: "ignore" });
    const f = onlyFinding(await runServeCheck(check, endpoints, SHELL_FORM));
    expect(f.message).toBe(
      "the server was still running 150ms (--stop-grace) after SIGTERM and was killed with SIGKILL: the shell-form ENTRYPOINT makes /bin/sh PID 1, and it does not pass SIGTERM on",
    );
    expect(f.fix).toBe("Write the ENTRYPOINT in exec form (a JSON array) so the server receives SIGTERM itself.");
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Entrypoint" });
  });

  it("skips when the container did not start, when the server has exited, or without a model", async () => {
    expect(skipReason(await runServeCheck(check, serveSandbox({}, { startError: "no serve" }).endpoints))).toBe("the container did not start; see INF-READY");
    const died = serveSandbox({}, { start: (c) => void setTimeout(() => c.exit(2), 30), handle: (_req, res) => void res.writeHead(503).end() });
    expect(skipReason(await runServeCheck(check, died.endpoints))).toBe("the server had already exited (2); see INF-READY and the checks before this one");
    expect(died.container().signals).toEqual([]);
    expect(skipReason(await runServeCheck(check, serveSandbox({ model: undefined }).endpoints))).toMatch(/^no model/);
  });
});
