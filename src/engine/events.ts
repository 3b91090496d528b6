import type { CheckMeta, ImageFacts } from "./check.js";
import type { CheckResult } from "../report/model.js";

export type EngineEvent =
  | { type: "run-started"; image: ImageFacts; checks: ReadonlyArray<Pick<CheckMeta, "id" | "title" | "severity">> }
  | { type: "check-started"; id: string }
  | { type: "check-finished"; result: CheckResult }
  | { type: "run-finished"; results: readonly CheckResult[] };

export type EngineListener = (event: EngineEvent) => void;
