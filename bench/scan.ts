// The layer scan beside `docker save IMAGE > /dev/null` on the same image, and the scan's peak RSS, for a small
// image and one over 1 GB: the scan reads the same export stream, so the ratio is what parsing and the consumers
// (secrets, ELF and fatbins, version files) add to the Engine's own cost of producing it.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const LARGE_IMAGE = "byoc-check-bench/large:latest";

export function buildLarge(root: string): void {
  const got = spawnSync("docker", ["build", "-q", "-t", LARGE_IMAGE, join(root, "bench", "large")], { encoding: "utf8" });
  if (got.status !== 0) throw new Error(`docker build of ${LARGE_IMAGE} failed (run scripts/build-images.sh --bases first): ${got.stderr.trim().split("\n").pop()}`);
}

export interface ScanSample {
  image: string;
  sizeMiB: number;
  saveMs: number;
  /** Reading the export through byoc-check's own Engine client, parsing nothing. */
  readMs: number;
  scanMs: number;
  maxRssMiB: number;
  entries: number;
}

function saveMs(image: string): number {
  const t0 = performance.now();
  const r = spawnSync("sh", ["-c", `docker save "$1" > /dev/null`, "sh", image]);
  if (r.status !== 0) throw new Error(`docker save ${image} failed`);
  return performance.now() - t0;
}

function scanOnce(root: string, image: string, mode: "scan" | "read" = "scan"): { ms: number; maxRssMiB: number; entries: number } {
  const r = spawnSync(process.execPath, [join(root, "dist", "bench", "scan-child.js"), image, mode], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`scanning ${image} failed: ${r.stderr.trim().split("\n").pop()}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as { ms: number; maxRssMiB: number; entries: number };
}

/** Alternates save and scan `rounds` times and keeps each one's best, so the page cache favours neither. */
export function measureScan(root: string, image: string, rounds: number): ScanSample {
  const size = Number(spawnSync("docker", ["image", "inspect", "-f", "{{.Size}}", image], { encoding: "utf8" }).stdout.trim());
  let save = Infinity;
  let read = Infinity;
  let scan = { ms: Infinity, maxRssMiB: 0, entries: 0 };
  for (let i = 0; i < rounds; i++) {
    save = Math.min(save, saveMs(image));
    read = Math.min(read, scanOnce(root, image, "read").ms);
    const s = scanOnce(root, image);
    scan = { ms: Math.min(scan.ms, s.ms), maxRssMiB: Math.max(scan.maxRssMiB, s.maxRssMiB), entries: s.entries };
  }
  return { image, sizeMiB: size / 1024 / 1024, saveMs: save, readMs: read, scanMs: scan.ms, maxRssMiB: scan.maxRssMiB, entries: scan.entries };
}
