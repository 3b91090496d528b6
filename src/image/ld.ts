// A static `ldd`: where the dynamic loader would find each NEEDED library of an ELF file in the image, following
// ld.so(8): DT_RPATH (only when there is no DT_RUNPATH), LD_LIBRARY_PATH, DT_RUNPATH, the directories of
// /etc/ld.so.conf (what ldconfig puts in ld.so.cache), then the default directories. $ORIGIN is the directory of the
// object, and a name with a slash is a path.

import { posix } from "node:path";

export type LinkKind = "file" | "dir" | "symlink" | "other";

/** Sync lookups in the image's merged filesystem, without following a symlink in the last component. */
export interface PathLookup {
  lstat(path: string): { kind: LinkKind; linkTarget?: string } | undefined;
}

/** Linux gives up after 40 symlinks in one lookup (MAXSYMLINKS). */
const MAX_HOPS = 40;

/**
 * Resolves `path` inside the image: every symlink, in any component, is followed with chroot semantics. Returns the
 * final path and its kind, or undefined when it does not exist or loops.
 */
export function realPath(fs: PathLookup, path: string): { path: string; kind: LinkKind } | undefined {
  let hops = 0;
  let pending = posix.resolve("/", path).split("/").filter(Boolean);
  let done = "/";
  while (pending.length > 0) {
    const part = pending.shift()!;
    const next = posix.join(done, part);
    const st = fs.lstat(next);
    if (!st) return undefined;
    if (st.kind === "symlink") {
      if (++hops > MAX_HOPS || st.linkTarget === undefined) return undefined;
      const target = posix.resolve(done, st.linkTarget);
      pending = [...target.split("/").filter(Boolean), ...pending];
      done = "/";
      continue;
    }
    if (pending.length > 0 && st.kind !== "dir") return undefined;
    done = next;
  }
  const st = fs.lstat(done);
  return st ? { path: done, kind: st.kind } : undefined;
}

/**
 * Libraries the host provides at run time: the NVIDIA container toolkit mounts the driver's user-space libraries
 * into GPU containers (reference cuda-efa.md §3.1: "the real one is injected from the host"), so an image must not
 * ship them and a NEEDED on them is satisfied.
 */
export const HOST_INJECTED = [/^libcuda\.so(\.1)?$/, /^libnvidia-[a-z0-9-]+\.so(\.\d+)*$/, /^libcudadebugger\.so(\.1)?$/, /^libnvcuvid\.so(\.1)?$/, /^libnvidia-ml\.so(\.1)?$/];

/** Directories the loader searches last, by ELF class and the multiarch triplet Debian uses. */
export function defaultDirs(bits: 32 | 64, machine: number): string[] {
  const triplet = machine === 183 ? "aarch64-linux-gnu" : machine === 62 ? "x86_64-linux-gnu" : undefined;
  const multiarch = triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : [];
  return bits === 64 ? [...multiarch, "/lib64", "/usr/lib64", "/lib", "/usr/lib"] : [...multiarch, "/lib", "/usr/lib"];
}

/** Reads /etc/ld.so.conf and its `include` globs (one level of `*` in the last component, as the files use). */
export function ldSoConfDirs(fs: PathLookup & { readText(path: string): string | undefined; list(dir: string): string[] }): string[] {
  const dirs: string[] = [];
  const seen = new Set<string>();
  const read = (file: string, depth: number) => {
    if (depth > 8 || seen.has(file)) return;
    seen.add(file);
    const text = fs.readText(file);
    if (text === undefined) return;
    for (const raw of text.split("\n")) {
      const line = raw.replace(/#.*/, "").trim();
      if (!line) continue;
      const inc = /^include\s+(.+)$/.exec(line);
      if (inc) {
        for (const pattern of inc[1]!.split(/\s+/)) {
          const abs = posix.resolve(posix.dirname(file), pattern);
          const dir = posix.dirname(abs);
          const re = new RegExp(`^${posix.basename(abs).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
          for (const name of fs.list(dir).filter((n) => re.test(n)).sort()) read(posix.join(dir, name), depth + 1);
        }
        continue;
      }
      // "dir=TYPE" (libc5 era) is still accepted by ldconfig.
      dirs.push(line.replace(/=.*$/, ""));
    }
  };
  read("/etc/ld.so.conf", 0);
  return dirs;
}

export interface LoaderContext {
  /** The image's ENV LD_LIBRARY_PATH, split on ":" (empty entries mean the working directory, as for the loader). */
  ldLibraryPath: string[];
  /** The directories of /etc/ld.so.conf (what ld.so.cache holds). */
  confDirs: string[];
  workingDir?: string;
}

export interface ElfObject {
  path: string;
  bits: 32 | 64;
  machine: number;
  needed: string[];
  rpath: string[];
  runpath: string[];
}

export type SearchStep = "rpath" | "LD_LIBRARY_PATH" | "runpath" | "ld.so.conf" | "default";

export type NeededResolution =
  | { name: string; found: true; path: string; via: "path" | SearchStep }
  | { name: string; found: true; path?: undefined; via: "host" }
  | { name: string; found: false; tried: string[] };

/** Expands $ORIGIN, ${ORIGIN}, $LIB and ${LIB} in a search path entry; $PLATFORM entries are dropped. */
function expand(entry: string, origin: string, bits: 32 | 64): string[] {
  if (/\$\{?PLATFORM\}?/.test(entry)) return [];
  const withOrigin = entry.replace(/\$\{ORIGIN\}|\$ORIGIN(?![A-Za-z0-9_])/g, origin);
  if (!/\$\{?LIB\}?/.test(withOrigin)) return [withOrigin];
  return (bits === 64 ? ["lib64", "lib"] : ["lib"]).map((lib) => withOrigin.replace(/\$\{LIB\}|\$LIB(?![A-Za-z0-9_])/g, lib));
}

/** Where the loader finds each NEEDED entry of `obj`, or every place it looked. */
export function resolveNeeded(fs: PathLookup, obj: ElfObject, ctx: LoaderContext): NeededResolution[] {
  const origin = posix.dirname(obj.path);
  const cwd = ctx.workingDir ?? "/";
  const dirsOf = (entries: string[]) => entries.flatMap((e) => expand(e, origin, obj.bits)).map((d) => posix.resolve(cwd, d || "."));
  const order: Array<[SearchStep, string[]]> = [
    ["rpath", obj.runpath.length === 0 ? dirsOf(obj.rpath) : []],
    ["LD_LIBRARY_PATH", dirsOf(ctx.ldLibraryPath)],
    ["runpath", dirsOf(obj.runpath)],
    ["ld.so.conf", ctx.confDirs],
    ["default", defaultDirs(obj.bits, obj.machine)],
  ];
  return obj.needed.map((name): NeededResolution => {
    if (name.includes("/")) {
      const p = posix.resolve(cwd, name);
      const r = realPath(fs, p);
      return r?.kind === "file" ? { name, found: true, path: p, via: "path" } : { name, found: false, tried: [p] };
    }
    const tried: string[] = [];
    for (const [via, dirs] of order) {
      for (const dir of dirs) {
        const p = posix.join(dir, name);
        if (tried.includes(p)) continue;
        tried.push(p);
        if (realPath(fs, p)?.kind === "file") return { name, found: true, path: p, via };
      }
    }
    if (HOST_INJECTED.some((re) => re.test(name))) return { name, found: true, via: "host" };
    return { name, found: false, tried };
  });
}
