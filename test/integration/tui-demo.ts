// Drives the built terminal report on this process's own terminal, as the CLI will: plain `node tui-demo.ts SCRIPT`
// (Node strips the types; nothing here needs compiling). The script is JSON written by test/integration/tui.test.ts:
// engine events to feed, gates to wait at, and the report to browse. The exit code is the report's, 130 after abort.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { EngineEvent } from "../../src/engine/events.js";
import type { Report } from "../../src/report/model.js";
import type * as TuiModule from "../../src/report/tui/index.js";

export type DemoStep =
  | { event: EngineEvent }
  /** Waits until a file of this name appears beside the script: the test has seen what it wanted on screen. */
  | { gate: string }
  | { abort: string };

export interface DemoScript {
  color: boolean;
  steps: DemoStep[];
  report: Report;
}

const scriptPath = process.argv[2];
if (!scriptPath) throw new Error("usage: node tui-demo.ts SCRIPT.json");
const script = JSON.parse(readFileSync(scriptPath, "utf8")) as DemoScript;
const built = join(import.meta.dirname, "..", "..", "dist", "src", "report", "tui", "index.js");
const { startTui } = (await import(pathToFileURL(built).href)) as typeof TuiModule;

const tui = startTui({ stdout: process.stdout, stdin: process.stdin, color: script.color });
let aborted = false;
for (const step of script.steps) {
  if ("gate" in step) {
    const file = join(dirname(scriptPath), step.gate);
    while (!existsSync(file)) await new Promise((r) => setTimeout(r, 20));
  } else if ("abort" in step) {
    tui.abort(step.abort);
    aborted = true;
    break;
  } else {
    tui.listener(step.event);
  }
}
if (aborted) {
  process.exitCode = 130;
} else {
  await tui.finish(script.report);
  process.exitCode = script.report.exitCode;
}
