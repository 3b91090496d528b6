import { posix } from "node:path";
import type { CheckContext, ImageFacts, Needs } from "../../../src/engine/check.js";
import type { ImageSource } from "../../../src/engine/source.js";
import { type ImageConfig, configFromInspect, type InspectConfig } from "../../../src/image/config.js";
import type { FileStat, ImageFs } from "../../../src/image/fs.js";
import { resolveInstance } from "../../../src/spec/instances.js";
import { loadSpec } from "../../../src/spec/load.js";
import { CONTRACTS, type Contract } from "../../../src/spec/types.js";

export type MemoryEntry =
  | { file: string | Buffer; mode?: number }
  | { symlink: string }
  | { dir: true };

/**
 * An image filesystem in memory, with the Engine's semantics: symlinks in parent directories are followed,
 * the last component is not (lstat), and loops are reported as unresolvable symlinks.
 */
export function memoryFs(tree: Record<string, MemoryEntry>): ImageFs & { calls: string[] } {
  const entries = new Map<string, MemoryEntry>(Object.entries(tree).map(([p, e]) => [posix.normalize(p), e]));
  const calls: string[] = [];
  // Directories implied by the paths.
  for (const p of [...entries.keys()]) {
    for (let d = posix.dirname(p); d !== "/" && !entries.has(d); d = posix.dirname(d)) entries.set(d, { dir: true });
  }

  function resolveParents(path: string, hops = 0): string | null {
    if (hops > 40) return null;
    const parts = posix.normalize(path).split("/").filter(Boolean);
    let current = "/";
    for (let i = 0; i < parts.length - 1; i++) {
      const next = posix.join(current, parts[i]!);
      const e = entries.get(next);
      if (e && "symlink" in e) {
        const target = posix.resolve(current, e.symlink);
        const resolved = resolveParents(posix.join(target, "x"), hops + 1);
        if (resolved === null) return null;
        current = posix.dirname(resolved);
      } else current = next;
    }
    return posix.join(current, parts[parts.length - 1] ?? "");
  }

  function follows(path: string, hops = 0): boolean {
    const e = entries.get(path);
    if (!e || !("symlink" in e)) return true;
    if (hops > 40) return false;
    const next = resolveParents(posix.resolve(posix.dirname(path), e.symlink));
    return next !== null && follows(next, hops + 1);
  }

  return {
    calls,
    async lstat(path) {
      calls.push(`lstat ${path}`);
      const p = resolveParents(path);
      if (p === null) return { path, kind: "symlink", mode: 0o777, size: 0 };
      const e = entries.get(p);
      if (!e) return null;
      if ("dir" in e) return { path, kind: "dir", mode: 0o755, size: 4096 };
      if ("symlink" in e) {
        // Like the Engine: the target is reported resolved to an absolute path, and a loop cannot be resolved.
        if (!follows(p)) return { path, kind: "symlink", mode: 0o777, size: 0 };
        return { path, kind: "symlink", mode: 0o777, size: e.symlink.length, linkTarget: posix.resolve(posix.dirname(p), e.symlink) };
      }
      const content = typeof e.file === "string" ? Buffer.from(e.file) : e.file;
      return { path, kind: "file", mode: e.mode ?? 0o644, size: content.length };
    },
    async readHead(path, maxBytes) {
      calls.push(`readHead ${path}`);
      const p = resolveParents(path);
      const e = p ? entries.get(p) : undefined;
      if (!e || !("file" in e)) return Buffer.alloc(0);
      const content = typeof e.file === "string" ? Buffer.from(e.file) : e.file;
      return content.subarray(0, maxBytes);
    },
    async listFiles(dir, limit) {
      calls.push(`listFiles ${dir}`);
      const prefix = `${posix.normalize(dir)}/`;
      const files: FileStat[] = [];
      for (const [p, e] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
        if (!p.startsWith(prefix) || "dir" in e) continue;
        if (files.length >= limit) return { files, truncated: true };
        files.push("symlink" in e ? { path: p, kind: "symlink", mode: 0o777, size: 0, linkTarget: e.symlink } : { path: p, kind: "file", mode: e.mode ?? 0o644, size: 0 });
      }
      return { files, truncated: false };
    },
  };
}

/** An image config as Docker's inspect reports it, normalised. */
export function config(c: InspectConfig = {}): ImageConfig {
  return configFromInspect(c);
}

export const FACTS: ImageFacts = { ref: "test:latest", id: `sha256:${"a".repeat(64)}`, os: "linux", architecture: "amd64" };

export interface ContextOptions {
  config?: ImageConfig;
  fs?: ImageFs;
  contracts?: Contract[];
  instances?: string[];
  image?: Partial<ImageFacts>;
}

/** A check context with every input present, as the engine would build it for a check that declared them all. */
export function context(o: ContextOptions = {}): CheckContext<{ config: true; fs: true; instances: true }> {
  return {
    image: { ...FACTS, ...o.image },
    contracts: o.contracts ?? [...CONTRACTS],
    spec: loadSpec(),
    signal: new AbortController().signal,
    config: o.config ?? config({ Entrypoint: ["/opt/program/entry"] }),
    fs: o.fs ?? memoryFs({ "/opt/program/entry": { file: "\x7fELF", mode: 0o755 } }),
    instances: (o.instances ?? []).map((t) => resolveInstance(t)),
  };
}

/** An ImageSource over an in-memory image, for engine tests. */
export function memorySource(facts: ImageFacts, cfg: ImageConfig, fs: ImageFs): ImageSource & { closed: number } {
  const source = {
    closed: 0,
    async describe() {
      return { facts, config: cfg };
    },
    async openFs() {
      return { ...fs, close: async () => void source.closed++ };
    },
    async readLayers(): Promise<never> {
      throw new Error("an in-memory image has no layers to stream");
    },
  };
  return source;
}

export type { Needs };
