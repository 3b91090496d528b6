import { describe, expect, it } from "vitest";
import { ldSoConfDirs, realPath, resolveNeeded, type ElfObject, type LinkKind, type PathLookup } from "../../../src/image/ld.js";

/** A merged filesystem from a list: "dir/", "file", "link -> target". Parent directories are implied. */
function image(entries: string[], texts: Record<string, string> = {}) {
  const m = new Map<string, { kind: LinkKind; linkTarget?: string }>();
  const addDirs = (p: string) => {
    for (let d = p.slice(0, p.lastIndexOf("/")); d; d = d.slice(0, d.lastIndexOf("/"))) m.set(d, { kind: "dir" });
  };
  for (const e of [...entries, ...Object.keys(texts)]) {
    const [path, target] = e.split(" -> ");
    const p = path!.replace(/\/$/, "");
    addDirs(p);
    m.set(p, target !== undefined ? { kind: "symlink", linkTarget: target } : path!.endsWith("/") ? { kind: "dir" } : { kind: "file" });
  }
  m.set("/", { kind: "dir" });
  const fs: PathLookup & { readText(p: string): string | undefined; list(d: string): string[] } = {
    lstat: (p) => m.get(p === "/" ? "/" : p.replace(/\/$/, "")),
    readText: (p) => texts[p],
    list: (d) => [...m.keys()].filter((k) => k.startsWith(`${d}/`) && !k.slice(d.length + 1).includes("/")).map((k) => k.slice(d.length + 1)),
  };
  return fs;
}

const obj = (path: string, needed: string[], more: Partial<ElfObject> = {}): ElfObject => ({ path, bits: 64, machine: 62, needed, rpath: [], runpath: [], ...more });
const ctx = { ldLibraryPath: [] as string[], confDirs: [] as string[] };

describe("realPath", () => {
  it("follows links in any component, with chroot semantics for .. and absolute targets", () => {
    const fs = image(["/usr/local/cuda -> cuda-12.4", "/usr/local/cuda-12.4/lib64/libcudart.so.12.4.127", "/usr/local/cuda-12.4/lib64/libcudart.so.12 -> libcudart.so.12.4.127", "/a -> ../../../usr"]);
    expect(realPath(fs, "/usr/local/cuda/lib64/libcudart.so.12")).toEqual({ path: "/usr/local/cuda-12.4/lib64/libcudart.so.12.4.127", kind: "file" });
    expect(realPath(fs, "/a/local/cuda/lib64")).toEqual({ path: "/usr/local/cuda-12.4/lib64", kind: "dir" });
  });

  it("gives up on a loop and on a missing target", () => {
    const fs = image(["/x -> /y", "/y -> /x", "/dangling -> /nowhere"]);
    expect(realPath(fs, "/x")).toBeUndefined();
    expect(realPath(fs, "/dangling")).toBeUndefined();
  });
});

describe("resolveNeeded follows ld.so(8)'s order", () => {
  const torch = "/usr/lib/python3/site-packages/torch/lib/libtorch_cuda.so";
  const fs = image([
    torch,
    "/usr/lib/python3/site-packages/nvidia/cudnn/lib/libcudnn.so.9",
    "/usr/lib/python3/site-packages/torch/lib/libc10_cuda.so",
    "/opt/rp/libx.so.1",
    "/opt/llp/libx.so.1",
    "/opt/run/libx.so.1",
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/local/cuda/lib64/libcudart.so.12",
  ]);

  it("$ORIGIN-relative RUNPATH, as torch's wheel sets it", () => {
    const r = resolveNeeded(fs, obj(torch, ["libcudnn.so.9", "libc10_cuda.so", "libc.so.6"], { runpath: ["$ORIGIN/../../nvidia/cudnn/lib", "$ORIGIN"] }), ctx);
    expect(r).toEqual([
      { name: "libcudnn.so.9", found: true, path: "/usr/lib/python3/site-packages/nvidia/cudnn/lib/libcudnn.so.9", via: "runpath" },
      { name: "libc10_cuda.so", found: true, path: "/usr/lib/python3/site-packages/torch/lib/libc10_cuda.so", via: "runpath" },
      { name: "libc.so.6", found: true, path: "/usr/lib/x86_64-linux-gnu/libc.so.6", via: "default" },
    ]);
  });

  it("RPATH before LD_LIBRARY_PATH, RUNPATH after it, and RPATH ignored when RUNPATH is set", () => {
    const c = { ...ctx, ldLibraryPath: ["/opt/llp"] };
    expect(resolveNeeded(fs, obj("/app/a", ["libx.so.1"], { rpath: ["/opt/rp"] }), c)[0]).toMatchObject({ path: "/opt/rp/libx.so.1", via: "rpath" });
    expect(resolveNeeded(fs, obj("/app/a", ["libx.so.1"], { runpath: ["/opt/run"] }), c)[0]).toMatchObject({ path: "/opt/llp/libx.so.1", via: "LD_LIBRARY_PATH" });
    expect(resolveNeeded(fs, obj("/app/a", ["libx.so.1"], { rpath: ["/opt/rp"], runpath: ["/opt/run"] }), ctx)[0]).toMatchObject({ path: "/opt/run/libx.so.1", via: "runpath" });
  });

  it("ld.so.conf directories, includes and all", () => {
    const withConf = image(["/usr/local/cuda/lib64/libcudart.so.12"], { "/etc/ld.so.conf": "include /etc/ld.so.conf.d/*.conf\n", "/etc/ld.so.conf.d/cuda.conf": "# CUDA\n/usr/local/cuda/lib64\n" });
    const dirs = ldSoConfDirs(withConf);
    expect(dirs).toEqual(["/usr/local/cuda/lib64"]);
    expect(resolveNeeded(withConf, obj("/app/a", ["libcudart.so.12"]), { ...ctx, confDirs: dirs })[0]).toMatchObject({ found: true, via: "ld.so.conf" });
  });

  it("names every place it looked when a library is missing, and trusts the host for the driver's libraries", () => {
    const [missing, driver] = resolveNeeded(fs, obj("/app/a", ["libcublas.so.12", "libcuda.so.1"], { runpath: ["$ORIGIN/lib"] }), ctx);
    expect(missing).toEqual({ name: "libcublas.so.12", found: false, tried: ["/app/lib/libcublas.so.12", "/lib/x86_64-linux-gnu/libcublas.so.12", "/usr/lib/x86_64-linux-gnu/libcublas.so.12", "/lib64/libcublas.so.12", "/usr/lib64/libcublas.so.12", "/lib/libcublas.so.12", "/usr/lib/libcublas.so.12"] });
    expect(driver).toEqual({ name: "libcuda.so.1", found: true, via: "host" });
  });
});
