/**
 * Secrets and credential files in the image's layers (issue 6). The layer reader calls `open` for every regular file
 * of every layer, including files a later layer deletes: those still ship, since trivy keeps them too (peers.md §4,
 * trivy#2194). Token rules follow trivy's built-in secret rules and the value patterns of secrets.ts; the credential
 * files are the ones DLC's check_credentials.sh looks for on ML images (peers.md §6a step 2, §12.8). What is skipped
 * follows trivy's skip lists and allow rules (peers.md §4), narrowed where trivy hides real findings (trivy#3801).
 */
import { posix } from "node:path";
import { SECRET_RULES, VALUE_PATTERNS, mask } from "./secrets.js";

export interface SecretHit {
  ruleId: string;
  title: string;
  path: string;
  /** 1-based. */
  line: number;
  /** Enough to recognise the value again, never the value itself. */
  masked: string;
  /** What to do about it, where the rule has more to say than its title. */
  note?: string;
}

export interface SecretSink {
  /** "enough" when nothing more of this file is wanted; further chunks are ignored. */
  write(chunk: Buffer): void | "enough";
  end(): SecretHit[];
}

export interface SecretFileScanner {
  /** A sink for the file at `path` (absolute inside the image), or undefined when it is not worth reading. */
  open(path: string, size: number): SecretSink | undefined;
}

export interface AllowRule {
  id: string;
  description: string;
  path: RegExp;
}

export interface SecretFileScannerOptions {
  /** Files declared larger are skipped, unless their path names a credential file. */
  maxFileSize?: number;
  maxHitsPerFile?: number;
  /** Paths whose findings are not reported; BUILTIN_ALLOW_RULES by default. */
  allowRules?: readonly AllowRule[];
}

export const MAX_FILE_SIZE = 10 * 1024 * 1024;
export const MAX_HITS_PER_FILE = 20;
/** A credential file is parsed on its first MiB, and scanned for tokens up to this many bytes whatever its size. */
const CREDENTIAL_PARSE_BYTES = 1024 * 1024;
const CREDENTIAL_SCAN_BYTES = 64 * 1024 * 1024;
/** Chunks are gathered to this size before a scan, so that small chunks do not each pay the fixed cost. */
const WINDOW = 64 * 1024;
/** Kept from one window into the next; longer than any match (a private key's header lines, up to about 360). */
const OVERLAP = 512;

export const BUILTIN_ALLOW_RULES: readonly AllowRule[] = [
  // trivy allows any path where a component starts with "test", which hides /home/tester/ and /opt/testbed/ (trivy#3801).
  { id: "tests", description: "Test directories and test files", path: /(?<!^\/home)\/(?:tests?|testing|testdata|test_data|__tests__|fixtures?)\/|\/(?:test_[^/]*|[^/]*_test)\.py$|\.(?:test|spec)\.[cm]?[jt]sx?$/ },
  { id: "examples", description: "Example and sample files", path: /\/(?:examples?|samples?)\/|\.(?:example|sample)(?:\.[^/]*)?$/ },
  { id: "docs", description: "Documentation", path: /\.(?:md|markdown|rst)$/ },
  { id: "usr-dirs", description: "System directories (trivy)", path: /^\/usr\/(?:share|include|lib)\// },
  // trivy names /usr/local/lib/pythonX.Y/; conda and venvs put the same site-packages under /opt, which ML images use.
  { id: "python", description: "Python libraries and their metadata", path: /\/lib\/python\d[\d.]*\/|\.dist-info\// },
  { id: "vendor", description: "Vendored code (trivy)", path: /\/vendor\// },
];

// trivy's default skip list (peers.md §4), plus compiled code, archives, model weights and media of ML images.
const SKIP_EXTENSIONS = new Set(
  ("jpg jpeg png gif bmp ico tif tiff webp svg doc pdf bin socket deb rpm apk zip gz gzip tgz bz2 xz zst lz4 7z tar " +
    "pyc pyo pyd so a o ko dll exe dylib lib whl egg jar war class mo ttf otf woff woff2 eot mp3 mp4 wav flac ogg avi " +
    "mov mkv webm npy npz pt pth safetensors onnx pb h5 hdf5 ckpt gguf ggml tflite parquet arrow feather cubin fatbin")
    .split(" "),
);
const SKIP_NAMES = new Set(["go.mod", "go.sum", "package-lock.json", "yarn.lock", "Pipfile.lock", "Gemfile.lock", "poetry.lock", "pnpm-lock.yaml", "Cargo.lock", "uv.lock", "composer.lock"]);

export type CredentialKind = "aws" | "netrc" | "docker" | "pip" | "conda" | "git-credentials" | "git-config" | "npmrc" | "pypirc" | "hf-token";

export function credentialKind(path: string): CredentialKind | undefined {
  const base = posix.basename(path);
  if (/\/\.aws\/(?:credentials|config)$/.test(path)) return "aws";
  if (base === ".netrc" || base === "_netrc") return "netrc";
  if (path.endsWith("/.docker/config.json")) return "docker";
  if (base === "pip.conf" || base === "pip.ini") return "pip";
  if (base === ".condarc" || base === "condarc" || /\/\.?condarc\.d\/[^/]+\.ya?ml$/.test(path)) return "conda";
  if (base === ".git-credentials" || path.endsWith("/.config/git/credentials")) return "git-credentials";
  if (base === ".gitconfig" || path === "/etc/gitconfig" || /\/(?:\.git|\.config\/git)\/config$/.test(path)) return "git-config";
  if (base === ".npmrc" || base === "npmrc") return "npmrc";
  if (base === ".pypirc") return "pypirc";
  if (/\/(?:\.cache\/huggingface|\.huggingface)\/(?:token|stored_tokens)$/.test(path)) return "hf-token";
  return undefined;
}

/** Why the file is not read, or undefined when it is. */
export function skipReason(path: string, size: number, opts: SecretFileScannerOptions = {}): string | undefined {
  const p = normalize(path);
  if (size <= 0) return "empty";
  if (p.includes("/node_modules/")) return "node_modules (trivy's skip dirs)";
  const allow = (opts.allowRules ?? BUILTIN_ALLOW_RULES).find((r) => r.path.test(p));
  if (allow) return `allow rule ${allow.id}`;
  if (credentialKind(p)) return undefined;
  if (p.includes("/.git/")) return ".git (trivy's skip dirs)";
  const base = posix.basename(p);
  if (SKIP_NAMES.has(base)) return "lock file (trivy's skip files)";
  const dot = base.lastIndexOf(".");
  if (dot > 0 && SKIP_EXTENSIONS.has(base.slice(dot + 1).toLowerCase())) return `.${base.slice(dot + 1)} file`;
  if (/\.so(?:\.\d+)+$/.test(base)) return "shared library";
  if (size > (opts.maxFileSize ?? MAX_FILE_SIZE)) return `over ${opts.maxFileSize ?? MAX_FILE_SIZE} bytes`;
  return undefined;
}

function normalize(path: string): string {
  return path.startsWith("/") ? path : `/${path.replace(/^\.\//, "")}`;
}

const titleOf = (id: string) => SECRET_RULES.find((r) => r.id === id)?.title ?? id;

interface TokenRule {
  id: string;
  title: string;
  /** Where the match may start, given the keyword's position; -1 for none. */
  start(w: string, at: number): number;
  re: RegExp;
  value(m: RegExpExecArray): string;
  masked(value: string): string;
}

const sticky = (source: string, flags = "") => new RegExp(source, `y${flags}`);

const AWS_ID: TokenRule = {
  id: "aws-access-key-id",
  title: titleOf("aws-access-key-id"),
  start: (_w, at) => at,
  re: sticky(`(?<![A-Z0-9])(?:${VALUE_PATTERNS.awsAccessKeyId.source})(?![A-Z0-9])`),
  value: (m) => m[0],
  masked: mask,
};
// trivy's aws-secret-access-key: 40 base64 characters after a secret_access_key key, in any of the usual syntaxes
// (INI, shell, YAML, JSON, Python); "secret" sits right before the keyword "_access_key" or "AccessKey".
const AWS_SECRET: TokenRule = {
  id: "aws-secret-access-key",
  title: titleOf("aws-secret-access-key"),
  start: (_w, at) => (at >= 6 ? at - 6 : -1),
  re: sticky(`secret_?access_?key["']?(?:\\s{0,8}(?:=>|[:=])\\s{0,8}|\\s{1,8})["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`, "i"),
  value: (m) => m[1]!,
  masked: mask,
};
const HF: TokenRule = {
  id: "hugging-face-access-token",
  title: titleOf("hugging-face-access-token"),
  start: (_w, at) => at,
  re: sticky(`(?<![A-Za-z0-9_])(?:${VALUE_PATTERNS.huggingFaceToken.source})(?![A-Za-z0-9])`),
  value: (m) => m[0],
  masked: mask,
};
const GITHUB: TokenRule = {
  id: "github-token",
  title: titleOf("github-token"),
  start: (_w, at) => at,
  re: sticky(VALUE_PATTERNS.githubToken.source),
  value: (m) => m[0],
  masked: mask,
};
const PRIVATE_KEY: TokenRule = {
  id: "private-key",
  title: titleOf("private-key"),
  start(w, at) {
    // Searched in a slice: lastIndexOf on the window would walk back to its start at every "PRIVATE KEY" with no header.
    const from = Math.max(0, at - 80);
    const begin = w.slice(from, at).lastIndexOf("-----BEGIN");
    return begin < 0 ? -1 : from + begin;
  },
  // As trivy's private-key rule, the key's body must follow: a header alone is code that writes or parses keys.
  // Encrypted PEM (Proc-Type, DEK-Info) and PGP armour put header lines or a blank line before it.
  re: sticky(`${VALUE_PATTERNS.privateKey.source}[ \\t]*\\r?\\n(?:[\\w-]+: [^\\n]{0,80}\\n|[ \\t]*\\r?\\n){0,3}[A-Za-z0-9+/=]{16}`),
  value: (m) => m[0],
  // The header names the kind of key and is not secret; the key's bytes are never quoted.
  masked: (match) => /^-----BEGIN (.*?)-----/.exec(match)![1]!,
};

// One regex over the window as a latin1 string finds every rule's keywords at about 1 GB/s on text, where one
// Buffer.indexOf pass per keyword (20 of them) managed 250-370 MB/s; the rule's own regex then runs, sticky, at each hit.
const KEYWORDS = /A(?:[KS]IA|GPA|IDA|ROA|IPA|N[PV]A|3T)|_access_key|_ACCESS_KEY|AccessKey|hf_|gh[pousr]_|github_pat_|PRIVATE KEY/g;

function ruleFor(keyword: string): TokenRule {
  switch (keyword[0]) {
    case "A":
      return keyword === "AccessKey" ? AWS_SECRET : AWS_ID;
    case "_":
      return AWS_SECRET;
    case "h":
      return HF;
    case "g":
      return GITHUB;
    default:
      return PRIVATE_KEY;
  }
}

/** AWS documents its examples with EXAMPLE in them (AKIAIOSFODNN7EXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY). */
const isExample = (ruleId: string, value: string) => ruleId.startsWith("aws-") && value.includes("EXAMPLE");

/** hf_xxxx…, AKIAXXXX…: a generated token has far more than five distinct characters. */
function isPlaceholderToken(ruleId: string, value: string): boolean {
  const body = value.replace(/^(?:hf_|gh[pousr]_|github_pat_|A3T.|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)/, "");
  return isExample(ruleId, value) || new Set(body).size < 6;
}

/** A value in a credential file that stands for a secret held elsewhere, or for none. */
function isReference(value: string): boolean {
  return value === "" || /^\$|\$\{|^%\w+%$|^<.*>$/.test(value) || new Set(value).size <= 2;
}

// trivy's binary test on the first 300 bytes (the control characters that file(1) does not allow in text).
function looksBinary(w: string): boolean {
  const n = Math.min(w.length, 300);
  for (let i = 0; i < n; i++) {
    const c = w.charCodeAt(i);
    if (c < 7 || c === 11 || (c > 13 && c < 27) || (c > 27 && c < 32) || c === 127) return true;
  }
  return false;
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf("\n", from); i !== -1 && i < to; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/** A secret the parse of a credential file found, before it becomes a hit. */
interface FileFind {
  ruleId: string;
  line: number;
  value: string;
  note?: string;
}

class FileSink implements SecretSink {
  private readonly hits: SecretHit[] = [];
  private readonly seenKeys = new Set<string>();
  private pending: string[] = [];
  private pendingBytes = 0;
  private tail = "";
  /** Newlines before the start of the next window (its overlap included). */
  private linesBefore = 0;
  private received = 0;
  private first = true;
  private scanning = true;
  private credential: Buffer[] = [];
  private credentialBytes = 0;
  private readonly keyRule: { id: string; note?: string } | undefined;

  constructor(
    private readonly path: string,
    private readonly kind: CredentialKind | undefined,
    private readonly scanLimit: number,
    private readonly maxHits: number,
  ) {
    this.keyRule = privateKeyRule(path);
  }

  write(chunk: Buffer): void | "enough" {
    if (this.kind && this.credentialBytes < CREDENTIAL_PARSE_BYTES) {
      // Copied: the reader may reuse its buffer once write returns.
      const part = Buffer.from(chunk.subarray(0, CREDENTIAL_PARSE_BYTES - this.credentialBytes));
      this.credential.push(part);
      this.credentialBytes += part.length;
    }
    if (this.scanning) {
      const room = this.scanLimit - this.received;
      const take = chunk.length <= room ? chunk : chunk.subarray(0, Math.max(0, room));
      this.received += take.length;
      // Large chunks are cut to windows too: a regex over a 1 MiB string ran at a quarter of its speed over 64 KiB ones.
      for (let at = 0; at < take.length && this.scanning; ) {
        const piece = take.subarray(at, at + WINDOW - this.pendingBytes);
        at += piece.length;
        this.pending.push(piece.toString("latin1"));
        this.pendingBytes += piece.length;
        if (this.pendingBytes >= WINDOW) this.flush(false);
      }
      if (take.length < chunk.length && this.scanning) this.flush(true);
    }
    return this.scanning || (this.kind && this.credentialBytes < CREDENTIAL_PARSE_BYTES) ? undefined : "enough";
  }

  end(): SecretHit[] {
    if (this.scanning) this.flush(true);
    if (this.kind && this.hits.length < this.maxHits) {
      const text = Buffer.concat(this.credential).toString("utf8");
      const lines = new Set(this.hits.map((h) => h.line));
      // A token rule that fired on the same line said it more precisely.
      for (const f of PARSERS[this.kind](text)) {
        if (lines.has(f.line) || isReference(f.value) || isExample(f.ruleId, f.value)) continue;
        this.add(f.ruleId, f.line, f.value, mask(f.value), f.note);
      }
    }
    this.credential = [];
    return this.hits.sort((a, b) => a.line - b.line);
  }

  private flush(final: boolean): void {
    const w = this.tail + this.pending.join("");
    const overlap = this.tail.length;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.first) {
      this.first = false;
      if (looksBinary(w)) {
        this.scanning = false;
        return;
      }
    }
    this.scan(w, overlap, final);
    if (final) this.scanning = false;
    if (!this.scanning) return;
    const keep = Math.min(OVERLAP, w.length);
    this.linesBefore += countNewlines(w, 0, w.length - keep);
    this.tail = w.slice(w.length - keep);
  }

  /**
   * A match is this window's when it ends in the new bytes; one that reaches the window's end waits for the next
   * window, which may extend it (hf_ tokens are 34 to 40 characters) and sees what follows it.
   */
  private scan(w: string, overlap: number, final: boolean): void {
    // Lines are counted from the previous match on, so a window full of repeats costs one pass, not one per match.
    let at = 0;
    let line = this.linesBefore + 1;
    KEYWORDS.lastIndex = 0;
    for (let k = KEYWORDS.exec(w); k; k = KEYWORDS.exec(w)) {
      const rule = ruleFor(k[0]);
      const start = rule.start(w, k.index);
      if (start < 0) continue;
      rule.re.lastIndex = start;
      const m = rule.re.exec(w);
      if (!m) continue;
      const end = start + m[0].length;
      if (end < overlap || (!final && end >= w.length)) continue;
      const value = rule.value(m);
      if (rule !== PRIVATE_KEY && isPlaceholderToken(rule.id, value)) continue;
      line += start >= at ? countNewlines(w, at, start) : -countNewlines(w, start, at);
      at = start;
      if (rule === PRIVATE_KEY) this.add(this.keyRule?.id ?? rule.id, line, `${line}`, rule.masked(value), this.keyRule?.note);
      else this.add(rule.id, line, value, rule.masked(value), this.kind === "hf-token" ? HF_FILE_NOTE : undefined);
      if (this.hits.length >= this.maxHits) {
        this.scanning = false;
        return;
      }
    }
  }

  /**
   * Deduplicated on the value itself, held only while the file is read: two keys share a masked form whenever their
   * first four characters and length agree (every AKIA key id does).
   */
  private add(ruleId: string, line: number, value: string, masked: string, note?: string): void {
    const key = `${ruleId}\0${value}`;
    if (this.seenKeys.has(key) || this.hits.length >= this.maxHits) return;
    this.seenKeys.add(key);
    const hit: SecretHit = { ruleId, title: FILE_RULE_TITLES[ruleId] ?? titleOf(ruleId), path: this.path, line, masked };
    if (note) hit.note = note;
    this.hits.push(hit);
  }
}

const HF_FILE_NOTE = "the token file huggingface-cli login writes; pass HF_TOKEN at run time instead";

// Keys made when the image was built are the same in every container started from it, and public to whoever pulls it.
function privateKeyRule(path: string): { id: string; note: string } | undefined {
  if (/^\/etc\/ssh\/ssh_host_[a-z0-9]+_key$/.test(path))
    return { id: "ssh-host-key", note: "SSH host key: delete it in the Dockerfile and regenerate at start-up (ssh-keygen -A)" };
  if (/^\/etc\/(?:ssl|pki\/tls)\/private\//.test(path))
    return { id: "tls-private-key", note: "TLS server key baked into the image: generate it at start-up or mount it from a secret store" };
  return undefined;
}

const FILE_RULE_TITLES: Record<string, string> = {
  "ssh-host-key": "an SSH host private key",
  "tls-private-key": "a TLS private key",
  "netrc-password": "a password in a .netrc file",
  "docker-config-auth": "a registry credential in a Docker config.json",
  "pip-index-credentials": "a credential in a pip index URL",
  "conda-channel-credentials": "a credential in a conda channel URL",
  "git-credentials": "a credential in a .git-credentials file",
  "git-config-credentials": "a credential in a git config",
  "npmrc-auth-token": "an npm registry credential in .npmrc",
  "pypirc-password": "a PyPI password in .pypirc",
};

/** Every rule id a hit can carry, with its title. */
export const SECRET_FILE_RULES: ReadonlyArray<{ id: string; title: string }> = [
  ...[AWS_ID, AWS_SECRET, { id: "aws-session-token" }, HF, GITHUB, PRIVATE_KEY].map((r) => ({ id: r.id, title: titleOf(r.id) })),
  ...Object.entries(FILE_RULE_TITLES).map(([id, title]) => ({ id, title })),
];

const INI_LINE = /^\s*([^#;=:\s][^=:]*?)\s*[=:]\s*(.*?)\s*$/;
// .npmrc keys hold colons (//registry.npmjs.org/:_authToken), so only "=" separates there.
const NPMRC_LINE = /^\s*([^#;=\s][^=]*?)\s*=\s*(.*?)\s*$/;

/** `key = value` lines, comments dropped, quotes taken off the value. */
function* keyValues(text: string, syntax = INI_LINE): Generator<{ key: string; value: string; line: number }> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = syntax.exec(lines[i]!);
    if (m) yield { key: m[1]!, value: m[2]!.replace(/^(["'])(.*)\1$/, "$2"), line: i + 1 };
  }
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * user:password@ in URLs, URL-decoded; a bare user@ counts when it is long enough to be a token (PyPI mirrors such as
 * Gemfury take one), and anaconda.org's /t/<token>/ path form too.
 */
function urlCredentials(text: string, ruleId: string, pathTokens: boolean): FileFind[] {
  const out: FileFind[] = [];
  text.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(/[a-z][a-z0-9+.-]*:\/\/([^\s/?#@'"<>]+)@([^\s/?#:'"<>]+)/gi)) {
      const userinfo = m[1]!;
      const colon = userinfo.indexOf(":");
      const secret = decode(colon >= 0 ? userinfo.slice(colon + 1) : userinfo);
      if (secret === "" || (colon < 0 && secret.length < 16)) continue;
      out.push({ ruleId, line: i + 1, value: colon >= 0 ? decode(userinfo) : secret, note: `credentials for ${m[2]}` });
    }
    if (pathTokens)
      for (const m of line.matchAll(/:\/\/([^\s/]+)\/t\/([A-Za-z0-9][A-Za-z0-9-]{7,})\//g)) out.push({ ruleId, line: i + 1, value: m[2]!, note: `token for ${m[1]}` });
  });
  return out;
}

function lineOf(text: string, index: number): number {
  return index < 0 ? 1 : countNewlines(text, 0, index) + 1;
}

const PARSERS: Record<CredentialKind, (text: string) => FileFind[]> = {
  aws(text) {
    const ids: Record<string, string> = {
      aws_access_key_id: "aws-access-key-id",
      aws_secret_access_key: "aws-secret-access-key",
      aws_session_token: "aws-session-token",
      aws_security_token: "aws-session-token",
    };
    return [...keyValues(text)].flatMap(({ key, value, line }) => {
      const ruleId = ids[key.toLowerCase()];
      return ruleId ? [{ ruleId, line, value }] : [];
    });
  },
  netrc(text) {
    const out: FileFind[] = [];
    const tokens = [...text.matchAll(/\S+/g)];
    let machine = "default";
    for (let i = 0; i < tokens.length; i++) {
      const next = tokens[i + 1];
      switch (tokens[i]![0]) {
        case "default":
          machine = "default";
          break;
        case "machine":
          machine = next?.[0] ?? machine;
          i++;
          break;
        case "login":
        case "account":
          i++;
          break;
        case "password":
          if (next) out.push({ ruleId: "netrc-password", line: lineOf(text, next.index), value: next[0], note: `machine ${machine}` });
          i++;
          break;
        case "macdef": {
          // A macro's body runs to the next empty line and is not netrc syntax.
          const stop = text.indexOf("\n\n", tokens[i]!.index);
          while (i + 1 < tokens.length && (stop < 0 || tokens[i + 1]!.index < stop)) i++;
        }
      }
    }
    return out;
  },
  docker(text) {
    const out: FileFind[] = [];
    let auths: unknown;
    try {
      auths = (JSON.parse(text) as { auths?: unknown }).auths;
    } catch {
      // Not JSON (cut at the parse limit, or hand-edited): fall back to the fields' own syntax.
      for (const m of text.matchAll(/"(auth|identitytoken|registrytoken)"\s*:\s*"([^"]+)"/g))
        out.push({ ruleId: "docker-config-auth", line: lineOf(text, m.index), value: m[2]! });
      return out;
    }
    if (!auths || typeof auths !== "object") return out;
    // credsStore and credHelpers leave only {} per registry here: the secret is in the helper, outside the image.
    for (const [registry, entry] of Object.entries(auths as Record<string, unknown>)) {
      if (!entry || typeof entry !== "object") continue;
      for (const field of ["auth", "identitytoken", "registrytoken"]) {
        const value = (entry as Record<string, unknown>)[field];
        if (typeof value === "string" && value !== "")
          out.push({ ruleId: "docker-config-auth", line: lineOf(text, text.indexOf(JSON.stringify(value))), value, note: `registry ${registry}` });
      }
    }
    return out;
  },
  pip: (text) => urlCredentials(text, "pip-index-credentials", true),
  conda: (text) => urlCredentials(text, "conda-channel-credentials", true),
  "git-credentials": (text) => urlCredentials(text, "git-credentials", false),
  "git-config"(text) {
    const out = urlCredentials(text, "git-config-credentials", false);
    // actions/checkout leaves http.<url>.extraheader = AUTHORIZATION: basic <token> behind (DLC checks for it, §6a).
    for (const { key, value, line } of keyValues(text)) {
      const m = /^authorization:\s*\w+\s+(\S+)/i.exec(value);
      if (key.toLowerCase() === "extraheader" && m) out.push({ ruleId: "git-config-credentials", line, value: m[1]!, note: "http extraheader" });
    }
    return out;
  },
  npmrc(text) {
    return [...keyValues(text, NPMRC_LINE)].flatMap(({ key, value, line }) => {
      const m = /(?:^|:)(_authToken|_auth|_password)$/.exec(key);
      return m ? [{ ruleId: "npmrc-auth-token", line, value, note: key }] : [];
    });
  },
  pypirc(text) {
    return [...keyValues(text)].flatMap(({ key, value, line }) => (key.toLowerCase() === "password" ? [{ ruleId: "pypirc-password", line, value }] : []));
  },
  // The token itself is found by the hugging-face-access-token rule.
  "hf-token": () => [],
};

export function createSecretFileScanner(opts: SecretFileScannerOptions = {}): SecretFileScanner {
  const maxHits = opts.maxHitsPerFile ?? MAX_HITS_PER_FILE;
  const maxSize = opts.maxFileSize ?? MAX_FILE_SIZE;
  return {
    open(path, size) {
      if (skipReason(path, size, opts)) return undefined;
      const p = normalize(path);
      const kind = credentialKind(p);
      return new FileSink(p, kind, kind ? Math.max(CREDENTIAL_SCAN_BYTES, maxSize) : maxSize, maxHits);
    },
  };
}

/**
 * One line a person can act on. `layer.index` counts from 0 in the manifest's order and is shown from 1, so layer 1
 * is the bottom one.
 */
export function describeHit(hit: SecretHit, layer: { index: number; digest?: string }, deletedLater: boolean): string {
  const digest = layer.digest ? ` (${layer.digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, "$1…")})` : "";
  const fate = deletedLater ? " and deleted by a later layer, which still ships it" : "";
  return `${hit.title} (${hit.masked}) in ${hit.path} line ${hit.line}, added by layer ${layer.index + 1}${digest}${fate}: anyone who pulls the image can read it${hit.note ? `; ${hit.note}` : ""}`;
}
