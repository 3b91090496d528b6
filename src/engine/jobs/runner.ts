import type { ContainerOutcome, ContainerSpec, StopPlan } from "./types.js";

export interface RunRequest {
  spec: ContainerSpec;
  /** Kill the container when it has run this long; the outcome says it timed out. */
  timeoutMs: number;
  /** Send a stop signal after `afterMs`, then SIGKILL when `graceMs` passes, as SageMaker stops a job. */
  stop?: StopPlan;
  /** Aborts the run (interrupt, overall deadline): the container is killed and the abort reason thrown. */
  signal: AbortSignal;
  /** Called once the container is running (Pipe mode feeds its FIFOs from here). */
  onStarted?: () => void;
}

/** Runs one container to its end. Implemented over the Engine API in src/docker/run-container.ts. */
export type ContainerRunner = (request: RunRequest) => Promise<ContainerOutcome>;
