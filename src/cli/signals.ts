import { InterruptedError } from "../errors.js";
import { EXIT } from "./exit-codes.js";

/**
 * The first SIGINT or SIGTERM aborts the run so it can clean up; a second one exits at once (the next run's
 * start-up sweep removes whatever that leaves).
 */
export function interruptOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`byoc-check: ${signal} again: exiting without cleaning up (the next run removes what is left)\n`);
      process.exit(EXIT.interrupted);
    }
    process.stderr.write(`byoc-check: ${signal}: stopping and cleaning up (${signal} again to exit at once)\n`);
    controller.abort(new InterruptedError(signal));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
