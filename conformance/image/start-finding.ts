import { type FindingInput, type Outcome, fail, pass } from "../../src/engine/check.js";
import type { ImageConfig } from "../../src/image/config.js";
import { asExecForm } from "../../src/image/command.js";
import type { StartAnalysis } from "../../src/image/program.js";

/** Turns a start analysis into the outcome of a *-REACHABLE check; `how` names what SageMaker runs, e.g. "docker run IMAGE train". */
export function startOutcome(a: StartAnalysis, config: ImageConfig, how: string, argument: string | null): Outcome {
  const argvText = JSON.stringify(a.argv);
  const field = config.entrypoint ? "Config.Entrypoint" : "Config.Cmd";
  if (!a.problem) return pass(`${how} executes ${argvText}; ${a.steps.join("; ")}`);
  const p = a.problem;
  const base = { where: { kind: "config", field } as const, evidence: { actual: a.argv, notes: a.steps.length ? [`resolved: ${a.steps.join("; ")}`] : [] } };
  let finding: FindingInput;
  switch (p.kind) {
    case "no-command":
      finding = {
        ...base,
        message: `the image has neither ENTRYPOINT nor CMD, so ${how} has no command to run`,
        fix: 'Add ENTRYPOINT ["/path/to/your/program"] (exec form), or set ContainerEntrypoint on the job.',
      };
      break;
    case "argument-dropped":
      finding = {
        ...base,
        message: `the shell-form ENTRYPOINT (${p.shell.join(" ")}) receives "${argument}" as $0 and never passes it on`,
        fix: `Write ENTRYPOINT in exec form, ${asExecForm(p.script) ? `ENTRYPOINT ${JSON.stringify(asExecForm(p.script))}` : 'e.g. ENTRYPOINT ["python3", "/opt/program/entry.py"]'}, so "${argument}" arrives as its first argument.`,
      };
      break;
    case "program":
      if (config.entrypoint) {
        finding = {
          ...base,
          message: `the ENTRYPOINT program "${p.program}" cannot start: ${p.problem}`,
          fix: "Point ENTRYPOINT at a file that exists in the image and is executable (chmod +x), with an interpreter that is installed.",
        };
      } else if (argument) {
        finding = {
          ...base,
          where: { kind: "config", field: "Config.Env" },
          message: `without an ENTRYPOINT, ${how} runs "${argument}" from PATH, and it cannot start: ${p.problem}`,
          fix: `Install an executable named ${argument} in a PATH directory (e.g. /opt/program/${argument} with ENV PATH="/opt/program:$PATH", chmod +x, and a #! line naming an installed interpreter), or add an exec-form ENTRYPOINT that handles "${argument}".`,
        };
      } else {
        finding = {
          ...base,
          message: `the CMD program "${p.program}" cannot start: ${p.problem}`,
          fix: "Point CMD (or an exec-form ENTRYPOINT) at a file that exists in the image and is executable (chmod +x), with an interpreter that is installed.",
        };
      }
      break;
    case "script":
      finding = {
        ...base,
        where: { kind: "file", path: p.script },
        message: `${p.program} is asked to run ${p.script}, which ${p.reason}`,
        fix: `COPY the script to ${p.script}, or correct the path in ${field === "Config.Entrypoint" ? "ENTRYPOINT" : "CMD"}.`,
      };
      break;
  }
  return fail(finding);
}
