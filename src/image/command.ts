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
  if (posix.basename(argv[0]!) === "busybox") first = 1; // ["/bin/busybox", "sh", "-c", ...]
  if (!SHELLS.has(posix.basename(argv[first] ?? ""))) return null;
  const flag = argv.findIndex((a, i) => i > first && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a));
  if (flag < 0) return null;
  const script = argv[flag + 1];
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
