import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { Location } from "../engine/check.js";
import { UsageError } from "../errors.js";

// A Dockerfile reader just good enough to say which line set an image-config field: instructions with their lines,
// read the way BuildKit's parser (moby/buildkit frontend/dockerfile/parser) splits them. It does not expand
// variables or validate anything; a file BuildKit rejects may still read here.

export interface Instruction {
  /** Upper case, as BuildKit matches keywords case-insensitively: `from` and `FROM` are the same instruction. */
  keyword: string;
  /** What follows the keyword, continuation lines joined as BuildKit joins them (escape and newline removed, comment lines dropped). */
  args: string;
  /** 1-based first line. */
  line: number;
  /** 1-based last line, continuation lines and heredoc bodies included. */
  endLine: number;
  /** Index into `stages`; -1 for an ARG before the first FROM. */
  stage: number;
}

export interface Stage {
  /** The image or earlier stage it starts from, as written (variables not expanded). */
  base: string;
  /** The name after AS, lower-cased (BuildKit compares stage names case-insensitively). */
  name?: string;
  from: Instruction;
}

export interface Dockerfile {
  escape: "\\" | "`";
  instructions: Instruction[];
  stages: Stage[];
}

export interface LookupOptions {
  /** The stage `docker build --target` built; absent, the last stage. */
  target?: string;
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(["syntax", "escape", "check"]);
// Only these take heredocs (BuildKit's heredocDirectives); `RUN cat <<EOF` reads lines up to EOF as the body.
const HEREDOC_KEYWORDS = new Set(["RUN", "COPY", "ADD"]);
const HEREDOC = /^\d*<<(-?)(["']?)([^"'\s<>|&;()]+)\2/;

/**
 * Parser directives sit at the very top: the first line that is not one (an unknown directive, any other comment,
 * a blank line, an instruction) ends them. Only `# escape=` changes how the rest is read.
 */
function escapeOf(lines: readonly string[]): "\\" | "`" {
  let escape: "\\" | "`" = "\\";
  for (const line of lines) {
    const m = DIRECTIVE.exec(line);
    if (!m || !KNOWN_DIRECTIVES.has(m[1]!.toLowerCase())) break;
    if (m[1]!.toLowerCase() === "escape" && (m[2] === "`" || m[2] === "\\")) escape = m[2];
  }
  return escape;
}

const isBlankOrComment = (line: string) => {
  const t = line.trimStart();
  return t === "" || t.startsWith("#");
};

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const escape = escapeOf(lines);
  const continuation = new RegExp(`${escape === "\\" ? "\\\\" : "`"}[ \\t]*$`);
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  let n = 0;
  while (n < lines.length) {
    if (isBlankOrComment(lines[n]!)) {
      n++;
      continue;
    }
    const start = n;
    let end = n;
    let logical = "";
    let current = lines[n]!.trimStart();
    for (;;) {
      const m = continuation.exec(current);
      if (!m) {
        logical += current;
        break;
      }
      logical += current.slice(0, m.index);
      // Comment lines and blank lines inside a continuation are dropped, not ends of the instruction.
      n++;
      while (n < lines.length && isBlankOrComment(lines[n]!)) n++;
      if (n >= lines.length) break;
      current = lines[n]!;
      end = n;
    }
    n++;
    const km = /^(\S+)\s*([\s\S]*)$/.exec(logical)!;
    const keyword = km[1]!.toUpperCase();
    const args = km[2]!.trimEnd();
    if (HEREDOC_KEYWORDS.has(keyword)) {
      for (const doc of heredocs(args)) {
        while (n < lines.length) {
          const body = lines[n]!;
          end = n++;
          if ((doc.stripTabs ? body.replace(/^\t+/, "") : body) === doc.word) break;
        }
      }
    }
    const instruction: Instruction = { keyword, args, line: start + 1, endLine: end + 1, stage: stages.length - 1 };
    if (keyword === "FROM") {
      instruction.stage = stages.length;
      const words = args.split(/\s+/).filter((w) => w !== "" && !w.startsWith("--"));
      stages.push({ base: words[0] ?? "", ...(words[1]?.toLowerCase() === "as" && words[2] ? { name: words[2].toLowerCase() } : {}), from: instruction });
    }
    instructions.push(instruction);
  }
  return { escape, instructions, stages };
}

function heredocs(args: string): Array<{ word: string; stripTabs: boolean }> {
  const out: Array<{ word: string; stripTabs: boolean }> = [];
  for (const w of args.split(/\s+/)) {
    const m = HEREDOC.exec(w);
    if (m) out.push({ word: m[3]!, stripTabs: m[1] === "-" });
  }
  return out;
}

interface Word {
  /** As written. */
  raw: string;
  /** Quotes removed, escapes applied. */
  text: string;
}

/** Splits at unquoted whitespace, as BuildKit's parseWords does for ENV and LABEL. */
function words(args: string, escape: string): Word[] {
  const out: Word[] = [];
  let raw = "";
  let text = "";
  let quote: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (quote === null && /\s/.test(c)) {
      if (raw !== "") out.push({ raw, text });
      raw = text = "";
      continue;
    }
    raw += c;
    if (c === escape && quote !== "'" && i + 1 < args.length) {
      raw += args[++i]!;
      text += args[i]!;
    } else if (quote === null && (c === '"' || c === "'")) {
      quote = c;
    } else if (c === quote) {
      quote = null;
    } else {
      text += c;
    }
  }
  if (raw !== "") out.push({ raw, text });
  return out;
}

/** The keys an ENV or LABEL sets: `KEY=value ...`, or the legacy `KEY value with spaces` (one key). */
export function keysOf(instruction: Pick<Instruction, "args">, escape: "\\" | "`" = "\\"): string[] {
  const ws = words(instruction.args, escape);
  if (ws.length === 0) return [];
  if (!ws[0]!.raw.includes("=")) return [ws[0]!.text];
  return ws.filter((w) => w.text.includes("=")).map((w) => w.text.slice(0, w.text.indexOf("=")));
}

interface Field {
  keyword: string;
  /** Env name, label key, port or volume path: `Config.Env["NAME"]`, `Config.Env[NAME]`, `Config.Env.NAME`. */
  key?: string;
}

const FIELD_KEYWORDS: Record<string, string> = {
  entrypoint: "ENTRYPOINT",
  cmd: "CMD",
  user: "USER",
  workingdir: "WORKDIR",
  env: "ENV",
  labels: "LABEL",
  exposedports: "EXPOSE",
  volumes: "VOLUME",
  stopsignal: "STOPSIGNAL",
  healthcheck: "HEALTHCHECK",
  shell: "SHELL",
  onbuild: "ONBUILD",
  // The platform is the base image's (or FROM --platform's): the fix goes on the FROM line.
  architecture: "FROM",
  os: "FROM",
  variant: "FROM",
};

function fieldOf(field: string): Field | undefined {
  const m = /^(?:Config\.)?([A-Za-z]+)(?:\[(.*)\]|\.(.+))?$/s.exec(field);
  const keyword = m ? FIELD_KEYWORDS[m[1]!.toLowerCase()] : undefined;
  if (!m || !keyword) return undefined;
  let key = m[2] ?? m[3];
  if (m[2] !== undefined && /^(["']).*\1$/s.test(m[2])) {
    try {
      key = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2].slice(1, -1);
    } catch {
      key = m[2].slice(1, -1);
    }
  }
  return key === undefined || key === "" ? { keyword } : { keyword, key };
}

const normalizePath = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);

function portMatches(word: string, key: string): boolean {
  const [port = "", proto = "tcp"] = key.toLowerCase().split("/");
  const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(word.toLowerCase());
  if (!m || (m[3] ?? "tcp") !== proto) return false;
  const n = Number(port);
  return n >= Number(m[1]) && n <= Number(m[2] ?? m[1]);
}

function sets(instruction: Instruction, field: Field, escape: "\\" | "`"): boolean {
  if (instruction.keyword !== field.keyword) return false;
  if (field.key === undefined) return true;
  switch (field.keyword) {
    case "ENV":
    case "LABEL":
      return keysOf(instruction, escape).includes(field.key);
    case "EXPOSE":
      return words(instruction.args, escape).some((w) => portMatches(w.text, field.key!));
    case "VOLUME": {
      let paths: string[];
      try {
        paths = instruction.args.startsWith("[") ? (JSON.parse(instruction.args) as string[]) : words(instruction.args, escape).map((w) => w.text);
      } catch {
        paths = words(instruction.args, escape).map((w) => w.text);
      }
      return paths.some((p) => normalizePath(p) === normalizePath(field.key!));
    }
    default:
      return true;
  }
}

/** The stage an image was built from, then the stages it builds on (`FROM base` naming an earlier stage), nearest first. */
function stageChain(df: Dockerfile, target?: string): Stage[] {
  let index = target === undefined ? df.stages.length - 1 : df.stages.findIndex((s) => s.name === target.toLowerCase());
  const chain: Stage[] = [];
  while (index >= 0 && !chain.includes(df.stages[index]!)) {
    const stage = df.stages[index]!;
    chain.push(stage);
    const base = stage.base.toLowerCase();
    const named = df.stages.findIndex((s, i) => i < index && s.name === base);
    index = named >= 0 ? named : /^\d+$/.test(base) && Number(base) < index ? Number(base) : -1;
  }
  return chain;
}

/**
 * The instruction that set a config field in the image built from this Dockerfile: the last one in the final stage
 * (or the stage it builds on) that sets it, e.g. `ENV KEY=...` for `Config.Env["KEY"]`, or the FROM for
 * `Architecture`. Undefined for other locations, fields no instruction sets, and values the base image supplies.
 */
export function instructionFor(df: Dockerfile, location: Location, options: LookupOptions = {}): Instruction | undefined {
  if (location.kind !== "config") return undefined;
  const field = fieldOf(location.field);
  if (!field) return undefined;
  const chain = stageChain(df, options.target);
  if (field.keyword === "FROM") return chain.at(-1)?.from;
  for (const stage of chain) {
    const index = df.stages.indexOf(stage);
    const found = df.instructions.findLast((i) => i.stage === index && sets(i, field, df.escape));
    if (found) return found;
  }
  return undefined;
}

/** The 1-based line of instructionFor(), or undefined. */
export function lineFor(df: Dockerfile, location: Location, options: LookupOptions = {}): number | undefined {
  return instructionFor(df, location, options)?.line;
}

/** The FROM that names the image's base (following `FROM <earlier stage>`): where a value no instruction sets comes from. */
export function baseFrom(df: Dockerfile, options: LookupOptions = {}): Instruction | undefined {
  return stageChain(df, options.target).at(-1)?.from;
}

export interface DockerfileSource {
  /**
   * The file's path relative to the repository root, with `/` separators and not percent-encoded: what GitHub
   * annotations take as `file=`, and what renderSarif() encodes into an artifactLocation.uri.
   */
  uri: string;
  text: string;
  parsed: Dockerfile;
  lineFor(location: Location): number | undefined;
}

/**
 * The repository root a path resolves against in GitHub: the nearest directory above the file holding `.git` (a
 * directory, or a file in worktrees and submodules), else $GITHUB_WORKSPACE, else the working directory.
 */
function repositoryRoot(file: string, env: NodeJS.ProcessEnv, cwd: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, ".git"))) return dir;
    if (dirname(dir) === dir) break;
  }
  return env.GITHUB_WORKSPACE ? resolve(env.GITHUB_WORKSPACE) : cwd;
}

export interface ReadDockerfileOptions extends LookupOptions {
  /** The repository root `uri` is relative to; absent, found as repositoryRoot() says. */
  root?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Reads the Dockerfile given with --dockerfile, for the renderers that point into it (SARIF, GitHub annotations). */
export function readDockerfile(path: string, options: ReadDockerfileOptions = {}): DockerfileSource {
  const cwd = options.cwd ?? process.cwd();
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read the Dockerfile ${path}: ${(e as Error).message}`, "give the Dockerfile the image was built from, or leave out --dockerfile");
  }
  const root = options.root !== undefined ? resolve(cwd, options.root) : repositoryRoot(file, options.env ?? process.env, cwd);
  const inside = (base: string) => {
    const rel = relative(base, file);
    return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : undefined;
  };
  // Outside the repository no path resolves in GitHub; one relative to here, or the bare name, is the best left.
  const uri = (inside(root) ?? inside(cwd) ?? basename(file)).split(sep).join("/");
  const parsed = parseDockerfile(text);
  const lookup: LookupOptions = options.target !== undefined ? { target: options.target } : {};
  return { uri, text, parsed, lineFor: (location) => lineFor(parsed, location, lookup) };
}
