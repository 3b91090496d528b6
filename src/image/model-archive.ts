// /opt/ml/model as SageMaker packs it: a gzipped tar of the directory's contents, paths relative to it.
import { lstat, readdir, readlink } from "node:fs/promises";
import { posix } from "node:path";
import { create, extract, list } from "tar";
import { ConfigError } from "../errors.js";

/** Bounds the walk: a job that writes a million files still gets an answer. */
const MAX_ENTRIES = 100_000;
/** Where hosting unpacks the archive, so an absolute link into it still resolves there (§2.2). */
const MODEL_ROOT = "/opt/ml/model";

export interface ModelProblem {
  path: string;
  kind: "link" | "special";
  why: string;
}

export interface ModelListing {
  files: number;
  bytes: number;
  /** Relative paths, for evidence; at most 50. */
  entries: string[];
  problems: ModelProblem[];
  truncated: boolean;
}

/** Walks the model directory without following links: regular files count, anything that cannot ship is a problem. */
export async function inspectModelDir(root: string): Promise<ModelListing> {
  const out: ModelListing = { files: 0, bytes: 0, entries: [], problems: [], truncated: false };
  let seen = 0;
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(posix.join(root, rel))).sort()) {
      if (++seen > MAX_ENTRIES) {
        out.truncated = true;
        return;
      }
      const path = rel ? `${rel}/${name}` : name;
      const st = await lstat(posix.join(root, path));
      if (out.entries.length < 50) out.entries.push(st.isDirectory() ? `${path}/` : path);
      if (st.isDirectory()) await walk(path);
      else if (st.isFile()) {
        out.files++;
        out.bytes += st.size;
      } else if (st.isSymbolicLink()) {
        const target = await readlink(posix.join(root, path));
        const resolved = target.startsWith("/") ? posix.normalize(target) : posix.join(MODEL_ROOT, posix.dirname(path), target);
        if (resolved !== MODEL_ROOT && !resolved.startsWith(`${MODEL_ROOT}/`)) {
          out.problems.push({ path, kind: "link", why: `is a link to ${target}, outside the model directory: it dangles once the model is unpacked elsewhere` });
        }
      } else {
        const what = st.isSocket() ? "a socket" : st.isFIFO() ? "a named pipe" : "a device node";
        out.problems.push({ path, kind: "special", why: `is ${what}, which model.tar.gz cannot carry` });
      }
    }
  };
  await walk("");
  return out;
}

/** Writes model.tar.gz of the directory's contents, entries relative to it (`model.json`, not `./model.json`). */
export async function packModel(root: string, dest: string): Promise<string> {
  const entries = (await readdir(root)).sort();
  await create({ gzip: true, file: dest, cwd: root, portable: true, follow: false }, entries);
  return dest;
}

const UNPACKABLE = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);
const HINT = "give the model.tar.gz your training job wrote (relative paths, regular files and directories), or a model directory";

function entryProblem(path: string, type: string): string | undefined {
  if (!UNPACKABLE.has(type)) return ` (${type})`;
  if (path.startsWith("/") || path.split("/").includes("..")) return " (outside the model directory)";
  return undefined;
}

/** Link targets byoc-check's unpacker refuses: absolute, or climbing out with `..`. */
function linkProblem(type: string, target: string | undefined): string | undefined {
  if ((type !== "SymbolicLink" && type !== "Link") || !target) return undefined;
  if (target.startsWith("/")) return ` (a link to the absolute path ${target}: give the model as a directory, --model DIR, to keep it)`;
  if (type === "Link" && target.split("/").includes("..")) return ` (a hard link to ${target}, outside the model directory)`;
  return undefined;
}

/**
 * Reads a model.tar.gz through once, without unpacking, so that a file SageMaker could not unpack into /opt/ml/model
 * stops the run before anything starts: not a gzipped tar, an absolute or `..` path, a device or FIFO.
 */
export function checkModelArchive(file: string): void {
  const problems: string[] = [];
  try {
    list({ file, sync: true, strict: true, onReadEntry: (e) => {
      const p = entryProblem(e.path, e.type) ?? linkProblem(e.type, e.linkpath);
      if (p && problems.length < 5) problems.push(`${e.path}${p}`);
    } });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "cannot be read" : "is not a gzipped tar archive";
    throw new ConfigError(`--model ${file} ${why}`, HINT);
  }
  if (problems.length > 0) throw new ConfigError(`--model ${file} holds entries that cannot be unpacked into /opt/ml/model: ${problems.join(", ")}`, HINT);
}

/**
 * Unpacks a model.tar.gz into `dest` as SageMaker unpacks ModelDataUrl into /opt/ml/model (§2.2): regular files,
 * directories and links only, nothing outside `dest`, no owners.
 */
export async function unpackModel(file: string, dest: string): Promise<void> {
  checkModelArchive(file); // again: the file may have changed since the command line was read
  await extract({ file, cwd: dest, strict: true, preservePaths: false, preserveOwner: false, filter: (path, entry) => entryProblem(path, "type" in entry ? entry.type : "File") === undefined });
  // (Relative symlinks that climb out are tar's to refuse: it will not write through them.)
}
