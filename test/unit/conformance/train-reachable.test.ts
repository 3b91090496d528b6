import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/train-reachable.js";
import { DOCKER_DEFAULT_PATH, type InspectConfig } from "../../../src/image/config.js";
import { type MemoryEntry, config, memoryFs } from "../helpers/memory-image.js";
import { ELF, onlyFinding, passDetail, runCheck, script } from "./outcomes.js";

const PATH = "PATH=/opt/program:/usr/local/bin:/usr/bin:/bin";
const BASE: Record<string, MemoryEntry> = { "/usr/bin/python3": ELF, "/usr/bin/env": ELF, "/bin/sh": ELF, "/bin/bash": ELF };

const run = (inspect: InspectConfig, files: Record<string, MemoryEntry>) => runCheck(check, { config: config(inspect), fs: memoryFs({ ...BASE, ...files }) });

describe("IMG-TRAIN-REACHABLE", () => {
  it("fires when the ENTRYPOINT program is missing", async () => {
    const f = onlyFinding(await run({ Entrypoint: ["/opt/program/entry"] }, {}));
    expect(f.message).toBe('the ENTRYPOINT program "/opt/program/entry" cannot start: no executable "/opt/program/entry" in the image');
    expect(f.fix).toBe("Point ENTRYPOINT at a file that exists in the image and is executable (chmod +x), with an interpreter that is installed.");
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Entrypoint" });
    expect(f.evidence.actual).toEqual(["/opt/program/entry", "train"]);
  });

  it("does not fire on an exec-form ENTRYPOINT that resolves through the image's PATH", async () => {
    const detail = passDetail(await run({ Entrypoint: ["entry"], Cmd: ["--verbose"], Env: [PATH] }, { "/opt/program/entry": ELF }));
    // CMD is replaced by train.
    expect(detail).toBe('docker run IMAGE train executes ["entry","train"]; /opt/program/entry');
  });

  it("fires when a bare ENTRYPOINT name is not on PATH", async () => {
    const f = onlyFinding(await run({ Entrypoint: ["entry"], Env: ["PATH=/usr/bin:/bin"] }, { "/opt/program/entry": ELF }));
    expect(f.message).toBe('the ENTRYPOINT program "entry" cannot start: no executable "entry" on PATH (/usr/bin:/bin)');
  });

  it("fires when the program exists but is not executable (mode 0644)", async () => {
    const f = onlyFinding(await run({ Entrypoint: ["/opt/program/entry"] }, { "/opt/program/entry": { file: "\x7fELF", mode: 0o644 } }));
    expect(f.message).toBe('the ENTRYPOINT program "/opt/program/entry" cannot start: /opt/program/entry exists but is not executable');
  });

  it("skips a non-executable PATH entry and takes the next one, like execvp", async () => {
    const detail = passDetail(await run({ Entrypoint: ["entry"], Env: [PATH] }, { "/opt/program/entry": { file: "x", mode: 0o644 }, "/usr/local/bin/entry": ELF }));
    expect(detail).toContain("; /usr/local/bin/entry");
  });

  it("follows a symlink chain to the real file", async () => {
    const detail = passDetail(
      await run(
        { Entrypoint: ["/usr/local/bin/entry"] },
        { "/usr/local/bin/entry": { symlink: "../../../opt/program/current" }, "/opt/program/current": { symlink: "entry-v2" }, "/opt/program/entry-v2": ELF },
      ),
    );
    expect(detail).toContain("/usr/local/bin/entry -> /opt/program/current -> /opt/program/entry-v2");
  });

  it("follows a symlinked parent directory", async () => {
    passDetail(await run({ Entrypoint: ["/opt/program/entry"] }, { "/opt/program": { symlink: "/srv/app" }, "/srv/app/entry": ELF }));
  });

  it("fires on a dangling symlink", async () => {
    const f = onlyFinding(await run({ Entrypoint: ["/opt/program/entry"] }, { "/opt/program/entry": { symlink: "/opt/program/gone" } }));
    expect(f.message).toContain("cannot start");
  });

  it("reports a symlink loop as a loop", async () => {
    const f = onlyFinding(await run({ Entrypoint: ["/opt/program/a"] }, { "/opt/program/a": { symlink: "b" }, "/opt/program/b": { symlink: "a" } }));
    expect(f.message).toBe('the ENTRYPOINT program "/opt/program/a" cannot start: /opt/program/a is a symlink loop');
  });

  describe("#! interpreters", () => {
    it("passes #!/usr/bin/env python3 with python3 on PATH", async () => {
      const detail = passDetail(await run({ Entrypoint: ["/opt/program/entry"], Env: [PATH] }, { "/opt/program/entry": script("#!/usr/bin/env python3") }));
      expect(detail).toBe('docker run IMAGE train executes ["/opt/program/entry","train"]; /opt/program/entry; #!/usr/bin/env python3; /usr/bin/python3');
    });

    it("fires on #!/usr/bin/env python3 without python3 on PATH", async () => {
      const f = onlyFinding(await run({ Entrypoint: ["/opt/program/entry"], Env: ["PATH=/opt/program:/bin"] }, { "/opt/program/entry": script("#!/usr/bin/env python3") }));
      expect(f.message).toBe('the ENTRYPOINT program "/opt/program/entry" cannot start: no executable "python3" on PATH (/opt/program:/bin)');
      expect(f.evidence.notes).toEqual(["resolved: /opt/program/entry; #!/usr/bin/env python3"]);
    });

    it("reads the program after env -S and its flags", async () => {
      const detail = passDetail(await run({ Entrypoint: ["/opt/program/entry"], Env: [PATH] }, { "/opt/program/entry": script("#!/usr/bin/env -S python3 -u") }));
      expect(detail).toContain("#!/usr/bin/env -S python3 -u; /usr/bin/python3");
    });

    it("fires when /usr/bin/env cannot be executed", async () => {
      const f = onlyFinding(await run({ Entrypoint: ["/opt/program/entry"] }, { "/usr/bin/env": { file: "x", mode: 0o644 }, "/opt/program/entry": script("#!/usr/bin/env python3") }));
      expect(f.message).toContain("cannot start: the interpreter /usr/bin/env does not exist");
    });

    it("fires on a missing absolute interpreter", async () => {
      const f = onlyFinding(await run({ Entrypoint: ["/opt/program/entry"] }, { "/opt/program/entry": script("#!/opt/conda/bin/python") }));
      expect(f.message).toBe('the ENTRYPOINT program "/opt/program/entry" cannot start: no executable "/opt/conda/bin/python" in the image');
      expect(f.evidence.notes).toEqual(["resolved: /opt/program/entry; #!/opt/conda/bin/python"]);
    });

    it("passes a present absolute interpreter, and one that is itself a script", async () => {
      const detail = passDetail(await run({ Entrypoint: ["/opt/program/entry"] }, { "/opt/program/entry": script("#!/opt/program/wrapper"), "/opt/program/wrapper": script("#!/bin/sh") }));
      expect(detail).toContain("#!/opt/program/wrapper; /opt/program/wrapper; #!/bin/sh; /bin/sh");
    });

    it("fires on a relative interpreter", async () => {
      const f = onlyFinding(await run({ Entrypoint: ["/opt/program/entry"], Env: [PATH] }, { "/opt/program/entry": script("#!python3") }));
      expect(f.message).toContain('the #! interpreter "python3" is a relative path, which the kernel opens from the working directory (/)');
    });

    it("fires on a #! line ending in CR (a script saved with CRLF): the kernel looks for /bin/bash\\r", async () => {
      const outcome = await run({ Entrypoint: ["/opt/program/entry.sh"] }, { "/opt/program/entry.sh": { file: "#!/bin/bash\r\necho train\r\n", mode: 0o755 } });
      expect(onlyFinding(outcome).message).toContain("/opt/program/entry.sh");
    });

    it("fires on an executable text file with no #! line: execve fails with ENOEXEC (exec format error)", async () => {
      const outcome = await run({ Entrypoint: ["/opt/program/train.sh"] }, { "/opt/program/train.sh": { file: "set -e\npython3 /opt/program/train.py\n", mode: 0o755 } });
      expect(onlyFinding(outcome).message).toContain("/opt/program/train.sh");
    });
  });

  describe("without an ENTRYPOINT: train from PATH", () => {
    it("passes with an executable train on the image's PATH, whatever CMD is", async () => {
      const detail = passDetail(await run({ Cmd: ["python3", "/missing.py"], Env: [PATH] }, { "/opt/program/train": script("#!/usr/bin/env python3") }));
      expect(detail).toBe('docker run IMAGE train executes ["train"]; /opt/program/train; #!/usr/bin/env python3; /usr/bin/python3');
    });

    it("fires when train is missing, pointing at Config.Env", async () => {
      const f = onlyFinding(await run({ Cmd: ["python3", "/opt/program/train.py"], Env: [PATH] }, { "/opt/program/train.py": { file: "" } }));
      expect(f.message).toBe('without an ENTRYPOINT, docker run IMAGE train runs "train" from PATH, and it cannot start: no executable "train" on PATH (/opt/program:/usr/local/bin:/usr/bin:/bin)');
      expect(f.fix).toBe(
        'Install an executable named train in a PATH directory (e.g. /opt/program/train with ENV PATH="/opt/program:$PATH", chmod +x, and a #! line naming an installed interpreter), or add an exec-form ENTRYPOINT that handles "train".',
      );
      expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Env" });
      expect(f.evidence.actual).toEqual(["train"]);
    });

    it("uses Docker's default PATH when the image sets none", async () => {
      passDetail(await run({}, { "/usr/local/bin/train": ELF }));
      const f = onlyFinding(await run({}, { "/opt/program/train": ELF }));
      expect(f.message).toContain(`no executable "train" on PATH (${DOCKER_DEFAULT_PATH})`);
    });

    it("uses the last PATH the image sets", async () => {
      passDetail(await run({ Env: ["PATH=/usr/bin", "PATH=/opt/program:/usr/bin"] }, { "/opt/program/train": ELF }));
    });

    it("fires on a train script that is not executable", async () => {
      const f = onlyFinding(await run({ Env: [PATH] }, { "/opt/program/train": { file: "#!/usr/bin/env python3\n", mode: 0o644 } }));
      expect(f.message).toContain("cannot start: /opt/program/train exists but is not executable");
    });
  });

  describe("shell-form ENTRYPOINT", () => {
    it("fires: train arrives as $0 and is never passed on", async () => {
      const f = onlyFinding(await run({ Entrypoint: ["/bin/sh", "-c", "python3 /opt/program/entry.py"] }, { "/opt/program/entry.py": { file: "" } }));
      expect(f.message).toBe('the shell-form ENTRYPOINT (/bin/sh -c) receives "train" as $0 and never passes it on');
      expect(f.fix).toBe('Write ENTRYPOINT in exec form, ENTRYPOINT ["python3","/opt/program/entry.py"], so "train" arrives as its first argument.');
      expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Entrypoint" });
    });

    it("suggests a generic exec form when the script cannot be split into words", async () => {
      const f = onlyFinding(await run({ Entrypoint: ["/bin/sh", "-c", "cd /opt/program && python3 entry.py"] }, {}));
      expect(f.fix).toBe('Write ENTRYPOINT in exec form, e.g. ENTRYPOINT ["python3", "/opt/program/entry.py"], so "train" arrives as its first argument.');
    });

    it("passes a wrapper that forwards its arguments, once its shell exists", async () => {
      const detail = passDetail(await run({ Entrypoint: ["/bin/sh", "-c", 'exec python3 /opt/program/entry.py "$@"', "--"] }, {}));
      expect(detail).toContain("; /bin/sh");
    });
  });

  describe("the script an interpreter is given", () => {
    it("fires when the script is missing, pointing at the file", async () => {
      const f = onlyFinding(await run({ Entrypoint: ["python3", "/opt/program/entry.py"], Env: [PATH] }, {}));
      expect(f.message).toBe("python3 is asked to run /opt/program/entry.py, which does not exist");
      expect(f.fix).toBe("COPY the script to /opt/program/entry.py, or correct the path in ENTRYPOINT.");
      expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/program/entry.py" });
      expect(f.evidence.notes).toEqual(["resolved: /usr/bin/python3"]);
    });

    it("passes when the script exists, after the interpreter's own flags", async () => {
      const detail = passDetail(await run({ Entrypoint: ["python3", "-u", "-B", "/opt/program/entry.py"], Env: [PATH] }, { "/opt/program/entry.py": { file: "" } }));
      expect(detail).toContain("/opt/program/entry.py -> /opt/program/entry.py");
    });

    it("resolves a relative script against WorkingDir", async () => {
      const files = { "/opt/program/train.py": { file: "" } };
      passDetail(await run({ Entrypoint: ["python3", "train.py"], WorkingDir: "/opt/program", Env: [PATH] }, files));
      const f = onlyFinding(await run({ Entrypoint: ["python3", "train.py"], WorkingDir: "/srv", Env: [PATH] }, files));
      expect(f.evidence.location).toEqual({ kind: "file", path: "/srv/train.py" });
    });

    it("fires when the script is a directory", async () => {
      const f = onlyFinding(await run({ Entrypoint: ["python3", "/opt/program/entry.py"], Env: [PATH] }, { "/opt/program/entry.py/x": { file: "" } }));
      expect(f.message).toBe("python3 is asked to run /opt/program/entry.py, which is a dir, not a file");
    });

    it("reports a script that is a symlink loop as a loop", async () => {
      const f = onlyFinding(
        await run({ Entrypoint: ["python3", "/opt/program/entry.py"], Env: [PATH] }, { "/opt/program/entry.py": { symlink: "x.py" }, "/opt/program/x.py": { symlink: "entry.py" } }),
      );
      expect(f.message).toBe("python3 is asked to run /opt/program/entry.py, which is a symlink loop");
    });

    it.each([
      [["python3", "-m", "trainer.main"]],
      [["python3", "-c", "import trainer; trainer.main()"]],
      [["python3", "-u", "-m", "trainer"]],
      [["node", "-e", "require('x')"]],
    ])("does not treat module and code arguments as scripts: %j", async (argv) => {
      passDetail(await run({ Entrypoint: argv, Env: [PATH] }, { "/usr/bin/node": ELF }));
    });

    it("does not mistake train, the argument SageMaker appends, for a script", async () => {
      passDetail(await run({ Entrypoint: ["python3"], Env: [PATH] }, {}));
    });

    it("fires when the interpreter itself is missing, before looking at the script", async () => {
      const f = onlyFinding(await run({ Entrypoint: ["python3.11", "/opt/program/entry.py"], Env: [PATH] }, { "/opt/program/entry.py": { file: "" } }));
      expect(f.message).toBe('the ENTRYPOINT program "python3.11" cannot start: no executable "python3.11" on PATH (/opt/program:/usr/local/bin:/usr/bin:/bin)');
    });
  });
});
