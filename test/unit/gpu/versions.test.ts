import { describe, expect, it } from "vitest";
import {
  canJitPtx,
  compareDotted,
  compareDriverVersions,
  compatDriverFromLink,
  cudaFromComponentVersion,
  cudaFromEnv,
  cudaFromLibcudartName,
  cudaFromTorchVersionPy,
  cudaFromVersionJson,
  cudaFromVersionTxt,
  driverOlderThan,
  firstDriverFor,
  formatCuda,
  maxCudaForDriver,
  minCudaForPtxIsa,
  minDriverForMajor,
  newestPtxIsaFor,
  parseCudaVersion,
  parseDriverVersion,
  parseEfaInstallerVersion,
  parseNcclVersionString,
  parseOfiNcclVersion,
} from "../../../src/gpu/versions.js";
import { knowledge } from "./build.js";

const t = knowledge.cuda;
const d = (s: string) => parseDriverVersion(s)!;

describe("CUDA versions from what an image carries (reference section 3)", () => {
  it.each([
    ["libcudart.so.12.4.127", { major: 12, minor: 4 }], // component version 12.4.127 is CUDA 12.4 (section 3.1)
    ["/usr/local/cuda-11.8/lib64/libcudart.so.11.8.89", { major: 11, minor: 8 }],
    ["libcudart.so.11.0", { major: 11 }], // CUDA 11's SONAME, not a version
    ["site-packages/nvidia/cu13/lib/libcudart.so.13", { major: 13 }],
    ["libcudart.so", undefined],
    ["libcudart_static.a", undefined],
  ])("%s -> %j", (name, want) => {
    expect(cudaFromLibcudartName(name)).toEqual(want);
  });

  it("reads component versions, version.json (date-stamped too), version.txt, torch/version.py and ENV CUDA_VERSION", () => {
    expect(cudaFromComponentVersion("12.4.127")).toEqual({ major: 12, minor: 4 });
    expect(cudaFromComponentVersion("13.0.96")).toEqual({ major: 13, minor: 0 });
    expect(cudaFromVersionJson('{"cuda": {"name": "CUDA SDK", "version": "12.6.3"}}')).toEqual({ major: 12, minor: 6 });
    expect(cudaFromVersionJson('{"cuda": {"version": "11.8.20220929"}}')).toEqual({ major: 11, minor: 8 });
    expect(cudaFromVersionJson("not json")).toBeUndefined();
    expect(cudaFromVersionTxt("CUDA Version 11.0.228\n")).toEqual({ major: 11, minor: 0 });
    expect(cudaFromTorchVersionPy("__version__ = '2.11.0+cu130'\ncuda: Optional[str] = '13.0'\nhip = None\n")).toEqual({ major: 13, minor: 0 });
    expect(cudaFromTorchVersionPy("cuda = '12.1'\n")).toEqual({ major: 12, minor: 1 });
    expect(cudaFromTorchVersionPy("cuda: Optional[str] = None\n")).toBeUndefined();
    expect(cudaFromEnv({ CUDA_VERSION: "12.1.1" })).toEqual({ major: 12, minor: 1 });
    expect(cudaFromEnv({})).toBeUndefined();
  });

  it("reads NCCL's version string with the CUDA it was built for, and the EFA stack's markers", () => {
    expect(parseNcclVersionString("NCCL version 2.22.3+cuda12.1")).toEqual({ nccl: "2.22.3", cuda: { major: 12, minor: 1 } });
    expect(parseNcclVersionString("NCCL version 2.28.9 compiled with CUDA 13.0")).toEqual({ nccl: "2.28.9" });
    expect(parseOfiNcclVersion("NET/OFI Initializing aws-ofi-nccl 1.7.3-aws")).toBe("1.7.3");
    expect(parseEfaInstallerVersion("# EFA installer version: 1.38.0\n# Debug packages installed: no\n")).toBe("1.38.0");
  });

  it("keeps major.minor of a CUDA version and formats an unknown minor as x", () => {
    expect(parseCudaVersion("12.6.20241114")).toEqual({ major: 12, minor: 6 });
    expect(parseCudaVersion("13")).toEqual({ major: 13 });
    expect(parseCudaVersion("cu121")).toBeUndefined();
    expect(formatCuda({ major: 13 })).toBe("13.x");
  });
});

describe("driver versions (reference section 2.2)", () => {
  it("compares 535.104.05 componentwise and refuses what nvidia-smi would not print", () => {
    expect(compareDriverVersions(d("535.104.05"), d("535.54.03"))).toBeGreaterThan(0);
    expect(compareDriverVersions(d("470"), d("470.57.02"))).toBeLessThan(0);
    expect(parseDriverVersion("5.35")).toBeUndefined();
    expect(parseDriverVersion("r535")).toBeUndefined();
    expect(compareDotted("2.18.5", "2.18")).toBeGreaterThan(0);
  });

  it("orders host against compat as start_cuda_compat.sh does, and says so when a bare branch cannot be ordered", () => {
    expect(driverOlderThan(d("535"), d("580.95.05"))).toBe(true);
    expect(driverOlderThan(d("590"), d("580.95.05"))).toBe(false);
    expect(driverOlderThan(d("580.95.05"), d("580.95.05"))).toBe(false);
    expect(driverOlderThan(d("580.65.06"), d("580.95.05"))).toBe(true);
    expect(driverOlderThan(d("580"), d("580.95.05"))).toBeUndefined();
  });

  it("reads the compat driver from the target of compat/libcuda.so.1", () => {
    expect(compatDriverFromLink("libcuda.so.580.95.05")).toBe("580.95.05");
    expect(compatDriverFromLink("/usr/local/cuda-12.4/compat/libcuda.so.550.54.15")).toBe("550.54.15");
    expect(compatDriverFromLink("libcuda.so.1")).toBeUndefined();
  });

  it.each([
    ["470", "11.4"],
    ["470.82.01", "11.4"],
    ["535.104.05", "12.2"],
    ["550", "12.4"],
    ["565.57.01", "12.6"], // between branches: the nearest older one
    ["580.95.05", "13.0"],
    ["600", "13.2"],
  ])("driver %s runs CUDA %s natively", (driver, cuda) => {
    expect(formatCuda(maxCudaForDriver(d(driver), t)!)).toBe(cuda);
  });

  it("has no CUDA for a driver older than the table", () => {
    expect(maxCudaForDriver(d("418.87.01"), t)).toBeUndefined();
  });

  it("knows the minimum branch per CUDA major and the first driver of a release", () => {
    expect(minDriverForMajor(13, t)).toBe("580");
    expect(minDriverForMajor(12, t)).toBe("525");
    expect(minDriverForMajor(11, t)).toBe("450");
    expect(firstDriverFor({ major: 12, minor: 8 }, t)).toBe("570.26");
    expect(firstDriverFor({ major: 13, minor: 0 }, t)).toBe("580.65.06");
  });
});

describe("PTX ISA against the driver's CUDA (reference section 2.2)", () => {
  it.each([
    ["9.0", "12.2", false],
    ["9.0", "13.0", true],
    ["8.2", "12.2", true],
    ["8.4", "12.2", false],
    ["8.6", "12.7", true],
    ["7.8", "11.4", false],
    ["5.0", "11.4", true], // older than the table: any CUDA 11 driver compiles it
  ])("ISA %s on a CUDA %s driver: %s", (isa, cuda, ok) => {
    expect(canJitPtx(isa, parseCudaVersion(cuda)!, t)).toBe(ok);
  });

  it("treats an ISA newer than the table as needing a CUDA newer than the newest listed", () => {
    expect(minCudaForPtxIsa("9.9", t)).toEqual({ cuda: { major: 13, minor: 1 }, newerThanKnown: true });
    expect(canJitPtx("9.9", { major: 13, minor: 1 }, t)).toBe(false);
    expect(canJitPtx("9.9", { major: 13, minor: 2 }, t)).toBe(true);
  });

  it("names the newest ISA a driver compiles", () => {
    expect(newestPtxIsaFor({ major: 12, minor: 2 }, t)).toBe("8.2");
    expect(newestPtxIsaFor({ major: 12, minor: 6 }, t)).toBe("8.5");
  });
});
