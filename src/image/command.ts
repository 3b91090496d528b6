import { posix } from "node:path";
import type { ImageConfig } from "./config.js";

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"]);

export interface ShellForm {
  /** The shell and its flags, e.g. ["/bin/sh", "-c"]. */
  shell: string[];
  script: string;
  /** The script reads its arguments ($0, $1, $@, $*), so arguments Docker appends are not lost. */
  usesArguments: boolean;
  /** The script replaces the shell with its program (`exec prog`), so signals reach the program. */
  execs: boolean;
}

/**
 * Recognises `[shell, ..., "-c", script]` with nothing after the script: what Docker stores for the shell form
 * (`ENTRYPOINT python app.py` becomes ["/bin/sh", "-c", "python app.py"]), and hand-written equivalents.
 * Arguments appended by `docker run IMAGE train` land in $0 and are ignored unless the script reads them.
 */
export function shellForm(argv: readonly string[] | null): ShellForm | null {
  if (!argv || argv.length < 3) return null;
  let first = 0;
  // Launchers in front of the shell: ["/usr/bin/env", "VAR=1", "bash", "-c", ...], ["/bin/busybox", "sh", "-c", ...].
  if (posix.basename(argv[0]!) === "env") {
    first = 1;
    while (first < argv.length && (argv[first]!.startsWith("-") || /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[first]!))) first++;
  }
  if (posix.basename(argv[first] ?? "") === "busybox") first++;
  if (!SHELLS.has(posix.basename(argv[first] ?? ""))) return null;
  // The shell's options run up to its first operand; with -c among them, that operand is the script. A -c after
  // a script file belongs to the script (["/bin/bash", "/opt/run.sh", "-c", "conf.yaml"]).
  let operand = first + 1;
  const options: string[] = [];
  while (operand < argv.length && /^[-+]/.test(argv[operand]!) && argv[operand] !== "--") {
    const option = argv[operand++]!;
    options.push(option);
    if (/^[-+][oO]$/.test(option)) operand++; // -o pipefail, +O extglob: the option's own argument
  }
  if (argv[operand] === "--") operand++;
  if (!options.some((o) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(o))) return null;
  const flag = operand - 1;
  const script = argv[operand];
  if (script === undefined) return null;
  // Words after the script become $0, $1, ...; Docker appends `train` after them, so it arrives as $k for k
  // trailing words. "$@" and "$*" cover $1 onwards, never $0: the hand-written `sh -c 'exec prog "$@"' --` works,
  // the shell form (k = 0) does not unless the script reads $0.
  const k = argv.length - (flag + 2);
  const reads = k === 0 ? /\$\{?0(?!\d)/ : new RegExp(`\\$\\{?(?:@|\\*|${k}(?!\\d))`);
  return {
    shell: argv.slice(0, flag + 1),
    script,
    usesArguments: reads.test(script),
    execs: /(^|[;&|(]\s*|\n\s*)exec\s/.test(script),
  };
}

/**
 * The script rewritten so its last command replaces the shell (`exec`) and receives the container's arguments
 * ("$@", once): `cd /opt/program && python app.py` becomes `cd /opt/program && exec python app.py "$@"`.
 */
export function execWrapped(script: string): string {
  const m = /^([\s\S]*(?:&&|;|\n))\s*([\s\S]*)$/.exec(script.trim());
  const [head, last] = m ? [m[1]!, m[2]!.trim()] : ["", script.trim()];
  const execd = /^exec\s/.test(last) ? last : `exec ${last}`;
  const forwarded = /\$\{?[@*]/.test(execd) ? execd : `${execd} "$@"`;
  return head ? `${head.trimEnd()} ${forwarded}` : forwarded;
}

/** Whether a shell script is a plain command line that can be written as an exec-form array as it stands. */
export function asExecForm(script: string): string[] | null {
  const words = script.trim().replace(/^exec\s+/, "").split(/\s+/);
  return words.every((w) => /^[A-Za-z0-9_./=:,+@%-]+$/.test(w)) ? words : null;
}

/**
 * The argv Docker executes for `docker run IMAGE ...args`: an ENTRYPOINT gets the args (or CMD when there are
 * none) appended; without one, the args (or CMD) are the command.
 */
export function containerArgv(config: ImageConfig, args: readonly string[]): string[] {
  const tail = args.length > 0 ? [...args] : [...(config.cmd ?? [])];
  return config.entrypoint ? [...config.entrypoint, ...tail] : tail;
}
