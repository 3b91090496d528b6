// An image read from a file instead of the Docker engine (issue 6): docker-archive:FILE.tar (a `docker save`),
// oci:DIR and oci-archive:FILE.tar. Only what reads the image can run on it; the checks that run it as a job or an
// endpoint need the image in an engine. The archive is read twice: once for its config and the file tree the
// IMG- checks look at (with the first bytes of every program), once more with the consumers of the layer checks.
import { posix } from "node:path";
import type { ImageFacts } from "../engine/check.js";
import type { ImageSource } from "../engine/source.js";
import { type FileImageSource, type ImageScan, readImageSource } from "./archive.js";
import { configFromInspect, type InspectConfig } from "./config.js";
import type { FileKind, FileStat, ImageFs } from "./fs.js";
import type { ContentConsumer, MergedEntry, MergedFs } from "./layers.js";

/** The bytes of a program kept for execFormat (ELF magic or #! line), and of the account files read whole. */
const PROGRAM_HEAD = 512;
const ACCOUNT_FILES = new Set(["/etc/passwd", "/etc/group"]);
const ACCOUNT_MAX = 1024 * 1024;

function kindOf(e: MergedEntry): FileKind {
  return e.kind === "hardlink" ? "file" : e.kind;
}

function statOf(path: string, e: MergedEntry): FileStat {
  const st: FileStat = { path, kind: kindOf(e), mode: e.mode & 0o7777, size: e.size };
  if (e.kind === "symlink" && e.linkTarget !== undefined) st.linkTarget = e.linkTarget;
  return st;
}

/** ImageFs over the merged view of a scan, with the heads a scan kept. */
export function mergedImageFs(fs: MergedFs, heads: ReadonlyMap<string, Buffer>): ImageFs {
  return {
    async lstat(path) {
      const e = fs.lstat(path);
      return e ? statOf(posix.normalize(path), e) : null;
    },
    async readHead(path, maxBytes) {
      const r = fs.resolve(path);
      if (!r.found) return Buffer.alloc(0);
      // A hard link's bytes were offered under the path it links to.
      const real = r.entry.kind === "hardlink" && r.entry.linkTarget ? posix.resolve("/", r.entry.linkTarget) : r.entry.path;
      return (heads.get(real) ?? Buffer.alloc(0)).subarray(0, maxBytes);
    },
    async listFiles(dir, limit) {
      const files: FileStat[] = [];
      for (const e of fs.walk(dir)) {
        if (e.kind === "dir") continue;
        if (files.length >= limit) return { files, truncated: true };
        files.push(statOf(e.path, e));
      }
      return { files, truncated: false };
    },
  };
}

export function archiveImageSource(src: FileImageSource, text: string, platform?: string): ImageSource {
  const options = { ...(platform ? { platform } : {}), ...(src.image ? { image: src.image } : {}) };
  let first: Promise<{ scan: ImageScan; heads: Map<string, Buffer> }> | undefined;
  const read = () =>
    (first ??= (async () => {
      const heads = new Map<string, Buffer>();
      const keep: ContentConsumer = (f) => {
        const cap = ACCOUNT_FILES.has(f.path) ? ACCOUNT_MAX : (f.mode & 0o111) !== 0 ? PROGRAM_HEAD : 0;
        if (cap === 0) return undefined;
        const chunks: Buffer[] = [];
        let have = 0;
        return {
          write(c) {
            chunks.push(Buffer.from(c.subarray(0, cap - have)));
            have += Math.min(c.length, cap - have);
            return have >= cap ? "enough" : undefined;
          },
          end: () => void heads.set(f.path, Buffer.concat(chunks)),
        };
      };
      const scan = await readImageSource(src, { ...options, consumers: [keep] });
      return { scan, heads };
    })());
  return {
    async describe() {
      const { scan } = await read();
      const cfg = scan.config as { os?: string; architecture?: string; variant?: string; config?: InspectConfig };
      const facts: ImageFacts = { ref: text, id: scan.configDigest, os: cfg.os ?? "", architecture: cfg.architecture ?? "" };
      if (cfg.variant) facts.variant = cfg.variant;
      if (scan.manifestDigest) facts.digest = scan.manifestDigest;
      return { facts, config: configFromInspect(cfg.config ?? null) };
    },
    async openFs() {
      const { scan, heads } = await read();
      return { ...mergedImageFs(scan.fs, heads), close: async () => {} };
    },
    readLayers: (o) => readImageSource(src, { ...options, ...o }),
  };
}
