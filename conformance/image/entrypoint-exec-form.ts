import { defineImageCheck, fail, pass, skip, type FindingInput } from "../../src/engine/check.js";
import { asExecForm, execWrapped, shellForm } from "../../src/image/command.js";

export default defineImageCheck({
  id: "IMG-ENTRYPOINT-EXEC",
  clauses: ["training#start.exec-form", "inference#start.exec-form", "processing#start.exec-form"],
  severity: "error",
  title: "ENTRYPOINT uses the exec form",
  rationale:
    "The shell form runs the program under /bin/sh -c: Docker appends `train` or `serve` as $0, where the script never sees it, and SIGTERM (SIGINT for processing) goes to the shell, not the program, so SageMaker's graceful stop becomes a SIGKILL.",
  fix: 'Write ENTRYPOINT as a JSON array, e.g. ENTRYPOINT ["python3", "/opt/program/entry.py"].',
  needs: { config: true },
  run({ config, contracts }) {
    const takesArgument = contracts.includes("training") || contracts.includes("inference");
    // Processing runs CMD when there is no ENTRYPOINT; training and inference replace CMD with train/serve.
    const field = config.entrypoint ? "Config.Entrypoint" : contracts.includes("processing") && config.cmd ? "Config.Cmd" : null;
    if (!field) return skip("the image has no ENTRYPOINT: train and serve must then be programs on PATH (IMG-TRAIN-REACHABLE, IMG-SERVE-REACHABLE)");
    const argv = field === "Config.Entrypoint" ? config.entrypoint! : config.cmd!;
    const sf = shellForm(argv);
    if (!sf) return pass(`${field} ${JSON.stringify(argv)}`);

    const instruction = field === "Config.Entrypoint" ? "ENTRYPOINT" : "CMD";
    const exec = asExecForm(sf.script);
    const fix = exec
      ? `Write ${instruction} ${JSON.stringify(exec)} (exec form).`
      : `Write ${instruction} ${JSON.stringify([...sf.shell, execWrapped(sf.script), "--"])}: exec hands PID 1 to the program and "$@" forwards its arguments; or move the script into a file and name that file in exec form.`;
    const findings: FindingInput[] = [];
    const where = { kind: "config", field } as const;
    if (field === "Config.Entrypoint" && takesArgument && !sf.usesArguments) {
      findings.push({
        message: `${instruction} runs through ${sf.shell.join(" ")}, which drops the train/serve argument SageMaker passes`,
        fix,
        where,
        evidence: { actual: argv, notes: [`docker run IMAGE train executes ${JSON.stringify([...argv, "train"])}: "train" becomes $0 of the script`] },
      });
    }
    if (!sf.execs) {
      // Training and hosting stop with SIGTERM, processing with SIGINT; only processing ever runs CMD.
      const stops = field === "Config.Cmd" ? ["SIGINT"] : [...(takesArgument ? ["SIGTERM"] : []), ...(contracts.includes("processing") ? ["SIGINT"] : [])];
      findings.push({
        message: `${instruction} runs through ${sf.shell.join(" ")} without exec: ${stops.join(" and ")} ${stops.length > 1 ? "reach" : "reaches"} the shell, not the program, and the stop ends in SIGKILL`,
        fix,
        where,
        evidence: { actual: argv },
      });
    }
    const [first, ...rest] = findings;
    return first ? fail(first, ...rest) : pass(`${field} is a shell wrapper that execs its program and forwards its arguments`);
  },
});
