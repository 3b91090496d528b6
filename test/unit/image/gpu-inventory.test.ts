import { describe, expect, it } from "vitest";
import { compatApplication, cudnnFromHeader } from "../../../src/image/gpu-inventory.js";

// AWS's switch script (reference cuda-efa.md §2.2), trimmed to what decides the outcome.
const SWITCH = `#!/bin/bash
COMPAT_FILE=/usr/local/cuda/compat/libcuda.so.1
if [ -f $COMPAT_FILE ]; then
  export LD_LIBRARY_PATH=/usr/local/cuda/compat:$LD_LIBRARY_PATH
fi
`;

describe("compatApplication: does the entrypoint put cuda-compat on LD_LIBRARY_PATH of the program it starts", () => {
  const switchScript = { path: "/usr/local/bin/start_cuda_compat.sh", text: SWITCH };

  it.each([
    ["sources the switch script, then execs", "#!/bin/bash\nsource /usr/local/bin/start_cuda_compat.sh\nexec \"$@\"\n", "in-process"],
    ["dot-sources it with a relative path", "#!/bin/sh\n. ./start_cuda_compat.sh\nexec python serve.py\n", "in-process"],
    ["runs it as a child, as DLC's start_with_right_hostname.sh does", "#!/bin/bash\nbash /usr/local/bin/start_cuda_compat.sh\nexec \"$@\"\n", "child-process"],
    ["runs it directly, also a child", "#!/bin/bash\n/usr/local/bin/start_cuda_compat.sh\nexec \"$@\"\n", "child-process"],
    ["does the switch inline", `#!/bin/bash\nexport LD_LIBRARY_PATH=/usr/local/cuda/compat:$LD_LIBRARY_PATH\nexec "$@"\n`, "in-process"],
    ["never mentions it", "#!/bin/bash\nexec python serve.py\n", "none"],
    ["mentions it only in a comment", "#!/bin/bash\n# source /usr/local/bin/start_cuda_compat.sh\nexec python serve.py\n", "none"],
  ])("an entrypoint that %s", (_, text, expected) => {
    expect(compatApplication([switchScript, { path: "/usr/local/bin/entry.sh", text }], ["/usr/local/bin/entry.sh", "serve"])).toBe(expected);
  });

  it("cannot tell when the entrypoint is not a script it read, or calls a script it did not read", () => {
    expect(compatApplication([switchScript], ["/usr/bin/python3", "serve.py"])).toBe("unknown");
    expect(compatApplication([{ path: "/e.sh", text: "source /opt/other_compat.sh\n" }], ["/e.sh"])).toBe("unknown");
  });
});

describe("compatApplication when the called script was not read", () => {
  it("takes a script named like AWS's switch script to do the switch", () => {
    expect(compatApplication([{ path: "/e.sh", text: ". /usr/local/bin/cuda-compatibility-lib.sh && exec python serve.py\n" }], ["/e.sh"])).toBe("in-process");
    expect(compatApplication([{ path: "/e.sh", text: "bash /usr/local/bin/start_cuda_compat.sh\nexec \"$@\"\n" }], ["/e.sh"])).toBe("child-process");
  });
});

describe("compatApplication looks through what runs before the script", () => {
  const scripts = [
    { path: "/usr/local/bin/start_cuda_compat.sh", text: SWITCH },
    { path: "/usr/local/bin/entry.sh", text: "#!/bin/bash\nsource /usr/local/bin/start_cuda_compat.sh\nexec \"$@\"\n" },
  ];
  const image = new Set(["/usr/bin/dumb-init", "/bin/bash", ...scripts.map((s) => s.path)]);
  // As gpuFacts resolves: a path from /, a bare name through PATH.
  const resolve = (a: string) => (a.startsWith("/") ? (image.has(a) ? a : undefined) : ["/usr/local/bin", "/usr/bin", "/bin"].map((d) => `${d}/${a}`).find((p) => image.has(p)));

  it.each([
    [["/usr/bin/dumb-init", "--", "/usr/local/bin/entry.sh", "serve"]],
    [["bash", "/usr/local/bin/entry.sh"]],
    [["entry.sh", "serve"]],
  ])("%j: in-process", (argv) => {
    expect(compatApplication(scripts, argv, resolve)).toBe("in-process");
  });

  it("a binary with no script after it applies nothing byoc-check can see", () => {
    expect(compatApplication(scripts, ["/usr/bin/dumb-init", "--", "python3", "serve.py"], resolve)).toBe("unknown");
  });
});

describe("cudnnFromHeader (reference §3.2)", () => {
  it("reads cudnn_version.h's three defines, and nothing from a header without them", () => {
    expect(cudnnFromHeader("#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 19\n#define CUDNN_PATCHLEVEL 0\n#define CUDNN_VERSION (CUDNN_MAJOR * 10000)\n")).toBe("9.19.0");
    expect(cudnnFromHeader("#define CUDNN_MAJOR 9\n")).toBeUndefined();
  });
});
