// One of several processes hammering one cache directory at once (test/unit/cache/verdicts.test.ts). Run by Node
// itself with type stripping, so only erasable TypeScript here. Prints one JSON line: what it did and what it saw.
//
//   writer: puts big reports under a few shared keys and gets them back through the cache
//   reader: reads every entry file straight off the disk, bypassing the cache's own damage handling
//   naive:  writes entries in place, in chunks, as a cache without temp files and rename would (the control)
//
// Writers do a set number of rounds; readers read until the stop file appears (the test makes it once the writers
// are done, a reader when it has caught a partial entry), so that on a slow machine they still overlap throughout.
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync } from "node:fs";
import { registerHooks } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Report } from "../../../src/report/model.js";

// The sources import each other as ./x.js, the name tsc emits; under type stripping the file is ./x.ts.
registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (e) {
      if (specifier.startsWith(".") && specifier.endsWith(".js")) return next(`${specifier.slice(0, -3)}.ts`, context);
      throw e;
    }
  },
});

export interface WorkerArgs {
  module: string;
  dir: string;
  mode: "writer" | "reader" | "naive";
  id: number;
  /** When every process begins, so that all have loaded before any starts. */
  startAt: number;
  /** Puts a writer makes; naive writers stop sooner if the stop file appears. */
  rounds: number;
  stopFile: string;
  /** Whatever happens, nobody runs past this. */
  deadline: number;
  keys: string[];
  maxEntries: number;
}

export interface WorkerResult {
  mode: WorkerArgs["mode"];
  id: number;
  puts: number;
  hits: number;
  misses: number;
  /** Reports the cache returned, or files read off the disk, that were not whole. */
  partial: number;
  /** Entry files read off the disk. */
  filesRead: number;
  problems: string[];
}

const args = JSON.parse(process.argv[2]!) as WorkerArgs;
const cache = (await import(pathToFileURL(args.module).href)) as typeof import("../../../src/cache/verdicts.js");

/** A report whose every part can be checked: results R-0..R-(n-1), summary.total n, a seal that repeats n. */
function bigReport(writer: number, round: number, n: number): Report {
  const results = Array.from({ length: n }, (_, i) => ({
    id: `R-${i}`,
    contract: "training",
    clause: "training#start.command",
    clauses: ["training#start.command"],
    status: "pass",
    severity: "error",
    title: `writer ${writer} round ${round} result ${i} ${"x".repeat(120)}`,
    durationMs: i,
    findings: [],
  }));
  return {
    reportVersion: "1",
    tool: { name: "byoc-check", version: `${writer}.${round}` },
    image: { ref: "test", id: `sha256:${"0".repeat(64)}`, os: "linux", architecture: "amd64", platform: "linux/amd64" },
    spec: { family: "sagemaker", version: "1.0" },
    contracts: ["training"],
    instances: [],
    seed: n,
    failOn: "error",
    startedAt: new Date(0).toISOString(),
    durationMs: n,
    results,
    waivers: [],
    summary: { total: n, pass: n, fail: 0, skip: 0, error: 0, waived: 0, expiredWaivers: 0, blocking: 0 },
    conformant: true,
    exitCode: 0,
  } as unknown as Report;
}

function whole(report: Report): boolean {
  const n = report.seed;
  return report.summary.total === n && report.durationMs === n && report.results.length === n && report.results.every((r, i) => r.id === `R-${i}`);
}

const out: WorkerResult = { mode: args.mode, id: args.id, puts: 0, hits: 0, misses: 0, partial: 0, filesRead: 0, problems: [] };
const problem = (what: string) => {
  out.partial++;
  if (out.problems.length < 5) out.problems.push(what);
  writeFileSync(args.stopFile, "");
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
const entriesDir = join(args.dir, `v${cache.CACHE_FORMAT_VERSION}`);
const c = cache.openVerdictCache(args.dir, { maxEntries: args.maxEntries });
if (c.warning) out.problems.push(c.warning);

while (Date.now() < args.startAt);
const going = (round: number) => {
  if (Date.now() > args.deadline) return false;
  if (args.mode === "writer") return round < args.rounds;
  if (args.mode === "naive") return round < args.rounds && !existsSync(args.stopFile);
  return !existsSync(args.stopFile);
};
for (let round = 0; going(round); round++) {
  if (args.mode === "writer") {
    c.put(pick(args.keys), bigReport(args.id, round, 100 + Math.floor(Math.random() * 2000)));
    out.puts++;
    const got = c.get(pick(args.keys));
    if (got === undefined) out.misses++;
    else if (whole(got.report)) out.hits++;
    else problem(`get returned a report that is not whole (tool ${got.report.tool.version})`);
  } else if (args.mode === "naive") {
    const key = pick(args.keys);
    const text = Buffer.from(JSON.stringify({ formatVersion: cache.CACHE_FORMAT_VERSION, key, storedAt: new Date().toISOString(), report: bigReport(args.id, round, 100 + Math.floor(Math.random() * 2000)) }));
    const fd = openSync(join(entriesDir, `${key}.json`), "w");
    for (let off = 0; off < text.length; off += 16_384) writeSync(fd, text, off, Math.min(16_384, text.length - off));
    closeSync(fd);
    out.puts++;
  } else {
    let names: string[] = [];
    try {
      names = readdirSync(entriesDir).filter((n) => n.endsWith(".json"));
    } catch {
      // Not created yet.
    }
    for (const name of names) {
      let text: string;
      try {
        text = readFileSync(join(entriesDir, name), "utf8");
      } catch {
        continue; // Evicted since the listing.
      }
      out.filesRead++;
      try {
        const entry = JSON.parse(text) as { key: string; report: Report };
        if (`${entry.key}.json` !== name || !whole(entry.report)) problem(`${name} holds a report that is not whole`);
      } catch {
        problem(`${name} is not JSON (${text.length} bytes)`);
      }
    }
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
