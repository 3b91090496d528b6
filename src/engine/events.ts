import type { CheckMeta, ImageFacts } from "./check.js";
import type { CheckResult } from "../report/model.js";

/** What the sandboxes do while a check waits on them: containers starting, becoming ready, exiting. */
export type SandboxEvent =
  | { type: "container-started"; sandbox: "training" | "processing" | "endpoint"; scenario: string; what: string }
  /** An endpoint answered GET /ping with 200, afterMs after its container started. */
  | { type: "container-ready"; scenario: string; afterMs: number }
  | { type: "container-not-ready"; scenario: string; afterMs: number; why: string }
  | { type: "container-exited"; sandbox: "training" | "processing" | "endpoint"; scenario: string; exitCode?: number; durationMs: number };

export type SandboxListener = (event: SandboxEvent) => void;

export type EngineEvent =
  | { type: "run-started"; image: ImageFacts; checks: ReadonlyArray<Pick<CheckMeta, "id" | "title" | "severity" | "group">> }
  | { type: "check-started"; id: string }
  /** A sandbox event, with the check that was running when it happened (undefined before the first check). */
  | { type: "sandbox"; checkId: string | undefined; event: SandboxEvent }
  | { type: "check-finished"; result: CheckResult }
  | { type: "run-finished"; results: readonly CheckResult[] };

export type EngineListener = (event: EngineEvent) => void;
