// The interactive terminal report. The CLI loads this module with a dynamic import, and nothing else in src/
// imports ink or React, so that `byoc-check --version` and the plain renderers never load them.
import { render } from "ink";
import type { FailOn } from "../../cli/exit-codes.js";
import type { EngineListener } from "../../engine/events.js";
import type { Report } from "../model.js";
import { createTui } from "./app.js";

export interface TuiOptions {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  color: boolean;
  /** --fail-on: a failure below it is drawn as a warning while the run goes on. */
  failOn?: FailOn;
}

export interface Tui {
  /** Feed every EngineEvent of the run here. */
  listener: EngineListener;
  /** The run is over: show the final report and let the user browse it; resolves when they quit (q, Ctrl-C, Esc at top level). */
  finish(report: Report): Promise<void>;
  /** The run stopped without a report (interrupted, Docker went away): unmount cleanly, restoring the terminal. */
  abort(message: string): void;
}

/**
 * Draws the run as it happens (finished rows printed once, running rows redrawn) and, once finish() has the report,
 * lets the user browse it. Keys are read only after the run: until then Ctrl-C stays a SIGINT for the CLI's handler.
 * With a stdin that is not a terminal, finish() prints the failing checks and the verdict and resolves.
 */
export function startTui(o: TuiOptions): Tui {
  // Browsing needs keys in and a screen to redraw: with either stream redirected, finish() prints instead.
  const interactive = o.stdin.isTTY === true && typeof o.stdin.setRawMode === "function" && o.stdout.isTTY === true;
  return createTui({
    color: o.color,
    interactive,
    ...(o.failOn ? { failOn: o.failOn } : {}),
    mount(tree) {
      const ink = render(tree, {
        stdout: o.stdout,
        stdin: o.stdin,
        // q, Esc and Ctrl-C are the browser's own keys: finish() must resolve however the user leaves.
        exitOnCtrlC: false,
        // The CLI chose this UI for a terminal: ink's own guess (none in CI) must not overrule it.
        interactive: o.stdout.isTTY === true,
      });
      return { rerender: (t) => ink.rerender(t), unmount: () => ink.unmount(), exited: ink.waitUntilExit().then(() => {}) };
    },
  });
}

export { createTui, type CreateOptions, type MountedApp } from "./app.js";
