import { describe, expect, it } from "vitest";
import efaEnvironment from "../../../../src/gpu/rules/efa-environment.js";
import efaLibfabric from "../../../../src/gpu/rules/efa-libfabric.js";
import efaMinimumVersions from "../../../../src/gpu/rules/efa-minimum-versions.js";
import efaOfiNcclPlugin from "../../../../src/gpu/rules/efa-ofi-nccl-plugin.js";
import efaPluginLibcudart from "../../../../src/gpu/rules/efa-plugin-libcudart.js";
import type { EfaMarkers, ImageGpuInput } from "../../../../src/gpu/types.js";
import { cudaImage, on, run } from "../build.js";

// What EFA installer 1.38+ puts in an Ubuntu image (reference section 5.1), with an unversioned libcudart.so link.
const installer: EfaMarkers = {
  libfabric: [{ path: "/opt/amazon/efa/lib/libfabric.so.1", version: "2.1.0amzn4.0", efaProvider: true }],
  efaInstallerVersion: "1.43.1",
  ofiNcclPlugins: ["/opt/amazon/ofi-nccl/lib/libnccl-net-ofi.so", "/opt/amazon/ofi-nccl/lib/libnccl-net.so"],
  ofiNcclVersion: "1.16.3",
  nccl: { path: "/usr/local/lib/libnccl.so.2.23.4", version: "2.23.4", cuda: "12.6" },
  libcudartUnversioned: ["/usr/local/cuda/lib64/libcudart.so"],
  loaderDirs: ["/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu"],
};
const LD = "/opt/amazon/ofi-nccl/lib:/opt/amazon/efa/lib:/usr/local/cuda/lib64";
const img = (efa: Partial<EfaMarkers> = {}, env: Record<string, string> = { LD_LIBRARY_PATH: LD }): ImageGpuInput => cudaImage("12.6", { efa: { ...installer, ...efa }, env });
const p4d = (count = 2) => on("ml.p4d.24xlarge", { surface: "training", count });
const p5 = on("ml.p5.48xlarge", { surface: "training", count: 2 });

describe("the EFA rules apply to multi-node on an EFA type only", () => {
  it.each([
    ["one instance", p4d(1)],
    ["a type without EFA", on("ml.g5.xlarge", { surface: "training", count: 4 })],
  ])("%s: nothing fires", (_what, target) => {
    const bare = cudaImage("12.6", { env: { RDMAV_FORK_SAFE: "1" } });
    for (const r of [efaLibfabric, efaOfiNcclPlugin, efaPluginLibcudart, efaMinimumVersions, efaEnvironment]) expect(run(r, bare, target)).toEqual([]);
  });

  it("a complete EFA installer image passes all of them on p4d", () => {
    for (const r of [efaLibfabric, efaOfiNcclPlugin, efaPluginLibcudart, efaMinimumVersions, efaEnvironment]) expect(run(r, img(), p4d())).toEqual([]);
  });
});

describe("EFA-LIBFABRIC", () => {
  it("fires without libfabric, for GPU and Neuron types", () => {
    const [v] = run(efaLibfabric, img({ libfabric: [] }), p4d());
    expect(v!.message).toBe("ml.p4d.24xlarge x 2 (4 EFA interfaces each): no libfabric in the image, so NCCL cannot use EFA and falls back to TCP sockets");
    const [n] = run(efaLibfabric, img({ libfabric: [] }), on("ml.trn1.32xlarge", { surface: "training", count: 2 }));
    expect(n!.message).toContain("the Neuron collectives (libnccom)");
  });

  it("fires for a libfabric without the efa provider", () => {
    expect(run(efaLibfabric, img({ libfabric: [{ path: "/usr/lib/x86_64-linux-gnu/libfabric.so.1", efaProvider: false }] }), p4d())).toHaveLength(1);
  });
});

describe("EFA-OFI-NCCL-PLUGIN", () => {
  it("fires when only libnccl-net-ofi.so is present and NCCL_NET_PLUGIN is unset", () => {
    const [v] = run(efaOfiNcclPlugin, img({ ofiNcclPlugins: ["/opt/amazon/ofi-nccl/lib/libnccl-net-ofi.so"] }), p5);
    expect(v!.severity).toBe("warning");
    expect(v!.message).toBe(
      "ml.p5.48xlarge x 2 (32 EFA interfaces each): the image has only libnccl-net-ofi.so and NCCL_NET_PLUGIN is unset, so NCCL dlopen()s libnccl-net.so, finds none and silently falls back to TCP sockets",
    );
    expect(v!.fix).toBe("Set ENV NCCL_NET_PLUGIN=ofi, or link libnccl-net.so to libnccl-net-ofi.so in /opt/amazon/ofi-nccl/lib");
  });

  it("does not fire with NCCL_NET_PLUGIN=ofi (NCCL tries libnccl-net-ofi.so)", () => {
    const only = img({ ofiNcclPlugins: ["/opt/amazon/ofi-nccl/lib/libnccl-net-ofi.so"] }, { LD_LIBRARY_PATH: LD, NCCL_NET_PLUGIN: "ofi" });
    expect(run(efaOfiNcclPlugin, only, p5)).toEqual([]);
  });

  it("fires without any plugin, and when the plugin's directory is not searched", () => {
    expect(run(efaOfiNcclPlugin, img({ ofiNcclPlugins: [] }), p5)[0]!.message).toContain("no aws-ofi-nccl plugin");
    const [v] = run(efaOfiNcclPlugin, img({}, { LD_LIBRARY_PATH: "/usr/local/cuda/lib64" }), p5);
    expect(v!.fix).toBe("Add /opt/amazon/ofi-nccl/lib to ENV LD_LIBRARY_PATH");
  });

  it("does not judge directories when ld.so.cache was not read", () => {
    const { loaderDirs: _, ...rest } = installer;
    expect(run(efaOfiNcclPlugin, cudaImage("12.6", { efa: rest, env: {} }), p5)).toEqual([]);
  });
});

describe("EFA-PLUGIN-LIBCUDART", () => {
  it("fires when the plugin is there and no unversioned libcudart.so is", () => {
    const [v] = run(efaPluginLibcudart, img({ libcudartUnversioned: [] }), p5);
    expect(v!.message).toContain("dlopen()s libcudart.so and the image has no unversioned libcudart.so");
  });

  it("does not fire without the plugin (that is EFA-OFI-NCCL-PLUGIN's finding)", () => {
    expect(run(efaPluginLibcudart, img({ libcudartUnversioned: [], ofiNcclPlugins: [] }), p5)).toEqual([]);
  });
});

describe("EFA-MINIMUM-VERSIONS", () => {
  it("fires for aws-ofi-nccl 1.7.1 on p5 (minimum 1.7.2, 1.7.3 recommended)", () => {
    const [v, ...rest] = run(efaMinimumVersions, img({ ofiNcclVersion: "1.7.1" }), p5);
    expect(rest).toEqual([]);
    expect(v!.severity).toBe("warning");
    expect(v!.message).toBe("ml.p5.48xlarge x 2 (32 EFA interfaces each): aws-ofi-nccl 1.7.1 is older than 1.7.2, the minimum for ml.p5.48xlarge (1.7.3 recommended)");
    expect(v!.facts).toMatchObject({ component: "aws-ofi-nccl", minimum: "1.7.2", minimumSources: ["OFI"] });
  });

  it("notes a version between the minimum and the recommended one, and lets p4d use 1.7.1", () => {
    expect(run(efaMinimumVersions, img({ ofiNcclVersion: "1.7.2" }), p5)[0]!.severity).toBe("info");
    expect(run(efaMinimumVersions, img({ ofiNcclVersion: "1.7.1" }), p4d())).toEqual([]);
  });

  it("checks NCCL, the EFA installer, CUDA and libfabric on p5", () => {
    const old = cudaImage("11.8", {
      efa: { ...installer, nccl: { path: "/l/libnccl.so.2", version: "2.17.1" }, efaInstallerVersion: "1.26.0", libfabric: [{ path: "/opt/amazon/efa/lib/libfabric.so.1", version: "1.17.0", efaProvider: true }] },
      env: { LD_LIBRARY_PATH: LD },
    });
    expect(run(efaMinimumVersions, old, p5).map((v) => v.facts["component"])).toEqual(["cuda", "nccl", "efa-installer", "libfabric"]);
  });

  it("only notes the UNCONFIRMED p6 minimum", () => {
    const [v] = run(efaMinimumVersions, img({ efaInstallerVersion: "1.30.0" }), on("ml.p6-b200.48xlarge", { surface: "training", count: 2 }));
    expect(v!.severity).toBe("info");
    expect(v!.message).toContain("UNCONFIRMED");
  });
});

describe("EFA-ENVIRONMENT", () => {
  it("notes RDMAV_FORK_SAFE", () => {
    const [v] = run(efaEnvironment, img({}, { LD_LIBRARY_PATH: LD, RDMAV_FORK_SAFE: "1" }), p4d());
    expect(v!.severity).toBe("info");
    expect(v!.message).toContain("ENV RDMAV_FORK_SAFE=1");
  });

  it("notes FI_PROVIDER=efa but not another provider", () => {
    expect(run(efaEnvironment, img({}, { FI_PROVIDER: "efa" }), p4d())).toHaveLength(1);
    expect(run(efaEnvironment, img({}, { FI_PROVIDER: "tcp" }), p4d())).toEqual([]);
  });
});
