// Helpers for the multi-node rules (reference cuda-efa.md section 5): when they apply, the name NCCL will dlopen
// for its net plugin, and where the dynamic loader looks.
import { ldLibraryPath, type GpuContext } from "./context.js";

/** More than one instance of a type with EFA. A GPU or Neuron type whose EFA count is unconfirmed counts as having it. */
export function multiNodeEfa(ctx: GpuContext): boolean {
  const i = ctx.target.instance;
  const efa = i.efaMax ?? (i.gpu || i.accelerator ? 1 : 0);
  return ctx.target.count > 1 && efa > 0;
}

/** "ml.p4d.24xlarge x 2 (4 EFA interfaces each)" */
export function fleetLabel(ctx: GpuContext): string {
  const i = ctx.target.instance;
  const efa = i.efaMax === undefined ? "EFA" : `${i.efaMax} EFA interface${i.efaMax === 1 ? "" : "s"} each`;
  return `${i.type} x ${ctx.target.count} (${efa})`;
}

/**
 * The names NCCL dlopen()s for its net plugin (NCCL src/plugin/net.cc): NCCL_NET_PLUGIN unset -> "libnccl-net.so";
 * set to X -> X itself, then "libnccl-net-X.so"; none loads -> the internal sockets transport, silently.
 */
export function ncclPluginNames(env: Readonly<Record<string, string>>): string[] {
  const x = env["NCCL_NET_PLUGIN"];
  if (x === undefined || x === "") return ["libnccl-net.so"];
  return x.includes("/") ? [x] : [x, `libnccl-net-${x}.so`];
}

// glibc's trusted directories, searched after LD_LIBRARY_PATH and ld.so.cache.
const TRUSTED = ["/lib", "/usr/lib", "/lib64", "/usr/lib64"];

/** Directories a dlopen() by bare name searches, or undefined when the image scan did not read ld.so.cache. */
export function loaderSearchDirs(ctx: GpuContext): Set<string> | undefined {
  const dirs = ctx.image.efa.loaderDirs;
  if (!dirs) return undefined;
  return new Set([...ldLibraryPath(ctx.image.env), ...dirs.map((d) => d.replace(/\/+$/, "")), ...TRUSTED]);
}

export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** The leading numeric part of a version: "2.1.0amzn4.0" -> "2.1.0". */
export function numericVersion(v: string): string | undefined {
  return /^\d+(\.\d+)*/.exec(v.trim())?.[0];
}
