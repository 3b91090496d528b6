import { posix } from "node:path";
import { containerArgv, shellForm } from "./command.js";
import { type ImageConfig, searchPath } from "./config.js";
import { type ImageFs, resolvePath, resolveProgram } from "./fs.js";

const INTERPRETERS = /^(python[0-9.]*|sh|bash|dash|ash|node|nodejs|ruby|perl|Rscript)$/;
const SCRIPT_FILE = /\.(py|sh|js|mjs|cjs|rb|pl|R)$/;
const ARG_TAKING_FLAGS = new Set(["-c", "-m", "-W", "-X", "-e", "-r", "--require", "--eval"]);

export type StartProblem =
  | { kind: "no-command" }
  | { kind: "argument-dropped"; shell: string[]; script: string }
  | { kind: "program"; program: string; problem: string; steps: string[] }
  | { kind: "script"; program: string; script: string; reason: string };

export interface StartAnalysis {
  argv: string[];
  problem?: StartProblem;
  /** How argv[0] resolved, for the report. */
  steps: string[];
}

/** The script an interpreter is asked to run, when the command line names one, e.g. entry.py in `python3 -u entry.py`. */
function scriptArgument(argv: readonly string[]): string | undefined {
  if (!INTERPRETERS.test(posix.basename(argv[0] ?? ""))) return undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (ARG_TAKING_FLAGS.has(a)) return undefined; // -c code, -m module: no file to check
    if (a.startsWith("-")) continue;
    return a.includes("/") || SCRIPT_FILE.test(a) ? a : undefined;
  }
  return undefined;
}

/**
 * Works out, without running the image, whether `docker run IMAGE ...args` would start a program: which argv the
 * Engine executes, whether a shell-form ENTRYPOINT swallows the argument, and whether the program (and the script
 * an interpreter is told to run) exists and is executable.
 */
export async function analyseStart(fs: ImageFs, config: ImageConfig, args: readonly string[]): Promise<StartAnalysis> {
  const argv = containerArgv(config, args);
  if (argv.length === 0) return { argv, steps: [], problem: { kind: "no-command" } };
  const sf = shellForm(config.entrypoint);
  if (args.length > 0 && sf && !sf.usesArguments) return { argv, steps: [], problem: { kind: "argument-dropped", shell: sf.shell, script: sf.script } };

  const pathVar = searchPath(config);
  const resolved = await resolveProgram(fs, argv[0]!, pathVar, config.workingDir);
  if (!resolved.ok) return { argv, steps: resolved.steps, problem: { kind: "program", program: argv[0]!, problem: resolved.problem, steps: resolved.steps } };

  const script = sf ? undefined : scriptArgument(argv);
  if (script) {
    const path = posix.resolve(config.workingDir, script);
    const r = await resolvePath(fs, path);
    if (!r.found || r.stat.kind !== "file") {
      const reason = !r.found ? (r.reason === "loop" ? "is a symlink loop" : "does not exist") : `is a ${r.stat.kind}, not a file`;
      return { argv, steps: resolved.steps, problem: { kind: "script", program: argv[0]!, script: path, reason } };
    }
    resolved.steps.push(`${script} -> ${r.chain.join(" -> ")}`);
  }
  return { argv, steps: resolved.steps };
}
