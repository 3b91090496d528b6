// The faithful /opt/ml sandbox: lays out what SageMaker gives a training or processing container, runs it through a
// ContainerRunner, and remembers each scenario's run so that every check reading it shares one container run.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dockerRunLine, shellQuote } from "./command-line.js";
import {
  HOST,
  JOB_NAME,
  PROCESSING_INPUT_ROOT,
  PROCESSING_OUTPUT_ROOT,
  hyperparametersJson,
  inputDataConfigJson,
  processingJobConfigJson,
  processingResourceConfigJson,
  trainingJobArn,
  trainingResourceConfigJson,
  typedHyperparametersJson,
} from "./config-files.js";
import { channelFiles, feedFifo, makeFifo } from "./pipe.js";
import type { ContainerRunner } from "./runner.js";
import type { ChannelOption, ContainerOutcome, ContainerSpec, JobOptions, Mount, StopPlan } from "./types.js";
import type { SandboxListener } from "../events.js";

export const TRAINING_SCENARIOS = {
  success: "your sample data and hyperparameters",
  networked: "the same job with the network on (to tell a network dependency apart)",
  "typed-hyperparameters": "the same job with hyperparameters given as JSON numbers, not strings (to tell a type error apart)",
  "tuning-key": "the same job plus the _tuning_objective_metric hyperparameter automatic model tuning adds",
  "invalid-hyperparameters": "the hyperparameters you declared invalid (--invalid-hp)",
  "empty-channels": "every input channel present but empty",
  stop: "a stop (StopTrainingJob) while the job runs",
} as const;
export type TrainingScenario = keyof typeof TRAINING_SCENARIOS;

export const PROCESSING_SCENARIOS = {
  success: "your sample inputs",
  "empty-inputs": "every input present but empty",
  stop: "a stop (StopProcessingJob) while the job runs",
} as const;
export type ProcessingScenario = keyof typeof PROCESSING_SCENARIOS;

/** The value automatic model tuning gives _tuning_objective_metric: the objective's metric name. */
export const TUNING_KEY = "_tuning_objective_metric";
const TUNING_VALUE = "validation:loss";
/** The channel an empty-channel run uses when the user gave none: the name the contract's own example uses (§1.4). */
const DEFAULT_CHANNEL = "training";
const DEFAULT_INPUT = "input-1";

export interface JobRun {
  contract: "training" | "processing";
  scenario: string;
  /** What this run gave the job, in words. */
  what: string;
  outcome: ContainerOutcome;
  /** `docker run` line that starts the same container by hand. */
  reproduce: string;
  /** Host directory holding this run's sandbox. */
  dir: string;
  /** The sandbox outlives the run (--keep), so the reproducing line works as printed. */
  kept: boolean;
  /** Host directories mounted writable, by container path. */
  writable: Record<string, string>;
  hyperparameters?: Record<string, string>;
  channels?: ChannelOption[];
}

export interface StopGraces {
  training: number;
  processing: number;
}

export interface Jobs {
  readonly options: JobOptions;
  /** Why a scenario cannot run with what the user gave, or undefined when it can. */
  trainingUnavailable(s: TrainingScenario): string | undefined;
  processingUnavailable(s: ProcessingScenario): string | undefined;
  training(s: TrainingScenario): Promise<JobRun>;
  processing(s: ProcessingScenario): Promise<JobRun>;
  /** Every finished run, in the order it finished. */
  runs(): JobRun[];
  /** Upper bound for one check that may wait on up to two job runs. */
  readonly checkBudgetMs: number;
  readonly stopGraceMs: StopGraces;
}

export interface SandboxInput {
  image: string;
  /** The image's id, so that a tag moved during the run cannot change what runs. */
  imageId: string;
  options: JobOptions;
  runner: ContainerRunner;
  /** The parent of every run's sandbox directory (a session temp dir, or --keep DIR). */
  root: string;
  /** The spec's grace for each contract's stop signal. */
  graces: StopGraces;
  signal: AbortSignal;
  /** Told when each job's container starts and exits (the interactive report shows it as it happens). */
  onEvent?: SandboxListener;
}

function makeDir(path: string, writable = false): string {
  mkdirSync(path, { recursive: true });
  // The image may run as any user: its writable directories must be writable to all, as on SageMaker's volume.
  if (writable) chmodSync(path, 0o777);
  return path;
}

export function createJobs(input: SandboxInput): Jobs {
  const { options: job } = input;
  const memo = new Map<string, Promise<JobRun>>();
  const started: JobRun[] = [];
  const hasSamples = job.channels.length > 0;
  const graces: StopGraces = {
    training: job.stopGraceMs ?? input.graces.training,
    processing: job.stopGraceMs ?? input.graces.processing,
  };

  const emptyChannels = (dir: string): ChannelOption[] =>
    (hasSamples ? job.channels : [{ name: DEFAULT_CHANNEL, dir: "" }]).map((ch) => ({
      ...ch,
      dir: makeDir(join(dir, "empty", ch.name)),
    }));

  async function runTraining(s: TrainingScenario): Promise<JobRun> {
    const dir = makeDir(join(input.root, `training-${s}`));
    let hps = { ...job.hyperparameters };
    let channels = job.channels;
    let network: ContainerSpec["network"] = job.networkIsolation ? "none" : "bridge";
    let hpFile = hyperparametersJson(hps);
    let stop: StopPlan | undefined;
    switch (s) {
      case "networked":
        network = "bridge";
        break;
      case "typed-hyperparameters":
        hpFile = typedHyperparametersJson(hps);
        break;
      case "tuning-key":
        hps = { ...hps, [TUNING_KEY]: TUNING_VALUE };
        hpFile = hyperparametersJson(hps);
        break;
      case "invalid-hyperparameters":
        hps = { ...hps, ...job.invalidHyperparameters };
        hpFile = hyperparametersJson(hps);
        if (!hasSamples) channels = emptyChannels(dir);
        break;
      case "empty-channels":
        channels = emptyChannels(dir);
        break;
      case "stop":
        if (!hasSamples) channels = emptyChannels(dir);
        stop = { signal: "SIGTERM", afterMs: job.stopAfterMs, graceMs: graces.training };
        break;
    }
    const config = makeDir(join(dir, "config"));
    writeFileSync(join(config, "hyperparameters.json"), hpFile);
    writeFileSync(join(config, "inputdataconfig.json"), inputDataConfigJson(channels, job.inputMode));
    writeFileSync(join(config, "resourceconfig.json"), trainingResourceConfigJson(job.instanceType));
    const writable = {
      "/opt/ml/model": makeDir(join(dir, "model"), true),
      "/opt/ml/output": makeDir(join(dir, "output"), true),
      "/opt/ml/checkpoints": makeDir(join(dir, "checkpoints"), true),
    };
    makeDir(join(dir, "output", "data"), true);
    const mounts: Mount[] = [{ source: config, target: "/opt/ml/input/config", readOnly: true }];
    const fifos: Array<{ path: string; from: string }> = [];
    if (job.inputMode === "Pipe") {
      // One FIFO per channel for epoch 0, named <channel>_0 (§1.4); the directory holding them is read-only.
      const pipes = makeDir(join(dir, "pipes"));
      for (const ch of channels) {
        const path = join(pipes, `${ch.name}_0`);
        makeFifo(path);
        fifos.push({ path, from: ch.dir });
      }
      mounts.push({ source: pipes, target: "/opt/ml/input/data", readOnly: true });
    } else {
      // Read-only, as FastFile channels are (§1.4): a job that writes into its input fails here as it would there.
      for (const ch of channels) mounts.push({ source: ch.dir, target: `/opt/ml/input/data/${ch.name}`, readOnly: true });
    }
    for (const [target, source] of Object.entries(writable)) mounts.push({ source, target, readOnly: false });
    const spec: ContainerSpec = {
      image: input.image,
      hostname: HOST,
      env: [["TRAINING_JOB_NAME", JOB_NAME], ["TRAINING_JOB_ARN", trainingJobArn()], ...job.env],
      mounts,
      network,
      ...startCommand(job, ["train"]),
    };
    const feeding = new AbortController();
    const fed: Promise<void>[] = [];
    const feeders = fifos.map((f) => `find ${shellQuote(f.from)} -type f -print0 | LC_ALL=C sort -z | xargs -0 cat > ${shellQuote(f.path)} &  # Pipe mode: epoch 0 of the channel`);
    const run = await execute("training", s, TRAINING_SCENARIOS[s], dir, spec, {
      feeders,
      timeoutMs: job.trainTimeoutMs,
      ...(stop ? { stop } : {}),
      onStarted: () => {
        for (const f of fifos) {
          fed.push(channelFiles(f.from).then((files) => feedFifo(f.path, files, AbortSignal.any([feeding.signal, input.signal]))).catch(() => {}));
        }
      },
    });
    feeding.abort();
    await Promise.all(fed);
    return record({ contract: "training", scenario: s, what: TRAINING_SCENARIOS[s], dir, writable, hyperparameters: hps, channels, ...run });
  }

  async function runProcessing(s: ProcessingScenario): Promise<JobRun> {
    const dir = makeDir(join(input.root, `processing-${s}`));
    const inputs =
      s === "empty-inputs" || (s === "stop" && job.inputs.length === 0)
        ? (job.inputs.length > 0 ? job.inputs : [{ name: DEFAULT_INPUT, dir: "" }]).map((i) => ({ ...i, dir: makeDir(join(dir, "empty", i.name)) }))
        : job.inputs;
    const config = makeDir(join(dir, "config"));
    writeFileSync(join(config, "processingjobconfig.json"), processingJobConfigJson(input.image, { ...job, inputs }));
    writeFileSync(join(config, "resourceconfig.json"), processingResourceConfigJson(job.instanceType));
    const writable: Record<string, string> = { "/opt/ml/output": makeDir(join(dir, "output"), true) };
    // Output directories exist when the entrypoint starts (§4, ProcessingS3Output.LocalPath).
    for (const name of job.outputs) writable[`${PROCESSING_OUTPUT_ROOT}/${name}`] = makeDir(join(dir, "outputs", name), true);
    const mounts: Mount[] = [
      { source: config, target: "/opt/ml/config", readOnly: true },
      ...inputs.map((i) => ({ source: i.dir, target: `${PROCESSING_INPUT_ROOT}/${i.name}`, readOnly: true })),
      ...Object.entries(writable).map(([target, source]) => ({ source, target, readOnly: false })),
    ];
    const spec: ContainerSpec = { image: input.image, hostname: HOST, env: [...job.env], mounts, network: job.networkIsolation ? "none" : "bridge", ...startCommand(job, []) };
    const run = await execute("processing", s, PROCESSING_SCENARIOS[s], dir, spec, {
      timeoutMs: job.processingTimeoutMs,
      ...(s === "stop" ? { stop: { signal: "SIGINT", afterMs: job.stopAfterMs, graceMs: graces.processing } } : {}),
    });
    return record({ contract: "processing", scenario: s, what: PROCESSING_SCENARIOS[s], dir, writable, ...run });
  }

  async function execute(
    sandbox: "training" | "processing",
    scenario: string,
    what: string,
    dir: string,
    spec: ContainerSpec,
    { feeders = [], onStarted, ...plan }: { feeders?: string[]; timeoutMs: number; stop?: StopPlan; onStarted?: () => void },
  ) {
    // The line shows the tag the user named; the container runs the id that tag had when the run began.
    const reproduce = dockerRunLine(spec);
    if (job.keepDir) writeFileSync(join(dir, "run.sh"), ["#!/bin/sh", `# byoc-check kept this sandbox: ${dir}`, ...feeders, reproduce, ""].join("\n"), { mode: 0o755 });
    const emit = input.onEvent ?? (() => {});
    const outcome = await input.runner({
      spec: { ...spec, image: input.imageId },
      signal: input.signal,
      ...plan,
      onStarted: () => {
        emit({ type: "container-started", sandbox, scenario, what });
        onStarted?.();
      },
    });
    if (outcome.exitCode !== null) emit({ type: "container-exited", sandbox, scenario, exitCode: outcome.exitCode, durationMs: outcome.durationMs });
    return { outcome, reproduce };
  }

  function record(run: Omit<JobRun, "kept">): JobRun {
    const done = { ...run, kept: job.keepDir !== undefined };
    started.push(done);
    return done;
  }

  const remember = <T extends string>(contract: string, s: T, fn: (s: T) => Promise<JobRun>) => {
    const key = `${contract}/${s}`;
    let p = memo.get(key);
    if (!p) memo.set(key, (p = fn(s)));
    return p;
  };

  const longest = Math.max(job.trainTimeoutMs, job.processingTimeoutMs);
  return {
    options: job,
    stopGraceMs: graces,
    checkBudgetMs: 2 * longest + job.stopAfterMs + Math.max(graces.training, graces.processing) + 60_000,
    trainingUnavailable(s) {
      if ((s === "success" || s === "networked" || s === "typed-hyperparameters" || s === "tuning-key") && !hasSamples) {
        return "no sample data: give --channel NAME=DIR (repeatable) to run the training job's success path";
      }
      if (s === "invalid-hyperparameters" && Object.keys(job.invalidHyperparameters).length === 0) {
        return "no invalid hyperparameters declared: give --invalid-hp KEY=VALUE with a value your job must reject";
      }
      return undefined;
    },
    processingUnavailable(s) {
      if (s === "success" && job.inputs.length === 0) return "no sample input: give --input NAME=DIR (repeatable) to run the processing job's success path";
      return undefined;
    },
    training: (s) => remember("training", s, runTraining),
    processing: (s) => remember("processing", s, runProcessing),
    runs: () => [...started],
  };
}

/** ContainerEntrypoint and ContainerArguments replace the image's, as `docker run --entrypoint E IMAGE ARGS` does (§1.1, §4). */
function startCommand(job: JobOptions, defaultCmd: string[]): Pick<ContainerSpec, "entrypoint" | "cmd"> {
  if (job.entrypoint) return { entrypoint: job.entrypoint, cmd: job.args ?? [] };
  if (job.args) return { cmd: job.args };
  return defaultCmd.length > 0 ? { cmd: defaultCmd } : {};
}
