import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/serve-reachable.js";
import type { InspectConfig } from "../../../src/image/config.js";
import { type MemoryEntry, config, memoryFs } from "../helpers/memory-image.js";
import { ELF, onlyFinding, passDetail, runCheck, script } from "./outcomes.js";

const PATH = "PATH=/opt/program:/usr/local/bin:/usr/bin:/bin";
const BASE: Record<string, MemoryEntry> = { "/usr/bin/python3": ELF, "/usr/bin/env": ELF, "/bin/sh": ELF };

const run = (inspect: InspectConfig, files: Record<string, MemoryEntry>) => runCheck(check, { config: config(inspect), fs: memoryFs({ ...BASE, ...files }) });

describe("IMG-SERVE-REACHABLE", () => {
  it("fires when the image has no ENTRYPOINT and no serve on PATH", async () => {
    const f = onlyFinding(await run({ Cmd: ["gunicorn", "app:app"], Env: [PATH] }, { "/opt/program/train": ELF }));
    expect(f.message).toBe('without an ENTRYPOINT, docker run IMAGE serve runs "serve" from PATH, and it cannot start: no executable "serve" on PATH (/opt/program:/usr/local/bin:/usr/bin:/bin)');
    expect(f.fix).toContain("Install an executable named serve in a PATH directory (e.g. /opt/program/serve with");
    expect(f.fix).toContain('or add an exec-form ENTRYPOINT that handles "serve".');
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Env" });
    expect(f.evidence.actual).toEqual(["serve"]);
  });

  it("does not fire with an executable serve on PATH", async () => {
    const detail = passDetail(await run({ Env: [PATH] }, { "/opt/program/serve": script("#!/usr/bin/env python3") }));
    expect(detail).toBe('docker run IMAGE serve executes ["serve"]; /opt/program/serve; #!/usr/bin/env python3; /usr/bin/python3');
  });

  it("passes serve as the first argument of an exec-form ENTRYPOINT", async () => {
    const detail = passDetail(await run({ Entrypoint: ["python3", "/opt/program/entry.py"], Cmd: ["--port", "9000"], Env: [PATH] }, { "/opt/program/entry.py": { file: "" } }));
    expect(detail).toContain('executes ["python3","/opt/program/entry.py","serve"]');
  });

  it("fires on a shell-form ENTRYPOINT, which receives serve as $0", async () => {
    const f = onlyFinding(await run({ Entrypoint: ["/bin/sh", "-c", "gunicorn app:app"] }, {}));
    expect(f.message).toBe('the shell-form ENTRYPOINT (/bin/sh -c) receives "serve" as $0 and never passes it on');
    expect(f.fix).toBe('Write ENTRYPOINT in exec form, ENTRYPOINT ["gunicorn","app:app"], so "serve" arrives as its first argument.');
  });

  it("fires on the missing script an interpreter is given", async () => {
    const f = onlyFinding(await run({ Entrypoint: ["python3", "/opt/program/serve.py"], Env: [PATH] }, {}));
    expect(f.message).toBe("python3 is asked to run /opt/program/serve.py, which does not exist");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/program/serve.py" });
  });

  it("fires on a serve script whose #! interpreter is not installed", async () => {
    const f = onlyFinding(await run({ Env: [PATH] }, { "/opt/program/serve": script("#!/usr/bin/env ruby") }));
    expect(f.message).toContain('runs "serve" from PATH, and it cannot start: no executable "ruby" on PATH');
  });
});
