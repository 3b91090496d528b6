import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanLayers } from "../../../src/engine/layer-scan.js";
import { configFromInspect } from "../../../src/image/config.js";
import { entryName } from "../../../src/image/fatbin.js";
import { executable, gccLibrary, layerFacts, layerReader, type LayerSpec, nvccLibrary, opaque, symlink, whiteout } from "../helpers/layer-image.js";

// Made-up credentials in the shape of real ones, built from pieces so that no scanner takes this file for a leak.
const AWS_ID = "AKIA" + "Z7Q4M2XWBV9KD3PL";
const AWS_SECRET = "Zx9/Tq2Lm8Kw" + "Rb4+Yv7Nc1Hp" + "Dg5Js3Fa6Ue0" + "Wi8Q";
const CREDENTIALS = `[default]\naws_access_key_id = ${AWS_ID}\naws_secret_access_key = ${AWS_SECRET}\n`;
const HF = "hf_" + "Qm7dLw2Rk9Tz" + "Xb4Nc8Vp1Hs6" + "Jg3Fy5Ua0E";

const CUDART = "/usr/local/cuda-12.4/targets/x86_64-linux/lib/libcudart.so.12.4.127";
const VERSION_JSON = "/usr/local/cuda-12.4/version.json";
const TORCH = "/opt/conda/lib/python3.11/site-packages/torch/version.py";
const versionJson = (v: string) => JSON.stringify({ cuda: { name: "CUDA SDK", version: v }, cuda_cudart: { name: "CUDA Runtime (cudart)", version: v } });

const brief = (facts: Awaited<ReturnType<typeof layerFacts>>) =>
  facts.secrets.map((s) => `${s.layer.index} ${s.hit.path}:${s.hit.line} ${s.hit.ruleId}${s.deletedLater ? " deleted-later" : ""}`);

describe("scanLayers: the single pass", () => {
  it("reads the image once and summarises every layer with the diff id of the bytes that streamed", async () => {
    const layers: LayerSpec[] = [{ "/etc": { dir: true }, "/etc/hostname": "build\n" }, { "/opt/program/entry": executable("#!/bin/sh\nexec python serve.py\n") }];
    const read = layerReader(layers);
    const facts = await scanLayers(read, configFromInspect({ Entrypoint: ["/opt/program/entry"] }), new AbortController().signal);
    expect(read.calls).toBe(1);
    expect(facts.layers).toEqual(read.tars.map((t, index) => ({ index, diffId: `sha256:${createHash("sha256").update(t).digest("hex")}` })));
    expect(facts.entries).toBe(3);
    expect(facts.secrets).toEqual([]);
    expect(facts.unresolved).toEqual([]);
  });

  it("names the config's diff id only for a layer whose bytes hash to something else", async () => {
    const wrong = `sha256:${"0".repeat(64)}`;
    const facts = await layerFacts([{ "/a": "a" }, { "/b": "b" }], undefined, { expectedDiffIds: [undefined, wrong] });
    expect(facts.layers[0]).not.toHaveProperty("expectedDiffId");
    expect(facts.layers[1]!.expectedDiffId).toBe(wrong);
  });

  it("stops with the signal's reason when aborted", async () => {
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await expect(scanLayers(layerReader([{ "/a": "a" }]), configFromInspect({}), ac.signal)).rejects.toThrow("stop");
  });
});

describe("scanLayers: secrets in any layer", () => {
  it("reports a credentials file added in layer 0 and deleted in layer 1, as deleted later", async () => {
    const facts = await layerFacts([{ "/root/.aws/credentials": CREDENTIALS, "/opt/program/download.py": "import boto3\n" }, { "/root/.aws/credentials": whiteout }]);
    expect(brief(facts)).toEqual(["0 /root/.aws/credentials:2 aws-access-key-id deleted-later", "0 /root/.aws/credentials:3 aws-secret-access-key deleted-later"]);
    expect(facts.secrets[0]!.layer).toEqual(facts.layers[0]);
  });

  it("reports one still in the image as not deleted", async () => {
    const facts = await layerFacts([{ "/etc/hostname": "build\n" }, { "/root/.aws/credentials": CREDENTIALS }]);
    expect(brief(facts)).toEqual(["1 /root/.aws/credentials:2 aws-access-key-id", "1 /root/.aws/credentials:3 aws-secret-access-key"]);
  });

  it("reports a file that a later layer overwrites with clean content, for the layer that added it", async () => {
    const facts = await layerFacts([{ "/opt/app/.env": `HF_TOKEN=${HF}\n` }, { "/opt/app/.env": "HF_TOKEN=\n" }]);
    expect(brief(facts)).toEqual(["0 /opt/app/.env:1 hugging-face-access-token deleted-later"]);
  });

  it("counts a directory made opaque, or deleted whole, as deleting what lower layers put in it", async () => {
    const opaqued = await layerFacts([{ "/root/.aws/credentials": CREDENTIALS }, { "/root/.aws": opaque }]);
    expect(opaqued.secrets.map((s) => s.deletedLater)).toEqual([true, true]);
    const removed = await layerFacts([{ "/root/.aws/credentials": CREDENTIALS }, { "/root/.aws": whiteout }]);
    expect(removed.secrets.map((s) => s.deletedLater)).toEqual([true, true]);
  });

  it("reports the same secret once per layer that ships it, lower layers first", async () => {
    const facts = await layerFacts([{ "/opt/app/.env": `HF_TOKEN=${HF}\n` }, { "/etc/hostname": "x\n" }, { "/opt/app/.env": `\nHF_TOKEN=${HF}\n` }]);
    expect(brief(facts)).toEqual(["0 /opt/app/.env:1 hugging-face-access-token deleted-later", "2 /opt/app/.env:2 hugging-face-access-token"]);
  });

  it("finds a secret whose bytes straddle two chunks of the stream", async () => {
    // The tar header takes 512 bytes: the token starts 13 bytes before the first chunk ends.
    const body = `${"#".repeat(3558)}\nHF_TOKEN=${HF}\n`;
    const facts = await layerFacts([{ "/opt/app/settings.env": body }], undefined, { chunk: 4093 });
    expect(brief(facts)).toEqual(["0 /opt/app/settings.env:2 hugging-face-access-token"]);
  });
});

describe("scanLayers: CUDA version evidence", () => {
  it("reads version.json, the libcudart file name, torch/version.py and ENV CUDA_VERSION, each with its source", async () => {
    const facts = await layerFacts(
      [
        { [VERSION_JSON]: versionJson("12.4.1"), [CUDART]: Buffer.alloc(128, 1), "/usr/local/cuda": symlink("cuda-12.4") },
        { [TORCH]: "__version__ = '2.3.0+cu121'\ndebug = False\ncuda: Optional[str] = '12.1'\nhip: Optional[str] = None\n" },
      ],
      { Entrypoint: ["/opt/program/entry"], Env: ["CUDA_VERSION=12.4.1", "PATH=/usr/bin"] },
    );
    expect(facts.gpu.cuda).toEqual(
      expect.arrayContaining([
        { cuda: "12.4", source: "version.json", where: VERSION_JSON },
        { cuda: "12.4", source: "libcudart", where: CUDART },
        { cuda: "12.1", source: "torch", where: TORCH },
        { cuda: "12.4", source: "env", where: "ENV CUDA_VERSION" },
      ]),
    );
    expect(facts.gpu.cuda).toHaveLength(4);
  });

  it("does not count a version file or a libcudart that a later layer deletes", async () => {
    const facts = await layerFacts([{ [VERSION_JSON]: versionJson("12.4.1"), [CUDART]: Buffer.alloc(128, 1) }, { [VERSION_JSON]: whiteout, [CUDART]: whiteout }]);
    expect(facts.gpu.cuda).toEqual([]);
  });

  it("reads a version file as the last layer that wrote it left it", async () => {
    const facts = await layerFacts([{ [VERSION_JSON]: versionJson("12.4.1") }, { [VERSION_JSON]: versionJson("12.8.0") }]);
    expect(facts.gpu.cuda).toEqual([{ cuda: "12.8", source: "version.json", where: VERSION_JSON }]);
  });

  it("finds none in an image without CUDA", async () => {
    const facts = await layerFacts([{ "/usr/bin/python3": executable("\x7fELF"), "/opt/program/entry": executable("#!/bin/sh\n") }]);
    expect(facts.gpu.cuda).toEqual([]);
    expect(facts.gpu).not.toHaveProperty("compat");
    expect(facts.gpu.compatApplied).toBe("none");
  });
});

describe("scanLayers: cuda-compat", () => {
  const COMPAT = "/usr/local/cuda-13.0/compat";
  const SWITCH = `#!/bin/bash\nif [ -f ${COMPAT}/libcuda.so.1 ]; then\n  export LD_LIBRARY_PATH=${COMPAT}:$LD_LIBRARY_PATH\nfi\n`;
  const compatLayer: LayerSpec = {
    [`${COMPAT}/libcuda.so.580.95.05`]: Buffer.alloc(256, 7),
    [`${COMPAT}/libcuda.so.1`]: symlink("libcuda.so.580.95.05"),
    "/usr/local/bin/start_cuda_compat.sh": executable(SWITCH),
  };
  const entry = (text: string): LayerSpec => ({ "/usr/local/bin/entry.sh": executable(text) });
  const config = { Entrypoint: ["/usr/local/bin/entry.sh"], Cmd: ["serve"] };

  it("reads the compat driver from the link compat/libcuda.so.1 -> libcuda.so.580.95.05", async () => {
    const facts = await layerFacts([compatLayer]);
    expect(facts.gpu.compat).toEqual({ dir: COMPAT, libcudaTarget: "libcuda.so.580.95.05" });
  });

  it("sees an entrypoint that sources the switch script apply it in-process", async () => {
    const facts = await layerFacts([compatLayer, entry('#!/bin/bash\nsource /usr/local/bin/start_cuda_compat.sh\nexec "$@"\n')], config);
    expect(facts.gpu.compatApplied).toBe("in-process");
  });

  it("sees an entrypoint that runs the switch script with bash apply it in a child process", async () => {
    const facts = await layerFacts([compatLayer, entry('#!/bin/bash\nbash /usr/local/bin/start_cuda_compat.sh\nexec "$@"\n')], config);
    expect(facts.gpu.compatApplied).toBe("child-process");
  });

  it("reads the entrypoint as the last layer wrote it", async () => {
    const facts = await layerFacts([compatLayer, entry("#!/bin/bash\nsource /usr/local/bin/start_cuda_compat.sh\n"), entry('#!/bin/bash\nexec "$@"\n')], config);
    expect(facts.gpu.compatApplied).toBe("none");
  });

  it("has no compat once a later layer deletes the link", async () => {
    const facts = await layerFacts([compatLayer, { [`${COMPAT}/libcuda.so.1`]: whiteout }]);
    expect(facts.gpu).not.toHaveProperty("compat");
  });
});

// Real binaries: one nvcc build (SASS for sm_80 only) and a few gcc builds; see fatbin.test.ts for why nvcc is required.
const hasNvcc = spawnSync("nvcc", ["--version"]).status === 0;
let dir = "";
const lib: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "byoc-layer-scan-"));
  lib.missing = await gccLibrary(dir, "libmissing.so.1", "int missing(void) { return 1; }\n", { soname: "libmissing.so.1" });
  lib.needs = await gccLibrary(dir, "libneeds.so", "int missing(void);\nint needs(void) { return missing(); }\n", { needs: ["libmissing.so.1"] });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasNvcc && process.env.BYOC_NO_NVCC === "1")("scanLayers: CUDA libraries", () => {
  const PATH = "/opt/program/lib/libk80.so";

  beforeAll(async () => {
    expect(hasNvcc, "nvcc is not on PATH: these tests need a real CUDA library (set BYOC_NO_NVCC=1 on a machine without CUDA)").toBe(true);
    lib.sm80 = await nvccLibrary(dir, "libk80.so", [["compute_80", "sm_80"]]);
  }, 180_000);

  it("lists a real nvcc-built library with its kernel containers", async () => {
    const facts = await layerFacts([{ [PATH]: lib.sm80! }]);
    expect(facts.gpu.libraries.map((l) => l.path)).toEqual([PATH]);
    const entries = facts.gpu.libraries[0]!.containers.flatMap((c) => c.entries.map(entryName));
    expect([...new Set(entries)]).toEqual(["sm_80"]);
  });

  it("does not list it once a later layer deletes it", async () => {
    const facts = await layerFacts([{ [PATH]: lib.sm80! }, { [PATH]: whiteout }]);
    expect(facts.gpu.libraries).toEqual([]);
  });
});

describe("scanLayers: NEEDED entries the loader would not find", () => {
  const NEEDS = "/opt/app/lib/libneeds.so";
  const DEFAULTS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];
  const unresolvedPaths = (facts: Awaited<ReturnType<typeof layerFacts>>) => facts.unresolved.map((u) => u.path);

  it("reports a library whose NEEDED is nowhere, with every place the loader tried", async () => {
    const facts = await layerFacts([{ [NEEDS]: lib.needs! }]);
    expect(facts.unresolved).toEqual([{ path: NEEDS, missing: [{ name: "libmissing.so.1", found: false, tried: DEFAULTS.map((d) => `${d}/libmissing.so.1`) }] }]);
    expect(facts.elfCount).toBe(1);
  });

  it("judges what is loaded: a plugin in a subdirectory is not, the same library in a default directory or on LD_LIBRARY_PATH is", async () => {
    // iproute2's /usr/lib/x86_64-linux-gnu/tc/q_atm.so needs libatm1, which Debian only recommends.
    const PLUGIN = "/usr/lib/x86_64-linux-gnu/tc/libneeds.so";
    expect(unresolvedPaths(await layerFacts([{ [PLUGIN]: lib.needs! }]))).toEqual([]);
    expect(unresolvedPaths(await layerFacts([{ "/usr/lib/x86_64-linux-gnu/libneeds.so": lib.needs! }]))).toEqual(["/usr/lib/x86_64-linux-gnu/libneeds.so"]);
    expect(unresolvedPaths(await layerFacts([{ [PLUGIN]: lib.needs! }], { Env: ["LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/tc"] }))).toEqual([PLUGIN]);
  });

  it("does not report it once a later layer deletes it", async () => {
    const facts = await layerFacts([{ [NEEDS]: lib.needs! }, { [NEEDS]: whiteout }]);
    expect(facts.unresolved).toEqual([]);
    expect(facts.elfCount).toBe(0);
  });

  it("resolves it when a later layer adds the missing library to a default directory", async () => {
    const facts = await layerFacts([{ [NEEDS]: lib.needs! }, { "/usr/lib/x86_64-linux-gnu/libmissing.so.1": lib.missing! }]);
    expect(facts.unresolved).toEqual([]);
    expect(facts.elfCount).toBe(2);
  });

  it("resolves it through a link, as ldconfig's SONAME links are", async () => {
    const facts = await layerFacts([{ [NEEDS]: lib.needs!, "/usr/lib/libmissing.so.1.0.0": lib.missing!, "/usr/lib/libmissing.so.1": symlink("libmissing.so.1.0.0") }]);
    expect(facts.unresolved).toEqual([]);
  });

  it("reports it again when a later layer deletes the library it found", async () => {
    const facts = await layerFacts([{ [NEEDS]: lib.needs!, "/usr/lib/libmissing.so.1": lib.missing! }, { "/usr/lib/libmissing.so.1": whiteout }]);
    expect(unresolvedPaths(facts)).toEqual([NEEDS]);
  });

  it("resolves it in a directory named by ENV LD_LIBRARY_PATH, and only then", async () => {
    const layers = [{ [NEEDS]: lib.needs!, "/opt/other/libmissing.so.1": lib.missing! }];
    expect(unresolvedPaths(await layerFacts(layers))).toEqual([NEEDS]);
    const facts = await layerFacts(layers, { Entrypoint: ["/opt/program/entry"], Env: ["LD_LIBRARY_PATH=/opt/nothing::/opt/other"] });
    expect(facts.unresolved).toEqual([]);
  });

  it("resolves it in a directory listed in /etc/ld.so.conf.d/*.conf", async () => {
    const base: LayerSpec = { "/etc/ld.so.conf": "include /etc/ld.so.conf.d/*.conf\n", [NEEDS]: lib.needs!, "/opt/other/libmissing.so.1": lib.missing! };
    expect(unresolvedPaths(await layerFacts([base]))).toEqual([NEEDS]);
    expect(unresolvedPaths(await layerFacts([base, { "/etc/ld.so.conf.d/other.conf": "# added by the build\n/opt/other\n" }]))).toEqual([]);
    // A conf file that a later layer deletes no longer counts.
    expect(unresolvedPaths(await layerFacts([base, { "/etc/ld.so.conf.d/other.conf": "/opt/other\n" }, { "/etc/ld.so.conf.d/other.conf": whiteout }]))).toEqual([NEEDS]);
  });

  it("names the directories from LD_LIBRARY_PATH and ld.so.conf among those tried", async () => {
    const facts = await layerFacts([{ "/etc/ld.so.conf": "/opt/conf\n", [NEEDS]: lib.needs! }], { Env: ["LD_LIBRARY_PATH=/opt/env"] });
    expect(facts.unresolved[0]!.missing[0]).toMatchObject({ found: false, tried: ["/opt/env/libmissing.so.1", "/opt/conf/libmissing.so.1", ...DEFAULTS.map((d) => `${d}/libmissing.so.1`)] });
  });
});
