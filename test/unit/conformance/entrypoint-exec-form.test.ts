import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/entrypoint-exec-form.js";
import type { Contract } from "../../../src/spec/types.js";
import { config } from "../helpers/memory-image.js";
import { findingsOf, onlyFinding, passDetail, runCheck, skipReason } from "./outcomes.js";

const entrypoint = (Entrypoint: string[], contracts?: Contract[]) => runCheck(check, { config: config({ Entrypoint }), ...(contracts ? { contracts } : {}) });

describe("IMG-ENTRYPOINT-EXEC", () => {
  it("fires on Docker's shell form: the argument is dropped and signals stop at the shell", async () => {
    const argv = ["/bin/sh", "-c", "python app.py"];
    const [argument, signal, ...rest] = findingsOf(await entrypoint(argv, ["training", "inference"]));
    expect(rest).toEqual([]);
    expect(argument.message).toBe("ENTRYPOINT runs through /bin/sh -c, which drops the train/serve argument SageMaker passes");
    expect(argument.fix).toBe('Write ENTRYPOINT ["python","app.py"] (exec form).');
    expect(argument.evidence.location).toEqual({ kind: "config", field: "Config.Entrypoint" });
    expect(argument.evidence.actual).toEqual(argv);
    expect(argument.evidence.notes?.join("\n")).toContain('"train" becomes $0 of the script');
    expect(signal!.message).toBe("ENTRYPOINT runs through /bin/sh -c without exec: SIGTERM reaches the shell, not the program, and the stop ends in SIGKILL");
    expect(signal!.evidence.location).toEqual({ kind: "config", field: "Config.Entrypoint" });
  });

  it("does not fire on an exec-form ENTRYPOINT", async () => {
    expect(passDetail(await entrypoint(["python3", "/opt/program/entry.py"]))).toBe('Config.Entrypoint ["python3","/opt/program/entry.py"]');
  });

  it.each([
    [["/bin/bash", "-c", "python app.py"], "/bin/bash -c"],
    [["/bin/dash", "-c", "python app.py"], "/bin/dash -c"],
    [["bash", "-ec", "python app.py"], "bash -ec"],
    [["/bin/sh", "-xc", "python app.py"], "/bin/sh -xc"],
    [["/bin/bash", "-o", "pipefail", "-c", "python app.py"], "/bin/bash -o pipefail -c"],
    [["/bin/busybox", "sh", "-c", "python app.py"], "/bin/busybox sh -c"],
  ])("recognises %j as a shell wrapper", async (argv, shell) => {
    const findings = findingsOf(await entrypoint(argv, ["training"]));
    expect(findings.map((f) => f.message)).toEqual([
      `ENTRYPOINT runs through ${shell}, which drops the train/serve argument SageMaker passes`,
      `ENTRYPOINT runs through ${shell} without exec: SIGTERM reaches the shell, not the program, and the stop ends in SIGKILL`,
    ]);
  });

  it("passes a hand-written wrapper that execs its program and forwards \"$@\" after a -- placeholder", async () => {
    const detail = passDetail(await entrypoint(["/bin/sh", "-c", 'exec python3 /opt/program/entry.py "$@"', "--"], ["training", "inference"]));
    expect(detail).toBe("Config.Entrypoint is a shell wrapper that execs its program and forwards its arguments");
  });

  it("passes a shell-form script that reads $0 and execs", async () => {
    passDetail(await entrypoint(["/bin/sh", "-c", 'set -e; exec python3 /opt/program/entry.py "$0"'], ["training"]));
  });

  it("flags only the signal when the wrapper forwards its arguments but does not exec", async () => {
    const f = onlyFinding(await entrypoint(["/bin/sh", "-c", 'python3 /opt/program/entry.py "$@"', "--"], ["training", "inference"]));
    expect(f.message).toContain("without exec: SIGTERM reaches the shell");
    expect(f.fix).toContain('["/bin/sh","-c","exec python3 /opt/program/entry.py');
    expect(f.fix).toContain('"$@" forwards its arguments');
  });

  it("does not suggest forwarding the arguments twice when the script already ends in \"$@\"", async () => {
    const f = onlyFinding(await entrypoint(["/bin/sh", "-c", 'python3 /opt/program/entry.py "$@"', "--"], ["training"]));
    // exec python3 entry.py "$@" "$@" would hand the program train train.
    expect(f.fix).toContain(`Write ENTRYPOINT ${JSON.stringify(["/bin/sh", "-c", 'exec python3 /opt/program/entry.py "$@"', "--"])}`);
  });

  it("flags only the argument when the script execs but forwards nothing", async () => {
    const f = onlyFinding(await entrypoint(["/bin/sh", "-c", "exec python3 /opt/program/entry.py"], ["training", "inference"]));
    expect(f.message).toContain("drops the train/serve argument");
    expect(f.fix).toBe('Write ENTRYPOINT ["python3","/opt/program/entry.py"] (exec form).');
  });

  it('flags "$@" without the -- placeholder: with nothing after the script, train lands in $0', async () => {
    const f = onlyFinding(await entrypoint(["/bin/sh", "-c", 'exec python3 /opt/program/entry.py "$@"'], ["training"]));
    expect(f.message).toContain("drops the train/serve argument");
  });

  it("flags a wrapper that reads $1 when train arrives as $2", async () => {
    // sh -c SCRIPT -- x train: $0 is --, $1 is x, $2 is train.
    const f = onlyFinding(await entrypoint(["/bin/sh", "-c", 'exec prog "$1"', "--", "x"], ["training"]));
    expect(f.message).toContain("drops the train/serve argument");
  });

  it("suggests an exec wrapper when the script cannot be written as an exec-form array", async () => {
    const [first] = findingsOf(await entrypoint(["/bin/sh", "-c", "python app.py > /tmp/log 2>&1"], ["training"]));
    expect(first.fix).toBe(
      `Write ENTRYPOINT ${JSON.stringify(["/bin/sh", "-c", 'exec python app.py > /tmp/log 2>&1 "$@"', "--"])}: exec hands PID 1 to the program and "$@" forwards its arguments; or move the script into a file and name that file in exec form.`,
    );
  });

  it("does not prefix a builtin with exec in the suggested wrapper (exec cd fails: cd is not a program)", async () => {
    const [first] = findingsOf(await entrypoint(["/bin/sh", "-c", "cd /opt/program && python app.py"], ["training"]));
    expect(first.fix).not.toContain("exec cd");
  });

  it("does not mistake a script file's own -c argument for a shell's -c", async () => {
    // bash runs /opt/program/run.sh with the arguments -c conf.yaml; the program is the script, in exec form.
    const outcome = await entrypoint(["/bin/bash", "/opt/program/run.sh", "-c", "conf.yaml"], ["training", "inference"]);
    passDetail(outcome);
  });

  describe("processing", () => {
    it("for processing alone there is no argument to lose, and the stop signal is SIGINT", async () => {
      const f = onlyFinding(await entrypoint(["/bin/sh", "-c", "python app.py"], ["processing"]));
      expect(f.message).toBe("ENTRYPOINT runs through /bin/sh -c without exec: SIGINT reaches the shell, not the program, and the stop ends in SIGKILL");
    });

    it("checks CMD when there is no ENTRYPOINT", async () => {
      const argv = ["/bin/sh", "-c", "python process.py"];
      const f = onlyFinding(await runCheck(check, { config: config({ Cmd: argv }), contracts: ["processing"] }));
      expect(f.message).toBe("CMD runs through /bin/sh -c without exec: SIGINT reaches the shell, not the program, and the stop ends in SIGKILL");
      expect(f.fix).toBe('Write CMD ["python","process.py"] (exec form).');
      expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Cmd" });
      expect(f.evidence.actual).toEqual(argv);
    });

    it("passes an exec-form CMD", async () => {
      expect(passDetail(await runCheck(check, { config: config({ Cmd: ["python3", "process.py"] }), contracts: ["processing"] }))).toBe('Config.Cmd ["python3","process.py"]');
    });

    it("checks ENTRYPOINT, not CMD, when both are set", async () => {
      passDetail(await runCheck(check, { config: config({ Entrypoint: ["python3", "process.py"], Cmd: ["/bin/sh", "-c", "x y"] }), contracts: ["processing"] }));
    });

    it("names SIGINT for a shell-form CMD even when training is also selected: only processing runs CMD", async () => {
      const f = onlyFinding(await runCheck(check, { config: config({ Cmd: ["/bin/sh", "-c", "python process.py"] }) }));
      expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Cmd" });
      expect(f.message).toContain("SIGINT reaches the shell");
    });
  });

  describe("skips", () => {
    it("skips training and inference without an ENTRYPOINT, whatever CMD is", async () => {
      const reason = skipReason(await runCheck(check, { config: config({ Cmd: ["/bin/sh", "-c", "python app.py"] }), contracts: ["training", "inference"] }));
      expect(reason).toContain("no ENTRYPOINT");
      expect(reason).toContain("IMG-TRAIN-REACHABLE");
    });

    it("skips processing with neither ENTRYPOINT nor CMD", async () => {
      skipReason(await runCheck(check, { config: config({}), contracts: ["processing"] }));
    });

    it("treats ENTRYPOINT [] as no ENTRYPOINT", async () => {
      skipReason(await runCheck(check, { config: config({ Entrypoint: [] }), contracts: ["training"] }));
    });
  });
});
