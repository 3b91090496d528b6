import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import check from "../../../conformance/image/libraries-resolve.js";
import { gccLibrary, layerContext, type LayerSpec } from "../helpers/layer-image.js";
import { onlyFinding, passDetail } from "./outcomes.js";

// Real shared objects, built with gcc and without libc so that their only NEEDED entries are the ones named here.
let dir = "";
const lib: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "byoc-libs-resolve-"));
  lib.missing = await gccLibrary(dir, "libmissing.so.1", "int missing(void) { return 1; }\n", { soname: "libmissing.so.1" });
  lib.needs = await gccLibrary(dir, "libneeds.so", "int missing(void);\nint needs(void) { return missing(); }\n", { needs: ["libmissing.so.1"] });
  // A stand-in for the driver library the NVIDIA container toolkit mounts from the host.
  await gccLibrary(dir, "libcuda.so.1", "int cuInit(unsigned f) { return 0; }\n", { soname: "libcuda.so.1" });
  lib.usesCuda = await gccLibrary(dir, "libuses_cuda.so", "int cuInit(unsigned f);\nint start(void) { return cuInit(0); }\n", { needs: ["libcuda.so.1"] });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const NEEDS = "/opt/conda/lib/python3.11/site-packages/ext/libneeds.so";
const ENV = ["LD_LIBRARY_PATH=/opt/cuda/lib"];
const run = async (layers: LayerSpec[], env: string[] = ENV) => check.run(await layerContext(layers, { config: { Entrypoint: ["/opt/program/entry"], Env: env } }));

describe("IMG-LIBS-RESOLVE", () => {
  it("fires on a library whose NEEDED entry the loader finds nowhere, naming every place it tried", async () => {
    const f = onlyFinding(await run([{ [NEEDS]: lib.needs! }]));
    expect(f.message).toBe(`${NEEDS} needs libmissing.so.1, which the dynamic loader would not find`);
    expect(f.fix).toBe("Install libmissing.so.1 or add the directory holding it to LD_LIBRARY_PATH or /etc/ld.so.conf.d/.");
    expect(f.evidence.location).toEqual({ kind: "file", path: NEEDS });
    const tried = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"].map((d) => `${d}/libmissing.so.1`);
    expect(f.evidence.actual).toEqual([{ name: "libmissing.so.1", tried: ["/opt/cuda/lib/libmissing.so.1", ...tried] }]);
  });

  it("does not fire once a later layer adds the library the loader looks for", async () => {
    const detail = passDetail(await run([{ [NEEDS]: lib.needs! }, { "/opt/cuda/lib/libmissing.so.1": lib.missing! }]));
    expect(detail).toBe("the dependencies of 2 shared objects resolve");
  });

  it("fires again when the library that satisfied it is deleted by a later layer", async () => {
    onlyFinding(await run([{ [NEEDS]: lib.needs!, "/usr/lib/libmissing.so.1": lib.missing! }, { "/usr/lib/libmissing.so.1": { whiteout: true } }]));
  });

  it("does not fire on a library that needs the driver's libcuda.so.1, which the host injects", async () => {
    expect(passDetail(await run([{ "/opt/app/libuses_cuda.so": lib.usesCuda! }]))).toBe("the dependencies of 1 shared objects resolve");
  });

  it("does not fire on an image without shared objects", async () => {
    expect(passDetail(await run([{ "/opt/program/entry": { file: "#!/bin/sh\n", mode: 0o755 } }]))).toBe("the dependencies of 0 shared objects resolve");
  });
});
