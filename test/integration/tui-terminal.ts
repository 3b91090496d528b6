import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether tmux can be run here (Debian: apt-get install tmux). */
export function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface TerminalOptions {
  columns?: number;
  rows?: number;
  cwd?: string;
  /** Added to the environment of the command (tmux new-session -e). */
  env?: Record<string, string>;
  /** Shell redirection of the command's stdin, e.g. "/dev/null" to give it no terminal to read. */
  stdinFrom?: string;
  /** Files written into the terminal's scratch directory (the command's cwd, unless `cwd` says otherwise) before it starts. */
  files?: Record<string, string>;
}

export interface WaitOptions {
  /** How long to poll before failing; a bound on failure, never a pause. */
  timeoutMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A real terminal for one command: a detached tmux session on a socket of its own, read with capture-pane and typed
 * into with send-keys. The pane stays after the command exits, so that what it left on screen can still be read.
 */
export class TmuxTerminal {
  readonly dir: string;
  private readonly socket: string;
  private readonly target = "tui";
  private socketPath = "";
  private killed = false;

  private constructor(socket: string, dir: string) {
    this.socket = socket;
    this.dir = dir;
  }

  static start(argv: string[], o: TerminalOptions = {}): TmuxTerminal {
    const dir = mkdtempSync(join(tmpdir(), "tui-test-byoc-check-"));
    const socket = `byoc-check-tui-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const t = new TmuxTerminal(socket, dir);
    for (const [name, content] of Object.entries(o.files ?? {})) writeFileSync(join(dir, name), content);
    const exitFile = join(dir, "exit-code");
    const stdin = o.stdinFrom ? ` < ${quote(o.stdinFrom)}` : "";
    const shell = `${argv.map(quote).join(" ")}${stdin}; echo $? > ${quote(`${exitFile}.tmp`)} && mv ${quote(`${exitFile}.tmp`)} ${quote(exitFile)}`;
    const env = Object.entries(o.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    // -f /dev/null: none of the user's tmux.conf. remain-on-exit and the copy of the output are set up in the same
    // tmux invocation as the session, before the command can end.
    try {
      t.tmux(
        ["-f", "/dev/null", "new-session", "-d", "-s", t.target, "-x", String(o.columns ?? 100), "-y", String(o.rows ?? 30), ...env, "-c", o.cwd ?? dir, shell],
        ["set-option", "-t", t.target, "remain-on-exit", "on"],
        ["pipe-pane", "-t", t.target, "-o", `cat >> ${quote(join(dir, "output"))}`],
      );
      t.socketPath = t.tmux(["display-message", "-p", "#{socket_path}"]).trim();
    } catch (e) {
      t.kill();
      throw e;
    }
    return t;
  }

  /** Runs tmux on this terminal's socket; several commands are chained with tmux's `;`. */
  tmux(...commands: string[][]): string {
    const args = commands.flatMap((c, i) => (i === 0 ? c : [";", ...c]));
    return execFileSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8", timeout: 10_000 });
  }

  /** The visible screen, one string per row, trailing blanks trimmed. */
  screen(): string {
    return this.tmux(["capture-pane", "-p", "-t", this.target])
      .split("\n")
      .map((l) => l.trimEnd())
      .join("\n")
      .replace(/\n+$/, "");
  }

  /** Keys as tmux names them: "j", "Down", "Enter", "Escape", "C-c", "PageDown". */
  send(...keys: string[]): void {
    for (const k of keys) this.tmux(["send-keys", "-t", this.target, k]);
  }

  /** Everything the command wrote to the terminal so far, escapes and all (as tmux copies it: poll, don't read once). */
  output(): string {
    const file = join(this.dir, "output");
    return existsSync(file) ? readFileSync(file, "latin1") : "";
  }

  /**
   * Whether the command's last word on the cursor was to show it. Read from the output rather than from tmux's
   * #{cursor_flag}, which tmux 3.3 does not keep reliably for a pane whose program has exited.
   */
  cursorShown(): boolean {
    const out = this.output();
    return out.lastIndexOf("\u001B[?25h") > out.lastIndexOf("\u001B[?25l");
  }

  /** Polls the screen until `expected` shows (a string, a pattern, or a test of the whole screen); returns that screen. */
  async waitFor(expected: string | RegExp | ((screen: string) => boolean), o: WaitOptions = {}): Promise<string> {
    const test = typeof expected === "function" ? expected : typeof expected === "string" ? (s: string) => s.includes(expected) : (s: string) => expected.test(s);
    let last = "";
    await this.until(() => test((last = this.screen())), { what: o.what ?? String(expected), ...o }, () => last);
    return last;
  }

  /**
   * Polls `ok` until it holds. tmux reads the program's output on its own schedule, even after the program has
   * exited, so what the terminal shows is always awaited, never read once.
   */
  async until(ok: () => boolean, o: WaitOptions = {}, shows: () => string = () => this.screen()): Promise<void> {
    const timeoutMs = o.timeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`the terminal did not show ${o.what ?? "what was awaited"} within ${timeoutMs} ms; it shows:\n${shows()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The command's exit code, once it has exited. */
  async exitCode(o: WaitOptions = {}): Promise<number> {
    const file = join(this.dir, "exit-code");
    const deadline = Date.now() + (o.timeoutMs ?? 15_000);
    while (!existsSync(file)) {
      if (Date.now() > deadline) throw new Error(`the command did not exit within ${o.timeoutMs ?? 15_000} ms; the terminal shows:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return Number(readFileSync(file, "utf8").trim());
  }

  /** Ends the session and its server, whatever runs in it, and removes the scratch directory. Idempotent. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    try {
      this.tmux(["kill-server"]);
    } catch {
      // Already gone: the server exits by itself when its last session does.
    }
    // A killed server leaves its socket file behind.
    if (this.socketPath) rmSync(this.socketPath, { force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
