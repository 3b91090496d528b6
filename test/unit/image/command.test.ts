import { describe, expect, it } from "vitest";
import { asExecForm, containerArgv, shellForm } from "../../../src/image/command.js";
import { config } from "../helpers/memory-image.js";

describe("shellForm", () => {
  it("recognises Docker's shell form", () => {
    // `ENTRYPOINT python app.py` is stored as ["/bin/sh", "-c", "python app.py"].
    expect(shellForm(["/bin/sh", "-c", "python app.py"])).toEqual({ shell: ["/bin/sh", "-c"], script: "python app.py", usesArguments: false, execs: false });
  });

  it("recognises bash -ec and keeps the flags in the shell", () => {
    expect(shellForm(["/bin/bash", "-ec", "exec python app.py"])).toEqual({ shell: ["/bin/bash", "-ec"], script: "exec python app.py", usesArguments: false, execs: true });
  });

  it("recognises flags before -c", () => {
    expect(shellForm(["/bin/sh", "-e", "-x", "-c", "serve"])?.shell).toEqual(["/bin/sh", "-e", "-x", "-c"]);
  });

  it.each(["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "/usr/bin/bash"])("recognises the shell %s", (sh) => {
    expect(shellForm([sh, "-c", "serve"])?.shell).toEqual([sh, "-c"]);
  });

  it("recognises busybox sh -c", () => {
    expect(shellForm(["/bin/busybox", "sh", "-c", "exec serve"])).toEqual({ shell: ["/bin/busybox", "sh", "-c"], script: "exec serve", usesArguments: false, execs: true });
  });

  describe("usesArguments: Docker appends `train` after the words that follow the script", () => {
    it.each<[string, string[], boolean]>([
      ["`sh -c 'exec prog \"$@\"' --` (k=1)", ["sh", "-c", 'exec prog "$@"', "--"], true],
      ["$* with k=1", ["sh", "-c", "exec prog $*", "sh"], true],
      ["${@} with k=1", ["sh", "-c", 'exec prog "${@}"', "--"], true],
      ["$1 with k=1", ["sh", "-c", "exec prog $1", "--"], true],
      ["${1} with k=1", ["sh", "-c", "exec prog ${1}", "--"], true],
      ["$10 with k=1", ["sh", "-c", "exec prog $10", "--"], false],
      ["$0 with k=1 ($0 is the --)", ["sh", "-c", "exec prog $0", "--"], false],
      ["$0 with k=0", ["/bin/sh", "-c", 'exec prog "$0"'], true],
      ["${0} with k=0", ["/bin/sh", "-c", "exec prog ${0}"], true],
      ["$1 with k=0 (train is $0)", ["/bin/sh", "-c", "exec prog $1"], false],
      ["$@ with k=0 ($@ starts at $1)", ["/bin/sh", "-c", 'exec prog "$@"'], false],
      ["$2 with k=2", ["sh", "-c", "exec prog $2", "--", "x"], true],
      ["$1 with k=2", ["sh", "-c", "exec prog $1", "--", "x"], false],
      ["no argument at all", ["sh", "-c", "exec prog"], false],
    ])("%s -> %s", (_what, argv, uses) => {
      expect(shellForm(argv)?.usesArguments).toBe(uses);
    });
  });

  describe("execs", () => {
    it.each<[string, boolean]>([
      ["exec python app.py", true],
      ["cd /opt/program && exec python app.py", true],
      ["cd /opt/program; exec python app.py", true],
      ["set -e\nexec serve", true],
      ["set -e\n  exec serve", true],
      ["true || exec serve", true],
      ["(exec serve)", true],
      ["python app.py", false],
      ["echo exec serve", false],
      ["executor run", false],
      ["/opt/exec serve", false],
    ])("%j -> %s", (script, execs) => {
      expect(shellForm(["/bin/sh", "-c", script])?.execs).toBe(execs);
    });
  });

  it.each<[string, string[] | null]>([
    ["null", null],
    ["exec form", ["/opt/program/entry"]],
    ["exec form with arguments", ["python3", "-u", "/opt/program/entry.py"]],
    ["a non-shell with -c", ["python3", "-c", "print(1)"]],
    ["tini in front of a shell", ["/usr/bin/tini", "--", "sh", "-c", "serve"]],
    ["a shell running a script file", ["/bin/bash", "/opt/entry.sh", "train"]],
    ["-c without a script", ["/bin/sh", "-e", "-c"]],
    ["too short", ["/bin/sh", "-c"]],
    ["busybox running something else", ["/bin/busybox", "httpd", "-c", "x"]],
  ])("returns null for %s", (_what, argv) => {
    expect(shellForm(argv)).toBeNull();
  });

  // sh stops reading options at its first operand: `sh /opt/entry.sh -c config.yaml` runs the script file with
  // $1="-c", $2="config.yaml". shellForm() finds the "-c" anywhere after the shell and calls config.yaml a -c script.
  it("returns null when -c comes after the script file, as the file's argument", () => {
    expect(shellForm(["/bin/bash", "/opt/entry.sh", "-c", "config.yaml"])).toBeNull();
  });
});

describe("asExecForm", () => {
  it.each<[string, string[] | null]>([
    ["python app.py", ["python", "app.py"]],
    ["exec python -u /opt/program/app.py", ["python", "-u", "/opt/program/app.py"]],
    ["  serve --port=8080  ", ["serve", "--port=8080"]],
    ["gunicorn -b 0.0.0.0:8080 app:wsgi", ["gunicorn", "-b", "0.0.0.0:8080", "app:wsgi"]],
    ["cd /opt && python app.py", null],
    ["python $HOME/app.py", null],
    ["echo 'a b'", null],
    ["serve > /tmp/log", null],
    ["a | b", null],
    ["", null],
  ])("%j -> %j", (script, argv) => {
    expect(asExecForm(script)).toEqual(argv);
  });
});

describe("containerArgv", () => {
  const ep = ["/opt/program/entry"];
  it.each<[string, Parameters<typeof config>[0], string[], string[]]>([
    ["ENTRYPOINT + args", { Entrypoint: ep, Cmd: ["default"] }, ["train"], ["/opt/program/entry", "train"]],
    ["ENTRYPOINT + CMD when no args", { Entrypoint: ep, Cmd: ["default", "-v"] }, [], ["/opt/program/entry", "default", "-v"]],
    ["ENTRYPOINT alone", { Entrypoint: ep }, [], ["/opt/program/entry"]],
    ["args replace CMD", { Cmd: ["python", "app.py"] }, ["serve"], ["serve"]],
    ["CMD alone", { Cmd: ["python", "app.py"] }, [], ["python", "app.py"]],
    ["args alone", {}, ["train", "--x"], ["train", "--x"]],
    ["nothing", {}, [], []],
    ["ENTRYPOINT [] is no entrypoint", { Entrypoint: [], Cmd: ["serve"] }, ["train"], ["train"]],
  ])("%s", (_what, inspect, args, argv) => {
    expect(containerArgv(config(inspect), args)).toEqual(argv);
  });

  it("does not alias the config's arrays", () => {
    const cfg = config({ Entrypoint: ep, Cmd: ["x"] });
    containerArgv(cfg, []).push("y");
    expect(cfg.entrypoint).toEqual(ep);
    expect(cfg.cmd).toEqual(["x"]);
  });
});
