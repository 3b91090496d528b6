// What the user tells byoc-check about the jobs it runs, and what a job run leaves behind for the checks to read.
// Pure data: the sandbox (jobs.ts) lays out files from it, the Docker layer (src/docker) runs containers.

export type TrainingInputMode = "File" | "FastFile" | "Pipe";

export interface ChannelOption {
  name: string;
  /** Absolute path of the host directory holding the channel's sample data. */
  dir: string;
  contentType?: string;
}

export interface ProcessingInputOption {
  name: string;
  dir: string;
}

export interface JobOptions {
  /** AlgorithmSpecification.ContainerEntrypoint / AppSpecification.ContainerEntrypoint. */
  entrypoint?: string[];
  /** ContainerArguments. */
  args?: string[];
  /** The job's Environment map, in the order given. */
  env: Array<[string, string]>;
  /** Training. */
  channels: ChannelOption[];
  hyperparameters: Record<string, string>;
  invalidHyperparameters: Record<string, string>;
  inputMode: TrainingInputMode;
  networkIsolation: boolean;
  instanceType: string;
  trainTimeoutMs: number;
  /** Processing. */
  inputs: ProcessingInputOption[];
  outputs: string[];
  processingTimeoutMs: number;
  /** When the stop signal is sent, counted from the container's start. */
  stopAfterMs: number;
  /** Overrides the spec's stop grace (for quick local iterations); the report says which grace applied. */
  stopGraceMs?: number;
  /** Keep each job's sandbox under this directory and print the `docker run` line that reproduces it. */
  keepDir?: string;
  /** Write the model.tar.gz of the successful training run here. */
  saveArtifactsDir?: string;
}

/** A bind mount, as `docker run -v SOURCE:TARGET[:ro]` writes it. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Everything needed to create the container; rendered both to the Engine API and to a `docker run` line. */
export interface ContainerSpec {
  image: string;
  /** ContainerHostname; Docker's default (the container id) when unset, as for a single-container endpoint. */
  hostname?: string;
  /** Replaces the image ENTRYPOINT when set (ContainerEntrypoint). */
  entrypoint?: string[];
  /** Replaces the image CMD when set (`train`, or ContainerArguments). */
  cmd?: string[];
  env: Array<[string, string]>;
  mounts: Mount[];
  network: "bridge" | "none";
  /** Container ports to publish, each on 127.0.0.1 only: at a random host port through the Engine, at the same port in the reproducing line. */
  ports?: number[];
}

export interface StopPlan {
  signal: "SIGTERM" | "SIGINT";
  afterMs: number;
  graceMs: number;
}

/** How one container run ended, as the Docker layer measured it. */
export interface ContainerOutcome {
  /** Why the container could not be created or started (an `exec` failure, a missing program); the run never began. */
  startError?: string;
  /** The exit status; null only when the container never started. */
  exitCode: number | null;
  durationMs: number;
  /** The job overran its timeout and was killed. */
  timedOut: boolean;
  oomKilled: boolean;
  stop?: StopOutcome;
  log: LogTail;
  /** Paths the container created or changed in its own filesystem (`docker diff`), mounts excluded; bounded. */
  changes: string[];
}

export interface StopOutcome {
  signal: StopPlan["signal"];
  graceMs: number;
  /** The container ended on its own before the signal was due: there was nothing to stop. */
  finishedFirst: boolean;
  sentAfterMs?: number;
  /** From the signal to the exit. */
  exitedAfterMs?: number;
  /** Still running when the grace ran out, so it was killed with SIGKILL. */
  killedAtDeadline: boolean;
}

export interface LogTail {
  /** The last lines of stdout and stderr together, at most LOG_TAIL_BYTES. */
  text: string;
  lines: number;
  bytes: number;
  truncated: boolean;
}
