import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/processing-reachable.js";
import type { InspectConfig } from "../../../src/image/config.js";
import { type MemoryEntry, config, memoryFs } from "../helpers/memory-image.js";
import { ELF, onlyFinding, passDetail, runCheck } from "./outcomes.js";

const PATH = "PATH=/opt/program:/usr/local/bin:/usr/bin:/bin";
const BASE: Record<string, MemoryEntry> = { "/usr/bin/python3": ELF, "/bin/sh": ELF };

const run = (inspect: InspectConfig, files: Record<string, MemoryEntry> = {}) =>
  runCheck(check, { config: config(inspect), fs: memoryFs({ ...BASE, ...files }), contracts: ["processing"] });

describe("IMG-PROCESS-REACHABLE", () => {
  it("fires on an image with neither ENTRYPOINT nor CMD", async () => {
    const f = onlyFinding(await run({ Env: [PATH] }, { "/opt/program/train": ELF }));
    expect(f.message).toBe("the image has neither ENTRYPOINT nor CMD, so a processing job has no command to run");
    expect(f.fix).toBe('Add ENTRYPOINT ["/path/to/your/program"] (exec form), or set ContainerEntrypoint on the job.');
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Cmd" });
    expect(f.evidence.actual).toEqual([]);
  });

  it("does not fire on an ENTRYPOINT whose program exists, run with CMD and no argument", async () => {
    const detail = passDetail(await run({ Entrypoint: ["python3", "/opt/program/process.py"], Cmd: ["--mode", "csv"], Env: [PATH] }, { "/opt/program/process.py": { file: "" } }));
    expect(detail).toBe('a processing job executes ["python3","/opt/program/process.py","--mode","csv"]; /usr/bin/python3; /opt/program/process.py -> /opt/program/process.py');
  });

  it("passes a CMD without ENTRYPOINT", async () => {
    expect(passDetail(await run({ Cmd: ["python3", "process.py"], WorkingDir: "/opt/program", Env: [PATH] }, { "/opt/program/process.py": { file: "" } }))).toContain(
      'a processing job executes ["python3","process.py"]',
    );
  });

  it("passes a shell-form ENTRYPOINT: processing passes no argument to lose", async () => {
    expect(passDetail(await run({ Entrypoint: ["/bin/sh", "-c", "python3 /opt/program/process.py"] }))).toContain("; /bin/sh");
  });

  it("fires on a missing ENTRYPOINT program", async () => {
    const f = onlyFinding(await run({ Entrypoint: ["/opt/program/process"], Cmd: ["x"] }));
    expect(f.message).toBe('the ENTRYPOINT program "/opt/program/process" cannot start: no executable "/opt/program/process" in the image');
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Entrypoint" });
    expect(f.evidence.actual).toEqual(["/opt/program/process", "x"]);
  });

  it("fires on a missing script named by CMD for an ENTRYPOINT interpreter", async () => {
    const f = onlyFinding(await run({ Entrypoint: ["python3"], Cmd: ["/opt/program/process.py"], Env: [PATH] }));
    expect(f.message).toBe("python3 is asked to run /opt/program/process.py, which does not exist");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/program/process.py" });
  });

  it("fires on a CMD whose program is missing", async () => {
    const f = onlyFinding(await run({ Cmd: ["process"], Env: [PATH] }));
    expect(f.message).toBe('the CMD program "process" cannot start: no executable "process" on PATH (/opt/program:/usr/local/bin:/usr/bin:/bin)');
  });

  it("never prints null in the fix for a CMD-only image (processing has no argument)", async () => {
    const f = onlyFinding(await run({ Cmd: ["process"], Env: [PATH] }));
    expect(f.fix).not.toContain("null");
  });

  it("points at CMD, not PATH, when CMD names a missing program by absolute path", async () => {
    const f = onlyFinding(await run({ Cmd: ["/opt/program/process.py"] }));
    expect(f.message).not.toContain("from PATH");
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Cmd" });
  });
});
