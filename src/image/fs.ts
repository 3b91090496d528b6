import { posix } from "node:path";

export type FileKind = "file" | "dir" | "symlink" | "other";

export interface FileStat {
  path: string;
  kind: FileKind;
  /** Permission bits, 0o7777. */
  mode: number;
  size: number;
  /** For symlinks: the target as stored or as the Engine reports it (absolute or relative to the link's directory). */
  linkTarget?: string;
}

/** Read-only access to an image's merged filesystem. Every call is bounded by its implementation. */
export interface ImageFs {
  /** Like lstat(2): a symlink in the last component is not followed; symlinks in parent directories are. null when absent. */
  lstat(path: string): Promise<FileStat | null>;
  /** At most the first `maxBytes` bytes of a regular file. */
  readHead(path: string, maxBytes: number): Promise<Buffer>;
  /** Up to `limit` non-directory entries found below `dir`, depth first; `truncated` when there were more. */
  listFiles(dir: string, limit: number): Promise<{ files: FileStat[]; truncated: boolean }>;
}

/** Linux gives up after 40 symlinks in one lookup (MAXSYMLINKS); so does byoc-check. */
export const MAX_SYMLINK_HOPS = 40;

export type Resolved =
  | { found: true; stat: FileStat; chain: string[] }
  | { found: false; reason: "missing" | "loop"; chain: string[] };

/** Follows symlinks in the last path component until a non-link, like stat(2). */
export async function resolvePath(fs: ImageFs, path: string): Promise<Resolved> {
  const chain = [posix.normalize(path)];
  for (let hops = 0; hops <= MAX_SYMLINK_HOPS; hops++) {
    const current = chain[chain.length - 1]!;
    const st = await fs.lstat(current);
    if (!st) return { found: false, reason: "missing", chain };
    if (st.kind !== "symlink") return { found: true, stat: st, chain };
    // The Engine reports a target for every link it can evaluate; none means the evaluation looped.
    if (st.linkTarget === undefined) return { found: false, reason: "loop", chain };
    const target = st.linkTarget;
    // Resolution stays inside the image: ".." above / is / (chroot semantics, as Docker applies them).
    chain.push(posix.resolve(posix.dirname(current), target));
  }
  return { found: false, reason: "loop", chain };
}

export type CommandLookup =
  | { found: true; path: string; chain: string[] }
  | { found: false; tried: string[]; notExecutable: string[]; loops: string[] };

const isExecutable = (st: FileStat) => st.kind === "file" && (st.mode & 0o111) !== 0;

/**
 * Finds the program for argv[0] the way execvp(3) does inside the container: a name with a slash is a path
 * (relative to the working directory), a bare name is searched in PATH, in order; entries that exist but cannot be
 * executed are skipped.
 */
export async function lookupCommand(fs: ImageFs, name: string, pathVar: string, workingDir = "/"): Promise<CommandLookup> {
  const candidates = name.includes("/")
    ? [posix.resolve(workingDir, name)]
    : pathVar.split(":").map((dir) => posix.resolve(workingDir, dir || ".", name));
  const notExecutable: string[] = [];
  const loops: string[] = [];
  for (const candidate of candidates) {
    const r = await resolvePath(fs, candidate);
    if (r.found && isExecutable(r.stat)) return { found: true, path: candidate, chain: r.chain };
    if (r.found && r.stat.kind === "file") notExecutable.push(candidate);
    if (!r.found && r.reason === "loop") loops.push(candidate);
  }
  return { found: false, tried: candidates, notExecutable, loops };
}

export interface Shebang {
  interpreter: string;
  arg?: string;
}

export type ExecFormat = { kind: "elf" } | { kind: "script"; shebang: Shebang } | { kind: "unknown" };

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * What execve(2) makes of a file: an ELF binary, a `#!` script, or neither (ENOEXEC, which runc reports as
 * "exec format error": unlike a shell, it does not fall back to running the file with /bin/sh).
 */
export async function execFormat(fs: ImageFs, path: string): Promise<ExecFormat> {
  const head = await fs.readHead(path, 256);
  if (head.subarray(0, 4).equals(ELF_MAGIC)) return { kind: "elf" };
  if (head.length < 3 || head[0] !== 0x23 || head[1] !== 0x21) return { kind: "unknown" };
  const end = head.indexOf(0x0a);
  // Like the kernel, strip only spaces and tabs: a CR from Windows line endings stays part of the interpreter name.
  const line = head.subarray(2, end < 0 ? head.length : end).toString("utf8").replace(/^[ \t]+|[ \t]+$/g, "");
  if (line === "") return { kind: "unknown" };
  // Linux passes everything after the interpreter as one argument.
  const space = line.search(/[ \t]/);
  if (space < 0) return { kind: "script", shebang: { interpreter: line } };
  return { kind: "script", shebang: { interpreter: line.slice(0, space), arg: line.slice(space).replace(/^[ \t]+/, "") } };
}


export type ProgramResolution =
  | { ok: true; steps: string[] }
  | { ok: false; steps: string[]; problem: string };

const MAX_INTERPRETER_DEPTH = 4;

/**
 * Resolves argv[0] to a program that the kernel can start: the file itself, then, for scripts, the interpreter on
 * their `#!` line (and `/usr/bin/env NAME`'s NAME on PATH). `steps` reads as a trail for the report.
 */
export async function resolveProgram(fs: ImageFs, argv0: string, pathVar: string, workingDir = "/"): Promise<ProgramResolution> {
  const steps: string[] = [];
  let name = argv0;
  let searched = !argv0.includes("/");
  let relativeInterpreter: string | undefined;
  for (let depth = 0; depth < MAX_INTERPRETER_DEPTH; depth++) {
    const found = await lookupCommand(fs, name, pathVar, workingDir);
    if (!found.found && relativeInterpreter !== undefined && found.notExecutable.length === 0) {
      return { ok: false, steps, problem: `the #! interpreter "${relativeInterpreter}" is a relative path, which the kernel opens from the working directory (${workingDir}), and there is no ${name}` };
    }
    if (!found.found) {
      const where = searched ? `on PATH (${pathVar})` : "in the image";
      const why =
        found.notExecutable.length > 0
          ? `${found.notExecutable.join(", ")} exists but is not executable`
          : found.loops.length > 0
            ? `${found.loops.join(", ")} is a symlink loop`
            : `no executable "${name}" ${where}`;
      return { ok: false, steps, problem: why };
    }
    steps.push(found.chain.join(" -> "));
    const real = found.chain[found.chain.length - 1]!;
    const format = await execFormat(fs, real);
    if (format.kind === "elf") return { ok: true, steps };
    if (format.kind === "unknown") {
      return { ok: false, steps, problem: `${real} is neither an ELF binary nor a script starting with #!, so starting it fails with "exec format error"` };
    }
    const { shebang } = format;
    steps.push(`#!${shebang.interpreter}${shebang.arg ? ` ${shebang.arg}` : ""}`);
    if (/\r$/.test(shebang.arg ?? shebang.interpreter)) {
      return { ok: false, steps, problem: `the #! line of ${real} ends with a carriage return (Windows line endings), so the kernel looks for an interpreter named "${JSON.stringify(shebang.arg ?? shebang.interpreter).slice(1, -1)}"` };
    }
    if (posix.basename(shebang.interpreter) === "env" && shebang.arg) {
      // `#!/usr/bin/env python3`: env must exist, then python3 is looked up on PATH. env skips its own options
      // and NAME=VALUE assignments (`env -S PYTHONUNBUFFERED=1 python3 -u`).
      const env = await lookupCommand(fs, shebang.interpreter, pathVar, workingDir);
      if (!env.found) return { ok: false, steps, problem: `the interpreter ${shebang.interpreter} does not exist` };
      const program = shebang.arg.split(/\s+/).find((a) => !a.startsWith("-") && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(a));
      if (program === undefined) return { ok: true, steps };
      name = program;
      searched = !program.includes("/");
      relativeInterpreter = undefined;
    } else {
      // A relative interpreter is opened relative to the process's working directory, as any path would be.
      relativeInterpreter = shebang.interpreter.startsWith("/") ? undefined : shebang.interpreter;
      name = posix.resolve(workingDir, shebang.interpreter);
      searched = false;
    }
  }
  return { ok: false, steps, problem: "interpreters nest too deep" };
}
