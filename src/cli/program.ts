import { randomInt } from "node:crypto";
import { randomUUID } from "node:crypto";
import { appendFileSync, writeFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { CHECKS } from "../../conformance/index.js";
import { DockerSession, sweepStale } from "../docker/session.js";
import { dockerImageSource } from "../docker/image.js";
import { containerRunner } from "../docker/run-container.js";
import { serverRunner } from "../docker/run-server.js";
import { type Endpoints, createEndpoints } from "../engine/serve/endpoints.js";
import { createJobs, type Jobs } from "../engine/jobs/jobs.js";
import { planChecks } from "../engine/plan.js";
import { type RunOutput, runChecks } from "../engine/run.js";
import { EnvironmentError, UsageError, isExpectedError } from "../errors.js";
import { parseImageReference } from "../image/reference.js";
import { TOOL } from "../paths.js";
import { buildReport } from "../report/build.js";
import type { Report } from "../report/model.js";
import { renderJson } from "../report/json.js";
import { renderText } from "../report/text.js";
import { renderAnnotations, renderStepSummary } from "../report/github.js";
import { renderJunit } from "../report/junit.js";
import { renderSarif } from "../report/sarif.js";
import { readDockerfile } from "../report/dockerfile.js";
import { applyWaivers } from "../report/waivers.js";
import type { EngineListener, SandboxListener } from "../engine/events.js";
import { type RawOptions, attributeErrors, findConfig, forContracts, loadConfig, mergeOptions } from "./config-file.js";
import { resolveAmi } from "../spec/host-driver.js";
import { parseImageSource } from "../image/archive.js";
import { archiveImageSource } from "../image/archive-source.js";
import { resolveInstance } from "../spec/instances.js";
import { listSpecVersions, loadSpec } from "../spec/load.js";
import { CONTRACTS } from "../spec/types.js";
import { formatDuration } from "./duration.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { parseRunOptions, selectChecks } from "./options.js";
import { parseJobOptions, prepareKeepDir, stopGraces } from "./job-options.js";
import { DEFAULT_FUZZ_RUNS, DEFAULT_FUZZ_TIME, parseServeOptions, serveLimits } from "./serve-options.js";
import { interruptOnSignals, raceAbort } from "./signals.js";
import { renderCheckList, renderSpecList } from "./listings.js";

const CLEANUP_TIMEOUT_MS = 30_000;

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdoutIsTty: boolean;
  /** stdout and stdin are both the terminal: the interactive report may take over. */
  interactive?: boolean;
  /** CI, NO_COLOR and GITHUB_STEP_SUMMARY are read from here (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

const defaultIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdoutIsTty: process.stdout.isTTY === true,
  interactive: process.stdout.isTTY === true && process.stdin.isTTY === true,
};

function errorLine(message: string, hint?: string): string {
  return `byoc-check: error: ${message}${hint ? ` (hint: ${hint})` : ""}\n`;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

interface RunFlags {
  /** --config FILE, or false for --no-config; undefined: look for byoc.config.json. */
  config: string | false | undefined;
  /** --no-tui: the plain report even on a terminal. */
  tui: boolean;
  /** Whether an option was typed on the command line (not a default): those override the config file. */
  fromCli: (key: keyof RawOptions) => boolean;
}

async function runCommand(image: string | undefined, cliRaw: RawOptions, io: Io, flags: RunFlags): Promise<number> {
  if (!image) throw new UsageError("no image given", "byoc-check IMAGE, e.g. byoc-check my-model:latest; byoc-check --help for more");
  const configPath = flags.config === false ? undefined : flags.config !== undefined ? resolvePath(flags.config) : findConfig(process.cwd());
  const config = configPath ? loadConfig(configPath, CHECKS.map((c) => c.id), flags.config || undefined) : undefined;
  const merged = mergeOptions(cliRaw, flags.fromCli, config);
  const fromFile = <T>(parse: () => T, key?: keyof RawOptions) => attributeErrors(config, flags.fromCli, parse, key);
  const opts = fromFile(() => parseRunOptions(merged, () => randomInt(0, 2 ** 32)));
  const raw = forContracts(merged, cliRaw, flags.fromCli, config, opts.contracts);
  const fileSource = parseImageSource(image);
  const ref = fileSource.kind === "engine" ? parseImageReference(image) : undefined;
  // The file's platform is for the OCI sources it may be run with; for an image in the engine it means nothing.
  if (!fileSource.kind.startsWith("oci") && !flags.fromCli("platform")) delete raw.platform;
  if (raw.platform !== undefined && !fileSource.kind.startsWith("oci")) {
    throw new UsageError("--platform chooses among the platforms of an OCI image index", "use it with oci:DIR or oci-archive:FILE; an image in the Docker engine has one platform");
  }
  const spec = fromFile(() => loadSpec({ ...(opts.spec ? { version: opts.spec } : {}), ...(opts.specDir ? { specsDir: opts.specDir } : {}) }), "spec");
  const instances = fromFile(() => opts.instances.map((t) => resolveInstance(t, opts.specDir)), "instance");
  // An AMI name is checked here, against the catalogue, so a typo stops the run before anything starts.
  if (opts.inferenceAmi !== undefined) fromFile(() => resolveAmi(opts.inferenceAmi!, opts.specDir), "inferenceAmi");
  const gpu = { count: opts.instanceCount, ...(opts.driver ? { driver: opts.driver } : {}), ...(opts.inferenceAmi ? { ami: opts.inferenceAmi } : {}), ...(opts.specDir ? { specsDir: opts.specDir } : {}) };
  const planned = fromFile(() => planChecks(selectChecks(CHECKS, opts.only), opts.contracts, spec));
  const jobOptions = fromFile(() => parseJobOptions(raw, spec, opts.contracts, opts.instances));
  const serveOptions = fromFile(() => parseServeOptions(raw, spec, opts.contracts, {
    env: jobOptions.env,
    ...(jobOptions.stopGraceMs !== undefined ? { stopGraceMs: jobOptions.stopGraceMs } : {}),
    ...(jobOptions.keepDir !== undefined ? { keepDir: jobOptions.keepDir } : {}),
    trainedAvailable: opts.contracts.includes("training") && jobOptions.channels.length > 0,
    seed: opts.seed,
    seedGiven: raw.seed !== undefined,
  }));
  if (jobOptions.keepDir) prepareKeepDir(jobOptions.keepDir);
  const dockerfile = opts.dockerfile !== undefined ? readDockerfile(opts.dockerfile) : undefined;

  // The interactive report: a person at a terminal, not CI, not asked for plain text or colourless output.
  const env = io.env ?? process.env;
  const color = opts.color ?? (!opts.output && io.stdoutIsTty && !env.NO_COLOR);
  const wantTui = flags.tui && io.interactive && !env.CI && !env.NO_COLOR && opts.color !== false && opts.format === "text" && !opts.output && !opts.annotations;
  const tui = wantTui ? (await import("../report/tui/index.js")).startTui({ stdout: process.stdout, stdin: process.stdin, color: true, failOn: opts.failOn }) : undefined;
  // The live rows show a waived failure as waived: the waivers are known before the run.
  const live = tui
    ? (startedAt: Date): EngineListener =>
        (e) => tui.listener(e.type === "check-finished" ? { ...e, result: applyWaivers([e.result], config?.waivers ?? [], startedAt).results[0]! } : e)
    : undefined;

  const interrupt = interruptOnSignals();
  const deadline = new AbortController();
  const timer = opts.timeoutMs
    ? setTimeout(() => deadline.abort(new EnvironmentError(`the --timeout of ${formatDuration(opts.timeoutMs!)} passed`, "give the run more time with --timeout")), opts.timeoutMs)
    : undefined;
  const signal = AbortSignal.any([interrupt.signal, deadline.signal]);
  let session: DockerSession | undefined;
  let report: Report | undefined;
  // Lines for stderr that would tear the interactive report's frame: printed once it has gone.
  const later: string[] = [];
  const note = (line: string) => (tui && report ? later.push(line) : io.stderr(line));
  // Reports that could not be written: said after the report, which still goes to the terminal.
  const unwritten: EnvironmentError[] = [];
  try {
    if (fileSource.kind !== "engine") {
      const startedAt = new Date();
      const t0 = performance.now();
      const out = await raceAbort(
        runChecks({
          source: archiveImageSource(fileSource, image, raw.platform),
          planned,
          contracts: opts.contracts,
          instances,
          gpu,
          spec,
          signal,
          cannotRun: `runs the image: read from ${fileSource.kind}:, it is not run (load it into Docker to check this)`,
          ...(live ? { listener: live(startedAt) } : {}),
        }),
        signal,
      );
      report = buildAndWrite(out, startedAt, t0);
    } else {
      session = await raceAbort(DockerSession.open(), signal);
      const current = session;
      // Best effort: what crashed or killed runs left behind goes before this run adds its own.
      await raceAbort(sweepStale(current.docker, { except: current.id }), signal);
      const startedAt = new Date();
      const t0 = performance.now();
      let jobs: Jobs | undefined;
      const makeJobs = (facts: { ref: string; id: string }, onEvent?: SandboxListener) =>
        (jobs ??= createJobs({
          ...(onEvent ? { onEvent } : {}),
          image: facts.ref,
          imageId: facts.id,
          options: jobOptions,
          runner: containerRunner(current),
          root: jobOptions.keepDir ?? current.tempDir("jobs"),
          graces: stopGraces(spec),
          signal,
        }));
      let endpoints: Endpoints | undefined;
      const makeEndpoints = (facts: { ref: string; id: string }, onEvent: SandboxListener) =>
        (endpoints ??= createEndpoints({
          onEvent,
          image: facts.ref,
          imageId: facts.id,
          options: serveOptions,
          limits: serveLimits(spec),
          runner: serverRunner(current),
          root: jobOptions.keepDir ?? current.tempDir("serve"),
          signal,
          trainingBudgetMs: jobOptions.trainTimeoutMs,
          // The SageMaker flow end to end: the model the training job wrote is the one the endpoint serves.
          trainedModel: async () => {
            const j = makeJobs(facts, onEvent);
            const why = j.trainingUnavailable("success");
            if (why) return { unavailable: why };
            const run = await j.training("success");
            if (run.outcome.startError !== undefined || run.outcome.timedOut || run.outcome.exitCode !== 0) {
              return { unavailable: "the training job that would have produced the model did not succeed (see TRN-SUCCESS-EXIT); give --model to serve another" };
            }
            return { dir: run.writable["/opt/ml/model"]! };
          },
        }));
      const out = await raceAbort(
        runChecks({ source: dockerImageSource(current, ref!), planned, contracts: opts.contracts, instances, gpu, spec, signal, jobs: makeJobs, endpoints: makeEndpoints, ...(live ? { listener: live(startedAt) } : {}) }),
        signal,
      );
      report = buildAndWrite(out, startedAt, t0);
      if (jobOptions.keepDir) {
        for (const run of (jobs as Jobs | undefined)?.runs() ?? []) note(`byoc-check: kept ${run.contract} job (${run.scenario}) in ${run.dir}:\n  ${run.reproduce}\n`);
        for (const e of (endpoints as Endpoints | undefined)?.started() ?? []) note(`byoc-check: kept the endpoint (${e.scenario}) in ${e.dir}; start it with:\n  ${e.reproduce}\n`);
      }
    }
  } catch (e) {
    tui?.abort(isExpectedError(e) ? e.message : "byoc-check stopped on an internal error");
    throw e;
  } finally {
    clearTimeout(timer);
    if (session) {
      const problems = await Promise.race([
        session.close(),
        new Promise<string[]>((r) => setTimeout(() => r(["cleanup did not finish within 30 s"]), CLEANUP_TIMEOUT_MS).unref()),
      ]);
      for (const p of problems) note(`byoc-check: warning: could not clean up ${p} (byoc-check cleanup retries)\n`);
    }
    interrupt.dispose();
  }

  // The containers are gone by now: a person may browse the report for as long as they like.
  let terminated = false;
  if (tui) {
    const onTerm = () => {
      terminated = true;
      tui.abort("terminated by SIGTERM");
    };
    process.once("SIGTERM", onTerm);
    try {
      await tui.finish(report);
    } finally {
      process.off("SIGTERM", onTerm);
    }
  } else if (!opts.output && opts.format === "json") {
    io.stdout(renderJson(report));
  } else if (!opts.output) {
    const text = renderText(report, { color });
    // On GitHub Actions the runner reads every stdout line that starts with "::" as a command: the report quotes the
    // image's own logs and files, which must not be able to forge or stop annotations. stop-commands turns that off
    // for the report, with a token the image cannot guess.
    if (opts.annotations || env.GITHUB_ACTIONS === "true") {
      const token = randomUUID();
      io.stdout(`::stop-commands::${token}\n${text}::${token}::\n`);
    } else {
      io.stdout(text);
    }
  }
  for (const line of later) io.stderr(line);
  if (opts.annotations) io.stdout(renderAnnotations(report, dockerfile ? { dockerfile: { path: dockerfile.uri, lineFor: (l) => dockerfile.lineFor(l) } } : {}));
  if (terminated) return EXIT.interrupted;
  if (unwritten.length > 0) {
    for (const u of unwritten) io.stderr(errorLine(u.message, u.hint));
    // The verdict stands; a conformant run whose reports could not all be written still did not do its job.
    return report.exitCode === EXIT.conformant ? EXIT.environment : report.exitCode;
  }
  return report.exitCode;

  /** Builds the report and writes the files it goes to; what goes to the terminal waits for the cleanup. */
  function buildAndWrite(out: RunOutput, startedAt: Date, t0: number): Report {
    const waived = applyWaivers(out.results, config?.waivers ?? [], startedAt);
    const report = buildReport({
      image: out.image,
      specVersion: spec.version,
      contracts: opts.contracts,
      instances: instances.map((i) => i.type),
      seed: opts.seed,
      failOn: opts.failOn,
      startedAt,
      durationMs: performance.now() - t0,
      results: waived.results,
      ...(config ? { waivers: waived.states } : {}),
    });
    // Files first: they exist even while a person still browses the interactive report.
    const files: Array<[string, string | undefined, () => string]> = [
      ["--json", opts.reports.json, () => renderJson(report)],
      ["--junit", opts.reports.junit, () => renderJunit(report)],
      ["--sarif", opts.reports.sarif, () => renderSarif(report, { checks: CHECKS, spec, ...(dockerfile ? { dockerfile: { uri: dockerfile.uri, text: dockerfile.text } } : {}) })],
      ["--output", opts.output, () => (opts.format === "json" ? renderJson(report) : renderText(report, { color: opts.color === true }))],
    ];
    for (const [flag, file, render] of files) {
      if (file === undefined) continue;
      try {
        writeFileSync(file, render());
      } catch (e) {
        unwritten.push(new EnvironmentError(`cannot write ${flag} ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, "check that the directory is writable, or write the report elsewhere"));
      }
    }
    const summaryFile = env.GITHUB_STEP_SUMMARY;
    if (summaryFile) {
      try {
        appendFileSync(summaryFile, renderStepSummary(report));
      } catch (e) {
        later.push(`byoc-check: warning: could not append the job summary to GITHUB_STEP_SUMMARY (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
      }
    }
    return report;
  }
}

async function cleanupCommand(opts: { all?: boolean }, io: Io): Promise<number> {
  const session = await DockerSession.open();
  const r = await sweepStale(session.docker, { all: opts.all === true, except: session.id });
  await session.close();
  io.stdout(`removed ${r.containers} container(s), ${r.networks} network(s), ${r.volumes} volume(s), ${r.tempDirs} temp dir(s)\n`);
  for (const p of r.problems) io.stderr(`byoc-check: warning: could not remove ${p}\n`);
  return r.problems.length > 0 ? EXIT.environment : EXIT.conformant;
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("byoc-check");
  program
    // Options after a subcommand's name are the subcommand's (`checks --spec-dir X`), not the root command's.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .showSuggestionAfterError(true)
    .description(
      "Check a container image against Amazon SageMaker's bring-your-own-container contracts (training, inference, processing) before you push it.",
    )
    .version(TOOL.version, "-V, --version", "print byoc-check's version")
    .helpOption("-h, --help", "show this help")
    .argument("[image]", "the image to check: name[:tag], name@sha256:<digest>, or an image id in the Docker engine")
    .addOption(new Option("-c, --contract <list>", `contracts to check: ${CONTRACTS.join(",")} (default: every contract)`).argParser(collect))
    .addOption(new Option("-i, --instance <type>", "target SageMaker instance type, repeatable (ml.g5.xlarge, ml.c7g.large, ...)").argParser(collect))
    .addOption(new Option("--only <checks>", "run only these checks: ids or globs, comma-separated or repeated (--only 'GPU-*,IMG-SECRETS-LAYERS')").argParser(collect))
    .option("--platform <os/arch[/variant]>", "with oci: and oci-archive: sources, the platform to check from an image index (default linux/amd64)")
    .option("--instance-count <n>", "InstanceCount of the training job: over 1 on an EFA type, the EFA libraries are checked", "1")
    .option("--driver <version>", "the host's NVIDIA driver (535.104.05, or a branch: 550), instead of the catalogue's for each instance")
    .option("--inference-ami <name>", "the InferenceAmiVersion (or TransformAmiVersion) the endpoint pins, e.g. al2-ami-sagemaker-inference-gpu-3-1")
    .option("--spec <version>", "contract spec version (default: the newest)")
    .option("--spec-dir <dir>", "read contract specs from DIR instead of the bundled ones (for spec authors)")
    .option("--config <file>", "read options and waivers from FILE (default: byoc.config.json here or in a parent, up to the repository root); flags override it")
    .option("--no-config", "ignore byoc.config.json")
    .optionsGroup("Reports (any number in one run):")
    .option("-f, --format <fmt>", "report on stdout: text | json", "text")
    .option("-o, --output <file>", "write that report there instead of stdout")
    .option("--json <file>", "also write the full JSON report to FILE")
    .option("--junit <file>", "also write JUnit XML to FILE: a testsuite per contract, a testcase per check")
    .option("--sarif <file>", "also write SARIF 2.1.0 to FILE, for GitHub code scanning")
    .option("--dockerfile <file>", "the Dockerfile the image is built from: SARIF and annotations point at its lines")
    .option("--annotations", "print GitHub workflow commands after the report, so failures show on the run page")
    .option("--no-annotations", "no workflow commands, even if the config asks for them")
    .option("--no-tui", "the plain text report even on a terminal (also: CI set, NO_COLOR, output not a terminal)")
    .option("--fail-on <level>", "lowest severity of a failing check that fails the run: error | warning", "error")
    .option("--seed <n>", "seed for everything random (default: a random one, printed in the report)")
    .option("--timeout <duration>", "overall deadline, e.g. 10m or 1h30m")
    .option("--no-color", "plain text even on a terminal (NO_COLOR works too)")
    .optionsGroup("Run:")
    .optionsGroup("Training and processing jobs:")
    .option("--entrypoint <program|json>", 'ContainerEntrypoint: a program, or a JSON array such as \'["python3", "/opt/program/train.py"]\'')
    .addOption(new Option("--arg <value>", "ContainerArguments, one per flag (replace train / the image CMD)").argParser(collect))
    .addOption(new Option("-e, --env <key=value>", "an Environment entry for the job, repeatable").argParser(collect))
    .addOption(new Option("--channel <name=dir[@type]>", "a training channel of sample data, mounted read-only; @type sets its ContentType").argParser(collect))
    .option("--hyperparameters <file>", "hyperparameters as a JSON object (values become strings, as SageMaker passes them)")
    .addOption(new Option("--hp <key=value>", "a hyperparameter, repeatable; overrides --hyperparameters").argParser(collect))
    .addOption(new Option("--invalid-hp <key=value>", "a hyperparameter value the job must reject (the failure path), repeatable").argParser(collect))
    .addOption(new Option("--input-mode <mode>", "TrainingInputMode: File | FastFile | Pipe (FIFOs <channel>_0)").default("File"))
    .option("--network-isolation", "rehearse EnableNetworkIsolation: run jobs with --network none")
    .option("--no-network-isolation", "jobs get a network, even if the config isolates them")
    .option("--train-timeout <duration>", "longest a training run may take", "10m")
    .option("--processing-timeout <duration>", "longest a processing run may take", "10m")
    .addOption(new Option("--input <name=dir>", "a processing input, mounted read-only at /opt/ml/processing/input/NAME").argParser(collect))
    .addOption(new Option("--processing-output <name>", "a processing output, created at /opt/ml/processing/output/NAME").argParser(collect))
    .option("--stop-after <duration>", "when the stop signal is sent in the stop test", "2s")
    .option("--stop-grace <duration>", "shorten the spec's stop grace (120s for training, 30s for an endpoint) for quick local runs")
    .option("--keep <dir>", "keep each job's and endpoint's sandbox in DIR and print the docker run line that reproduces it")
    .option("--save-artifacts <dir>", "write the successful training run's model.tar.gz into DIR")
    .optionsGroup("Inference endpoints:")
    .option("--model <dir|file|none>", "the model at /opt/ml/model (read-only): a directory, a model.tar.gz, or none (default with -c training,inference and --channel: the model training wrote)")
    .addOption(new Option("--sample <file[@type]>", "a request body for POST /invocations, repeatable; @type sets its Content-Type").argParser(collect))
    .option("--content-type <type>", "Content-Type of samples without @type (default: from the file extension); with no --sample, the type of the fuzzer's built-in requests")
    .option("--accept <type>", "Accept header of the sample requests; responses must match it")
    .option("--expect-schema <file>", "a JSON Schema the JSON responses must satisfy")
    .option("--startup-timeout <duration>", "ContainerStartupHealthCheckTimeoutInSeconds, 60s to 1h (default: the platform's 8m)")
    .option("--ready-gate <duration>", "ready later than this is a warning", "60s")
    .option("--concurrency <n>", "simultaneous invocations in the concurrency check", "4")
    .optionsGroup("Fuzzing /invocations (mutations of --sample, protocol cases, 6 MiB bodies):")
    .option("--fuzz-runs <n>", `cases to generate (default: ${DEFAULT_FUZZ_RUNS}; 0 turns fuzzing off)`)
    .option("--fuzz-time <duration>", `wall-clock budget of the search, shrinking included (default: ${DEFAULT_FUZZ_TIME})`)
    .option("--strict", "a 5xx answer to a malformed request is an error, not a warning")
    .option("--no-strict", "a 5xx answer to a malformed request is a warning, even if the config says --strict")
    .option("--replay <path>", "with --seed: send only the case a finding printed (and the same --sample flags)")
    .addHelpText(
      "after",
      `
Exit codes:
  0    conformant
  1    a failing check at or above --fail-on
  2    usage, config or spec error (nothing ran)
  3    environment: Docker unreachable, image missing, a check errored and none failed
  70   internal error in byoc-check (please report it)
  130  interrupted

Examples:
  byoc-check my-model:latest
  byoc-check -c inference -i ml.g5.xlarge -f json -o report.json my-model:latest`,
    )
    .action(async (image: string | undefined, raw: RawOptions & { color: boolean; tui: boolean; config?: string | false }, cmd: Command) => {
      const fromCli = (key: string) => cmd.getOptionValueSource(key) === "cli";
      // --no-color defaults color to true; only an explicit flag should override the terminal check.
      const { color, tui, config, ...rest } = raw;
      const options: RawOptions = { ...rest, ...(fromCli("color") ? { color } : {}) };
      setExit(await runCommand(image, options, io, { config: fromCli("config") ? config : undefined, tui, fromCli }));
    });

  program
    .command("checks")
    .description("list every check: id, contract, clauses, severity, title")
    .option("--json", "as JSON")
    .option("--spec-dir <dir>", "read contract specs from DIR")
    .action((o: { json?: boolean; specDir?: string }) => {
      const spec = loadSpec(o.specDir ? { specsDir: o.specDir } : {});
      io.stdout(renderCheckList(CHECKS, spec, o.json === true));
      setExit(EXIT.conformant);
    });

  program
    .command("specs")
    .description("list every spec version and its clauses")
    .option("--json", "as JSON")
    .option("--spec-dir <dir>", "read contract specs from DIR")
    .action((o: { json?: boolean; specDir?: string }) => {
      const dir = o.specDir ? { specsDir: o.specDir } : {};
      const specs = listSpecVersions(o.specDir).map((version) => loadSpec({ version, ...dir }));
      io.stdout(renderSpecList(specs, o.json === true));
      setExit(EXIT.conformant);
    });

  program
    .command("cleanup")
    .description("remove the containers, networks, volumes and temp dirs that earlier runs left behind")
    .option("--all", "also remove those of runs still in progress")
    .action(async (o: { all?: boolean }) => setExit(await cleanupCommand(o, io)));

  return program;
}

/** Parses argv, runs, and returns the exit code. Only this function turns errors into exit codes. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code: number = EXIT.conformant;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT.conformant; // --help, --version
      const [first, ...rest] = e.message.replace(/^error: /, "").split("\n").filter(Boolean);
      const hint = [...rest.map((l) => l.replace(/^\((.*)\)$/, "$1").replace(/^Did/, "did")), "see byoc-check --help"].join("; ");
      io.stderr(errorLine(first ?? "invalid command line", hint));
      return EXIT.usage;
    }
    if (isExpectedError(e)) {
      io.stderr(errorLine(e.message, e.hint));
      return exitCodeFor({ kind: "stopped", error: e.kind });
    }
    io.stderr(`byoc-check: internal error: ${(e as Error)?.message ?? String(e)} (this is a bug in byoc-check: please report it with the lines below)\n`);
    io.stderr(`${(e as Error)?.stack ?? String(e)}\n`);
    return exitCodeFor({ kind: "crashed" });
  }
}
