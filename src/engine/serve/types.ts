// What the user tells byoc-check about the endpoint it hosts: the model, sample requests, and the windows to apply.
// Pure data: the endpoint sandbox (endpoints.ts) lays out the model and starts the server through a ServerRunner.

/** Where /opt/ml/model comes from. */
export type ModelSource =
  /** A directory, mounted read-only as it is. */
  | { kind: "dir"; path: string }
  /** A model.tar.gz, unpacked into the sandbox as SageMaker unpacks ModelDataUrl before the container starts (§2.2). */
  | { kind: "archive"; path: string }
  /** An empty /opt/ml/model: the image carries its model (--model none). */
  | { kind: "none" }
  /** What this run's training job wrote to /opt/ml/model: the SageMaker flow end to end. */
  | { kind: "trained" };

export interface Sample {
  /** The file's path as given, for messages. */
  file: string;
  /** A short name, unique among the samples, for saved request files. */
  name: string;
  contentType: string;
  body: Buffer;
}

/** The fuzzing of /invocations (INF-FUZZ-*): budget, seed and mode. */
export interface FuzzOptions {
  /** Cases generated (--fuzz-runs); 0 turns fuzzing off. */
  runs: number;
  /** Wall-clock budget of the whole search, shrinking included (--fuzz-time). */
  timeMs: number;
  /** The run's seed (--seed): the first search uses it, so a printed seed replays the run. */
  seed: number;
  /** --strict: a 5xx on a malformed request is an error, not a warning. */
  strict: boolean;
  /** --replay PATH: send only the case at this fast-check path of the search seeded `seed`. */
  replay?: string;
  /** --content-type, when no --sample is given: the type the built-in seed requests are sent as. */
  contentType?: string;
}

export interface ServeOptions {
  model?: ModelSource;
  samples: Sample[];
  /** The Accept header of every sample request; none when unset, as a client that sets no Accept. */
  accept?: string;
  /** --expect-schema: validates a JSON response; returns the errors, or [] when it conforms. */
  expectSchema?: { file: string; validate: (data: unknown) => string[] };
  /** ContainerStartupHealthCheckTimeoutInSeconds: how long SageMaker waits for the first healthy /ping. */
  startupWindowMs: number;
  /** Whether --startup-timeout was given (the endpoint sets the window) or the platform default applies. */
  startupWindowSet: boolean;
  /** byoc-check's own readiness gate: ready later than this, yet within the window, is a warning. */
  readyGateMs: number;
  /** Simultaneous invocations in the concurrency check. */
  concurrency: number;
  /** ContainerDefinition.Environment. */
  env: Array<[string, string]>;
  /** Overrides the spec's 30 s grace between SIGTERM and SIGKILL. */
  stopGraceMs?: number;
  keepDir?: string;
  fuzz: FuzzOptions;
}
