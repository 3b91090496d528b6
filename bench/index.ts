// byoc-check's benchmarks: `npm run bench`. Each prints what it measured side by side, and the goal it is held to.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ECHO_IMAGE, buildEcho, measureFuzz } from "./fuzz.js";
import { machine, measureReadiness } from "./readiness.js";
import { LARGE_IMAGE, buildLarge, measureScan } from "./scan.js";

const ROOT = join(import.meta.dirname, "..", "..");

function stats(values: number[]): { p50: number; p95: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { p50: at(50), p95: at(95), max: s[s.length - 1]! };
}

const fmt = (n: number) => `${n.toFixed(1)} ms`;

function scanTable(): void {
  buildLarge(ROOT);
  const rounds = Number(process.env.BENCH_SCAN_ROUNDS ?? 3);
  console.log(`\nlayer scan: the static checks' single pass beside docker save IMAGE > /dev/null, best of ${rounds} each, alternated`);
  console.log("| image | size | docker save | the export read by byoc-check's client | scan | scan ÷ save | scan ÷ read | scan peak RSS | entries |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  const samples = ["byoc-check-fixture/gpu-cuda13-compat:latest", LARGE_IMAGE].map((image) => measureScan(ROOT, image, rounds));
  for (const s of samples) {
    console.log(`| ${s.image} | ${s.sizeMiB.toFixed(0)} MiB | ${fmt(s.saveMs)} | ${fmt(s.readMs)} | ${fmt(s.scanMs)} | ${(s.scanMs / s.saveMs).toFixed(2)} | ${(s.scanMs / s.readMs).toFixed(2)} | ${s.maxRssMiB.toFixed(0)} MiB | ${s.entries} |`);
  }
  const worst = Math.max(...samples.map((s) => s.scanMs / s.saveMs));
  const rss = Math.max(...samples.map((s) => s.maxRssMiB));
  console.log(`\nscan ÷ save at most ${worst.toFixed(2)}; goal at most 1.25: ${worst <= 1.25 ? "met" : "NOT met"}. Peak RSS at most ${rss.toFixed(0)} MiB; goal under 300 MiB and flat: ${rss < 300 ? "met" : "NOT met"}`);
}

async function main(): Promise<void> {
  const image = process.env.BENCH_READY_IMAGE ?? "byoc-check-fixture/serve-slow-start:latest";
  const starts = Number(process.env.BENCH_READY_STARTS ?? 8);
  console.log(`machine: ${machine()}`);
  if (process.env.BENCH_ONLY === "scan") return scanTable();
  console.log(`\nreadiness: ${image}, ${starts} starts; error = reported time to ready - the moment the server logs it listens`);
  const samples = await measureReadiness(image, starts, join(ROOT, "fixtures", "data", "model"));
  console.log("| start | server logs listening | byoc-check reports ready | error |");
  console.log("|---|---|---|---|");
  samples.forEach((s, i) => console.log(`| ${i + 1} | ${fmt(s.loggedMs)} | ${fmt(s.reportedMs)} | ${fmt(s.errorMs)} |`));
  const e = stats(samples.map((s) => Math.abs(s.errorMs)));
  const goal = 50;
  console.log(`\n|error|: p50 ${fmt(e.p50)}, p95 ${fmt(e.p95)}, max ${fmt(e.max)}; goal under ${goal} ms: ${e.max < goal ? "met" : "NOT met"}`);

  const runs = Number(process.env.BENCH_FUZZ_RUNS ?? 2000);
  const wrkSeconds = Number(process.env.BENCH_WRK_SECONDS ?? 10);
  buildEcho(ROOT);
  console.log(`\nfuzz: ${runs} cases (seed 1, the full mix) against ${ECHO_IMAGE}, and wrk -t1 -c1 -d${wrkSeconds}s POSTing the sample to the same container`);
  const f = await measureFuzz(runs, wrkSeconds, readFileSync(join(ROOT, "fixtures", "data", "inference", "sample.json")));
  const ratio = f.casesPerSecond / f.wrkRequestsPerSecond;
  console.log("| | per second | |");
  console.log("|---|---|---|");
  console.log(`| byoc-check fuzz cases (each: POST /invocations, then GET /ping on a new connection) | ${f.casesPerSecond.toFixed(0)} | ${f.cases} cases in ${f.seconds.toFixed(1)} s |`);
  console.log(`| wrk requests (POST /invocations, one kept-alive connection) | ${f.wrkRequestsPerSecond.toFixed(0)} | ${f.wrkSeconds} s |`);
  console.log("\n| case family | cases | mean time in the target (request, /ping) |");
  console.log("|---|---|---|");
  for (const b of f.byFamily) console.log(`| ${b.family} | ${b.cases} | ${fmt(b.meanMs)} |`);
  console.log(`\nfuzz cases/s ÷ wrk requests/s: ${ratio.toFixed(2)}; goal at least 0.5: ${ratio >= 0.5 ? "met" : "NOT met"}`);
  scanTable();
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
