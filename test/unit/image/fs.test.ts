import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { type FileStat, type ImageFs, MAX_SYMLINK_HOPS, execFormat, lookupCommand, resolvePath, resolveProgram } from "../../../src/image/fs.js";
import { memoryFs } from "../helpers/memory-image.js";

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const exe = (content: string | Buffer = ELF) => ({ file: content, mode: 0o755 });
const PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * An image filesystem that reports symlink targets as a layer tar stores them (relative to the link's directory,
 * never resolved), and knows nothing of loops: the form resolvePath() must handle besides the Engine's.
 */
function storedFs(tree: Record<string, { file: string; mode?: number } | { symlink: string }>): ImageFs {
  const dirs = new Set<string>(["/"]);
  for (const p of Object.keys(tree)) for (let d = posix.dirname(p); d !== "/"; d = posix.dirname(d)) dirs.add(d);
  return {
    async lstat(path): Promise<FileStat | null> {
      const e = tree[path];
      if (!e) return dirs.has(path) ? { path, kind: "dir", mode: 0o755, size: 0 } : null;
      if ("symlink" in e) return { path, kind: "symlink", mode: 0o777, size: e.symlink.length, linkTarget: e.symlink };
      return { path, kind: "file", mode: e.mode ?? 0o644, size: e.file.length };
    },
    async readHead(path, maxBytes) {
      const e = tree[path];
      return e && "file" in e ? Buffer.from(e.file).subarray(0, maxBytes) : Buffer.alloc(0);
    },
    async listFiles() {
      return { files: [], truncated: false };
    },
  };
}

describe("resolvePath", () => {
  it("finds a plain file, normalising the path", async () => {
    const fs = memoryFs({ "/usr/bin/python3": exe() });
    const r = await resolvePath(fs, "/usr//bin/./python3");
    expect(r).toMatchObject({ found: true, chain: ["/usr/bin/python3"], stat: { kind: "file", mode: 0o755 } });
  });

  it("finds a directory", async () => {
    const r = await resolvePath(memoryFs({ "/opt/ml/code/x": exe() }), "/opt/ml/code");
    expect(r).toMatchObject({ found: true, stat: { kind: "dir" } });
  });

  it("follows a chain of symlinks to the file", async () => {
    const fs = memoryFs({
      "/usr/bin/python": { symlink: "python3" },
      "/usr/bin/python3": { symlink: "/etc/alternatives/python3" },
      "/etc/alternatives/python3": { symlink: "/usr/bin/python3.11" },
      "/usr/bin/python3.11": exe(),
    });
    const r = await resolvePath(fs, "/usr/bin/python");
    expect(r).toMatchObject({ found: true, stat: { kind: "file" } });
    expect(r.chain).toEqual(["/usr/bin/python", "/usr/bin/python3", "/etc/alternatives/python3", "/usr/bin/python3.11"]);
  });

  it("resolves relative targets against the link's directory", async () => {
    const fs = storedFs({ "/usr/local/bin/serve": { symlink: "../lib/app/serve" }, "/usr/local/lib/app/serve": { file: "x", mode: 0o755 } });
    const r = await resolvePath(fs, "/usr/local/bin/serve");
    expect(r.found).toBe(true);
    expect(r.chain).toEqual(["/usr/local/bin/serve", "/usr/local/lib/app/serve"]);
  });

  it("keeps '..' above the root at the root", async () => {
    const fs = storedFs({ "/opt/app/sh": { symlink: "../../../../bin/sh" }, "/bin/sh": { file: "x", mode: 0o755 } });
    const r = await resolvePath(fs, "/opt/app/sh");
    expect(r.found).toBe(true);
    expect(r.chain).toEqual(["/opt/app/sh", "/bin/sh"]);
  });

  it("reports a missing path", async () => {
    expect(await resolvePath(memoryFs({}), "/nope")).toEqual({ found: false, reason: "missing", chain: ["/nope"] });
  });

  it("reports a dangling symlink as missing, with the chain to the missing target", async () => {
    const r = await resolvePath(memoryFs({ "/usr/bin/train": { symlink: "/opt/program/train" } }), "/usr/bin/train");
    expect(r).toEqual({ found: false, reason: "missing", chain: ["/usr/bin/train", "/opt/program/train"] });
  });

  it("gives up on a loop of stored targets after MAX_SYMLINK_HOPS", async () => {
    const fs = storedFs({ "/usr/bin/a": { symlink: "b" }, "/usr/bin/b": { symlink: "a" } });
    const r = await resolvePath(fs, "/usr/bin/a");
    expect(r).toMatchObject({ found: false, reason: "loop" });
    expect(r.chain).toHaveLength(MAX_SYMLINK_HOPS + 2);
  });

  // The Engine (and memoryFs, which copies it) cannot evaluate a looping link and reports it as a symlink with
  // no linkTarget. resolvePath() reads the missing target as "", resolves it to the link's own directory and
  // reports that directory as found, so a loop is never reported as one.
  it.each([
    ["/usr/bin/x", { "/usr/bin/x": { symlink: "y" }, "/usr/bin/y": { symlink: "x" } }],
    ["/usr/bin/self", { "/usr/bin/self": { symlink: "self" } }],
    ["/a", { "/a": { symlink: "/b" }, "/b": { symlink: "/a" } }],
  ])("reports %s, a loop as the Engine reports one, as a loop", async (path, tree) => {
    const r = await resolvePath(memoryFs(tree), path);
    expect(r).toMatchObject({ found: false, reason: "loop" });
  });
});

describe("lookupCommand (execvp semantics)", () => {
  it("takes the first executable in PATH order", async () => {
    const fs = memoryFs({ "/usr/local/bin/python": exe(), "/usr/bin/python": exe() });
    expect(await lookupCommand(fs, "python", PATH)).toEqual({ found: true, path: "/usr/local/bin/python", chain: ["/usr/local/bin/python"] });
    expect(await lookupCommand(fs, "python", "/usr/bin:/usr/local/bin")).toMatchObject({ found: true, path: "/usr/bin/python" });
  });

  it("skips a file that is not executable, and goes on", async () => {
    const fs = memoryFs({ "/usr/local/bin/train": { file: "#!/bin/sh\n", mode: 0o644 }, "/usr/bin/train": exe() });
    expect(await lookupCommand(fs, "train", PATH)).toMatchObject({ found: true, path: "/usr/bin/train" });
  });

  it("reports what it tried and what was not executable when nothing is", async () => {
    const fs = memoryFs({ "/usr/local/bin/train": { file: "#!/bin/sh\n", mode: 0o644 } });
    expect(await lookupCommand(fs, "train", PATH)).toEqual({
      found: false,
      tried: ["/usr/local/bin/train", "/usr/bin/train", "/bin/train"],
      notExecutable: ["/usr/local/bin/train"],
      loops: [],
    });
  });

  it("treats any execute bit as executable", async () => {
    for (const mode of [0o100, 0o010, 0o001]) {
      expect((await lookupCommand(memoryFs({ "/bin/serve": { file: ELF, mode } }), "serve", "/bin")).found).toBe(true);
    }
  });

  it("skips a directory of the same name without calling it not executable", async () => {
    const fs = memoryFs({ "/usr/local/bin/serve/readme": { file: "" }, "/usr/bin/serve": exe() });
    expect(await lookupCommand(fs, "serve", PATH)).toMatchObject({ found: true, path: "/usr/bin/serve" });
    const none = await lookupCommand(memoryFs({ "/usr/local/bin/serve/readme": { file: "" } }), "serve", PATH);
    expect(none).toMatchObject({ found: false, notExecutable: [] });
  });

  it("follows a symlink to an executable and keeps the chain", async () => {
    const fs = memoryFs({ "/usr/local/bin/serve": { symlink: "/opt/program/serve" }, "/opt/program/serve": exe() });
    expect(await lookupCommand(fs, "serve", PATH)).toEqual({
      found: true,
      path: "/usr/local/bin/serve",
      chain: ["/usr/local/bin/serve", "/opt/program/serve"],
    });
  });

  it.each([":/usr/bin", "/usr/bin:", "/usr/bin::/bin"])("reads an empty entry in PATH %j as the working directory", async (pathVar) => {
    const fs = memoryFs({ "/opt/program/serve": exe() });
    expect(await lookupCommand(fs, "serve", pathVar, "/opt/program")).toMatchObject({ found: true, path: "/opt/program/serve" });
  });

  it("resolves a relative PATH entry against the working directory", async () => {
    const fs = memoryFs({ "/opt/program/bin/serve": exe() });
    expect(await lookupCommand(fs, "serve", "bin:/usr/bin", "/opt/program")).toMatchObject({ found: true, path: "/opt/program/bin/serve" });
  });

  it.each([
    ["./serve", "/opt/program/serve"],
    ["bin/serve", "/opt/program/bin/serve"],
    ["../program/serve", "/opt/program/serve"],
    ["/opt/program/serve", "/opt/program/serve"],
  ])("resolves %s, a name with a slash, against the working directory and not PATH", async (name, path) => {
    const fs = memoryFs({ "/opt/program/serve": exe(), "/opt/program/bin/serve": exe(), "/usr/bin/serve": exe() });
    const r = await lookupCommand(fs, name, "/usr/bin", "/opt/program");
    expect(r).toMatchObject({ found: true, path });
  });

  it("does not search PATH for a name with a slash", async () => {
    const fs = memoryFs({ "/usr/bin/bin/serve": exe() });
    expect(await lookupCommand(fs, "bin/serve", "/usr/bin", "/")).toEqual({ found: false, tried: ["/bin/serve"], notExecutable: [], loops: [] });
  });

  it("reports a symlink loop on PATH (stored targets)", async () => {
    const fs = storedFs({ "/usr/bin/serve": { symlink: "serve" } });
    expect(await lookupCommand(fs, "serve", "/usr/bin")).toMatchObject({ found: false, loops: ["/usr/bin/serve"] });
  });

  it("reports a symlink loop on PATH (as the Engine reports loops)", async () => {
    const fs = memoryFs({ "/usr/bin/serve": { symlink: "serve2" }, "/usr/bin/serve2": { symlink: "serve" } });
    expect(await lookupCommand(fs, "serve", "/usr/bin")).toMatchObject({ found: false, loops: ["/usr/bin/serve"] });
  });
});

describe("execFormat", () => {
  const format = (content: string | Buffer) => execFormat(memoryFs({ "/f": exe(content) }), "/f");

  it("an ELF binary is elf", async () => {
    expect(await format(ELF)).toEqual({ kind: "elf" });
  });

  it.each<[string, string | Buffer]>([
    ["a text file without #!", "echo hello\n"],
    ["an empty file", ""],
    ["a lone #!", "#!\n"],
    ["#! and only blanks", "#!   \n"],
    ["one byte", "#"],
    ["binary bytes", Buffer.from([0x00, 0xff, 0x23, 0x21, 0x2f])],
  ])("no #! line in %s: neither ELF nor script", async (_what, content) => {
    expect(await format(content)).toEqual({ kind: "unknown" });
  });

  it.each<[string, { interpreter: string; arg?: string }]>([
    ["#!/bin/sh\necho hi\n", { interpreter: "/bin/sh" }],
    ["#!/bin/sh", { interpreter: "/bin/sh" }],
    ["#! /usr/bin/env python3 -u\nimport sys\n", { interpreter: "/usr/bin/env", arg: "python3 -u" }],
    // The kernel strips only spaces and tabs: a CR from Windows line endings stays in the name (`bash\r: bad interpreter`).
    ["#!/bin/bash\r\nset -e\r\n", { interpreter: "/bin/bash\r" }],
    ["#!/usr/bin/python3 -u\r\n", { interpreter: "/usr/bin/python3", arg: "-u\r" }],
    ["#!/bin/sh\t-e  \n", { interpreter: "/bin/sh", arg: "-e" }],
    ["#!/usr/bin/env -S python3 -X utf8\n", { interpreter: "/usr/bin/env", arg: "-S python3 -X utf8" }],
  ])("%j", async (content, expected) => {
    expect(await format(content)).toEqual({ kind: "script", shebang: expected });
  });
});

describe("resolveProgram", () => {
  it("accepts an ELF binary", async () => {
    const fs = memoryFs({ "/usr/local/bin/serve": exe() });
    expect(await resolveProgram(fs, "serve", PATH)).toEqual({ ok: true, steps: ["/usr/local/bin/serve"] });
  });

  it("follows a script to its interpreter", async () => {
    const fs = memoryFs({
      "/opt/program/train": exe("#!/usr/bin/python3\nprint(1)\n"),
      "/usr/bin/python3": { symlink: "python3.11" },
      "/usr/bin/python3.11": exe(),
    });
    expect(await resolveProgram(fs, "/opt/program/train", PATH)).toEqual({
      ok: true,
      steps: ["/opt/program/train", "#!/usr/bin/python3", "/usr/bin/python3 -> /usr/bin/python3.11"],
    });
  });

  it("fails when the interpreter is missing", async () => {
    const fs = memoryFs({ "/opt/program/train": exe("#!/usr/bin/python3\n") });
    expect(await resolveProgram(fs, "/opt/program/train", PATH)).toEqual({
      ok: false,
      steps: ["/opt/program/train", "#!/usr/bin/python3"],
      problem: 'no executable "/usr/bin/python3" in the image',
    });
  });

  it("fails when argv[0] is not on PATH, naming PATH", async () => {
    expect(await resolveProgram(memoryFs({}), "serve", "/usr/bin:/bin")).toEqual({ ok: false, steps: [], problem: 'no executable "serve" on PATH (/usr/bin:/bin)' });
  });

  it("fails when argv[0] exists but is not executable", async () => {
    const fs = memoryFs({ "/usr/bin/serve": { file: ELF, mode: 0o644 } });
    expect(await resolveProgram(fs, "serve", "/usr/bin")).toMatchObject({ ok: false, problem: "/usr/bin/serve exists but is not executable" });
  });

  it("looks up the program `#!/usr/bin/env NAME` names on PATH", async () => {
    const fs = memoryFs({ "/opt/program/serve": exe("#!/usr/bin/env python3\n"), "/usr/bin/env": exe(), "/usr/local/bin/python3": exe() });
    expect(await resolveProgram(fs, "/opt/program/serve", PATH)).toEqual({
      ok: true,
      steps: ["/opt/program/serve", "#!/usr/bin/env python3", "/usr/local/bin/python3"],
    });
  });

  it("reads `#!/usr/bin/env -S python3 -u`, skipping env's and python's flags", async () => {
    const fs = memoryFs({ "/opt/program/serve": exe("#!/usr/bin/env -S python3 -u\n"), "/usr/bin/env": exe(), "/usr/bin/python3": exe() });
    expect(await resolveProgram(fs, "/opt/program/serve", PATH)).toEqual({
      ok: true,
      steps: ["/opt/program/serve", "#!/usr/bin/env -S python3 -u", "/usr/bin/python3"],
    });
  });

  // env(1) reads leading NAME=VALUE words as assignments, not as the program: the idiom
  // `#!/usr/bin/env -S PYTHONUNBUFFERED=1 python3` runs python3. resolveProgram() looks up "PYTHONUNBUFFERED=1".
  it("skips env's NAME=VALUE assignments before the program", async () => {
    const fs = memoryFs({ "/opt/program/serve": exe("#!/usr/bin/env -S PYTHONUNBUFFERED=1 python3\n"), "/usr/bin/env": exe(), "/usr/bin/python3": exe() });
    expect(await resolveProgram(fs, "/opt/program/serve", PATH)).toMatchObject({ ok: true });
  });

  it("fails when `#!/usr/bin/env NAME` finds no NAME on PATH", async () => {
    const fs = memoryFs({ "/opt/program/serve": exe("#!/usr/bin/env python3\n"), "/usr/bin/env": exe() });
    expect(await resolveProgram(fs, "/opt/program/serve", "/usr/bin")).toMatchObject({ ok: false, problem: 'no executable "python3" on PATH (/usr/bin)' });
  });

  it("fails when env itself is missing", async () => {
    const fs = memoryFs({ "/opt/program/serve": exe("#!/usr/bin/env python3\n"), "/usr/bin/python3": exe() });
    expect(await resolveProgram(fs, "/opt/program/serve", PATH)).toEqual({
      ok: false,
      steps: ["/opt/program/serve", "#!/usr/bin/env python3"],
      problem: "the interpreter /usr/bin/env does not exist",
    });
  });

  it("opens a relative #! interpreter from the working directory, as the kernel does", async () => {
    const fs = memoryFs({ "/opt/program/serve": exe("#!python3\n"), "/usr/bin/python3": exe() });
    const fromRoot = await resolveProgram(fs, "/opt/program/serve", PATH);
    expect(fromRoot.ok).toBe(false);
    expect(!fromRoot.ok && fromRoot.problem).toContain('the #! interpreter "python3" is a relative path, which the kernel opens from the working directory (/), and there is no /python3');
    expect((await resolveProgram(fs, "/opt/program/serve", PATH, "/usr/bin")).ok).toBe(true);
  });

  it("follows nested interpreters a few levels deep", async () => {
    const fs = memoryFs({ "/x/a": exe("#!/x/b\n"), "/x/b": exe("#!/x/c\n"), "/x/c": exe("#!/x/d\n"), "/x/d": exe() });
    expect(await resolveProgram(fs, "/x/a", PATH)).toMatchObject({ ok: true, steps: ["/x/a", "#!/x/b", "/x/b", "#!/x/c", "/x/c", "#!/x/d", "/x/d"] });
  });

  it("gives up when interpreters nest too deep", async () => {
    const tree = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`/x/s${i}`, exe(`#!/x/s${i + 1}\n`)]));
    expect(await resolveProgram(memoryFs({ ...tree, "/x/s10": exe() }), "/x/s0", PATH)).toMatchObject({ ok: false, problem: "interpreters nest too deep" });
  });

  it("gives up on a script that names itself as its interpreter", async () => {
    expect(await resolveProgram(memoryFs({ "/x/a": exe("#!/x/a\n") }), "/x/a", PATH)).toMatchObject({ ok: false, problem: "interpreters nest too deep" });
  });

  it("resolves a relative argv[0] against the working directory", async () => {
    const fs = memoryFs({ "/opt/program/serve": exe() });
    expect(await resolveProgram(fs, "./serve", PATH, "/opt/program")).toEqual({ ok: true, steps: ["/opt/program/serve"] });
  });
});
