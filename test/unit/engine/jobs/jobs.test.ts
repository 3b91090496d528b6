import { spawn } from "node:child_process";
import { chmodSync, createReadStream, existsSync, lstatSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dockerRunLine } from "../../../../src/engine/jobs/command-line.js";
import { PROCESSING_SCENARIOS, TRAINING_SCENARIOS, TUNING_KEY, type TrainingScenario } from "../../../../src/engine/jobs/jobs.js";
import { channelFiles } from "../../../../src/engine/jobs/pipe.js";
import type { RunRequest } from "../../../../src/engine/jobs/runner.js";
import type { ChannelOption } from "../../../../src/engine/jobs/types.js";
import { IMAGE_ID, IMAGE_TAG, hostPath, removeTempDirs, sampleDir, sandbox, tempDir } from "../../helpers/fake-jobs.js";

afterEach(removeTempDirs);

const ARN = "arn:aws:sagemaker:us-east-1:000000000000:training-job/byoc-check-job";
const mode = (path: string) => statSync(path).mode & 0o777;
const json = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));
const only = (reqs: RunRequest[]): RunRequest => {
  expect(reqs).toHaveLength(1);
  return reqs[0]!;
};

async function readAll(path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

function twoChannels(): ChannelOption[] {
  return [
    { name: "train", dir: sampleDir({ "a.csv": "1,2\n" }), contentType: "text/csv" },
    { name: "validation", dir: sampleDir({ "b.csv": "3,4\n" }) },
  ];
}

describe("training sandbox", () => {
  it("mounts config and each channel read-only and model, output and checkpoints writable, each on its own", async () => {
    const channels = twoChannels();
    const { jobs, runner, root } = sandbox({ channels });
    const run = await jobs.training("success");
    const dir = join(root, "training-success");
    expect(run.dir).toBe(dir);
    expect(only(runner.requests).spec.mounts).toEqual([
      { source: join(dir, "config"), target: "/opt/ml/input/config", readOnly: true },
      { source: channels[0]!.dir, target: "/opt/ml/input/data/train", readOnly: true },
      { source: channels[1]!.dir, target: "/opt/ml/input/data/validation", readOnly: true },
      { source: join(dir, "model"), target: "/opt/ml/model", readOnly: false },
      { source: join(dir, "output"), target: "/opt/ml/output", readOnly: false },
      { source: join(dir, "checkpoints"), target: "/opt/ml/checkpoints", readOnly: false },
    ]);
    expect(run.writable).toEqual({ "/opt/ml/model": join(dir, "model"), "/opt/ml/output": join(dir, "output"), "/opt/ml/checkpoints": join(dir, "checkpoints") });
  });

  it("never mounts /opt/ml, /opt/ml/input or /opt/ml/input/data whole", async () => {
    for (const inputMode of ["File", "FastFile"] as const) {
      const { jobs, runner } = sandbox({ channels: twoChannels(), inputMode });
      await Promise.all((Object.keys(TRAINING_SCENARIOS) as TrainingScenario[]).filter((s) => s !== "invalid-hyperparameters").map((s) => jobs.training(s)));
      expect(runner.requests).toHaveLength(6);
      for (const req of runner.requests) {
        for (const m of req.spec.mounts) expect(["/opt/ml", "/opt/ml/input", "/opt/ml/input/data"]).not.toContain(m.target);
      }
    }
  });

  it("makes the writable directories writable by any user, with /opt/ml/output/data present", async () => {
    const { jobs } = sandbox({ channels: twoChannels() });
    const run = await jobs.training("success");
    for (const path of Object.values(run.writable)) expect(mode(path)).toBe(0o777);
    expect(mode(join(run.writable["/opt/ml/output"]!, "data"))).toBe(0o777);
    expect(readdirSync(run.writable["/opt/ml/model"]!)).toEqual([]);
  });

  it("writes hyperparameters.json as strings, inputdataconfig.json and resourceconfig.json", async () => {
    const { jobs } = sandbox({ channels: twoChannels(), hyperparameters: { epochs: "10", lr: "0.01", opt: "adam" }, instanceType: "ml.g5.2xlarge" });
    const run = await jobs.training("success");
    const config = join(run.dir, "config");
    expect(readdirSync(config).sort()).toEqual(["hyperparameters.json", "inputdataconfig.json", "resourceconfig.json"]);
    expect(readFileSync(join(config, "hyperparameters.json"), "utf8")).toBe('{"epochs":"10","lr":"0.01","opt":"adam"}');
    expect(json(join(config, "inputdataconfig.json"))).toEqual({
      train: { ContentType: "text/csv", TrainingInputMode: "File", S3DistributionType: "FullyReplicated", RecordWrapperType: "None" },
      validation: { TrainingInputMode: "File", S3DistributionType: "FullyReplicated", RecordWrapperType: "None" },
    });
    expect(json(join(config, "resourceconfig.json"))).toMatchObject({ current_host: "algo-1", hosts: ["algo-1"], current_instance_type: "ml.g5.2xlarge" });
    expect(run.hyperparameters).toEqual({ epochs: "10", lr: "0.01", opt: "adam" });
  });

  it("names the host algo-1 and puts the job name and ARN before the user's environment", async () => {
    const { jobs, runner } = sandbox({ channels: twoChannels(), env: [["Z_LAST", "1"], ["A_FIRST", "2"]] });
    await jobs.training("success");
    const { spec } = only(runner.requests);
    expect(spec.hostname).toBe("algo-1");
    expect(spec.env).toEqual([
      ["TRAINING_JOB_NAME", "byoc-check-job"],
      ["TRAINING_JOB_ARN", ARN],
      ["Z_LAST", "1"],
      ["A_FIRST", "2"],
    ]);
  });

  describe("start command", () => {
    const start = async (o: { entrypoint?: string[]; args?: string[] }) => {
      const { jobs, runner } = sandbox({ channels: twoChannels(), ...o });
      await jobs.training("success");
      const { spec } = only(runner.requests);
      return { entrypoint: spec.entrypoint, cmd: spec.cmd };
    };

    it("runs the image's ENTRYPOINT with train, as SageMaker does", async () => {
      expect(await start({})).toEqual({ entrypoint: undefined, cmd: ["train"] });
    });

    it("replaces train with ContainerArguments", async () => {
      expect(await start({ args: ["--epochs", "3"] })).toEqual({ entrypoint: undefined, cmd: ["--epochs", "3"] });
    });

    it("runs ContainerEntrypoint without train, with the arguments when given", async () => {
      expect(await start({ entrypoint: ["python3", "/opt/program/train.py"] })).toEqual({ entrypoint: ["python3", "/opt/program/train.py"], cmd: [] });
      expect(await start({ entrypoint: ["/opt/program/run"], args: ["fit"] })).toEqual({ entrypoint: ["/opt/program/run"], cmd: ["fit"] });
    });
  });

  it("runs the image by id and shows the tag in the line that reproduces it", async () => {
    const { jobs, runner } = sandbox({ channels: twoChannels() });
    const run = await jobs.training("success");
    const req = only(runner.requests);
    expect(req.spec.image).toBe(IMAGE_ID);
    expect(run.reproduce).toBe(dockerRunLine({ ...req.spec, image: IMAGE_TAG }));
    expect(run.reproduce).toContain(` ${IMAGE_TAG} train`);
    expect(run.reproduce).not.toContain(IMAGE_ID);
    expect(run.reproduce).toContain(`-v ${join(run.dir, "config")}:/opt/ml/input/config:ro`);
  });

  it("gives the runner the training timeout and the session's abort signal", async () => {
    const signal = new AbortController().signal;
    const { jobs, runner } = sandbox({ channels: twoChannels(), trainTimeoutMs: 42_000 }, {}, { signal });
    await jobs.training("success");
    const req = only(runner.requests);
    expect(req.timeoutMs).toBe(42_000);
    expect(req.signal).toBe(signal);
    expect(req.stop).toBeUndefined();
  });

  it("records what each run gave the job", async () => {
    const channels = twoChannels();
    const { jobs } = sandbox({ channels });
    const run = await jobs.training("success");
    expect(run).toMatchObject({ contract: "training", scenario: "success", what: "your sample data and hyperparameters", channels });
    expect(run.outcome.exitCode).toBe(0);
  });

  describe("network", () => {
    it("is the default bridge without --network-isolation, in every scenario", async () => {
      const { jobs, runner } = sandbox({ channels: twoChannels() });
      await Promise.all([jobs.training("success"), jobs.training("networked"), jobs.training("stop")]);
      expect(runner.requests.map((r) => r.spec.network)).toEqual(["bridge", "bridge", "bridge"]);
    });

    it("is none under --network-isolation, except in the networked run that tells a network dependency apart", async () => {
      const { jobs, runner } = sandbox({ channels: twoChannels(), networkIsolation: true });
      for (const s of ["success", "networked", "typed-hyperparameters", "tuning-key", "empty-channels", "stop"] as const) await jobs.training(s);
      expect(Object.fromEntries(runner.requests.map((r, i) => [runner.scenarios[i], r.spec.network]))).toEqual({
        "training/success": "none",
        "training/networked": "bridge",
        "training/typed-hyperparameters": "none",
        "training/tuning-key": "none",
        "training/empty-channels": "none",
        "training/stop": "none",
      });
      expect((await jobs.training("success")).reproduce).toContain("--network none");
    });
  });

  describe("hyperparameter scenarios", () => {
    const hps = { epochs: "10", lr: "0.01", verbose: "true", name: "abc" };

    it("typed-hyperparameters writes numbers and booleans as JSON ones, the rest as strings", async () => {
      const { jobs } = sandbox({ channels: twoChannels(), hyperparameters: hps });
      const run = await jobs.training("typed-hyperparameters");
      expect(readFileSync(join(run.dir, "config", "hyperparameters.json"), "utf8")).toBe('{"epochs":10,"lr":0.01,"verbose":true,"name":"abc"}');
      expect(run.hyperparameters).toEqual(hps);
    });

    it("tuning-key adds _tuning_objective_metric as automatic model tuning does", async () => {
      const { jobs } = sandbox({ channels: twoChannels(), hyperparameters: hps });
      const run = await jobs.training("tuning-key");
      expect(TUNING_KEY).toBe("_tuning_objective_metric");
      expect(json(join(run.dir, "config", "hyperparameters.json"))).toEqual({ ...hps, _tuning_objective_metric: "validation:loss" });
      expect(run.hyperparameters).toEqual({ ...hps, _tuning_objective_metric: "validation:loss" });
    });

    it("invalid-hyperparameters lays the declared invalid values over the others, as strings", async () => {
      const channels = twoChannels();
      const { jobs, runner } = sandbox({ channels, hyperparameters: hps, invalidHyperparameters: { epochs: "-1", extra: "1.5" } });
      const run = await jobs.training("invalid-hyperparameters");
      expect(json(join(run.dir, "config", "hyperparameters.json"))).toEqual({ ...hps, epochs: "-1", extra: "1.5" });
      expect(run.channels).toEqual(channels);
      expect(only(runner.requests).spec.mounts.filter((m) => m.target.startsWith("/opt/ml/input/data/")).map((m) => m.source)).toEqual(channels.map((c) => c.dir));
    });

    it("invalid-hyperparameters without sample data gives the job one empty training channel", async () => {
      const { jobs, runner } = sandbox({ invalidHyperparameters: { epochs: "-1" } });
      const run = await jobs.training("invalid-hyperparameters");
      const empty = join(run.dir, "empty", "training");
      expect(run.channels).toEqual([{ name: "training", dir: empty }]);
      expect(readdirSync(empty)).toEqual([]);
      expect(only(runner.requests).spec.mounts).toContainEqual({ source: empty, target: "/opt/ml/input/data/training", readOnly: true });
    });
  });

  describe("empty-channels", () => {
    it("gives every channel by its own name and ContentType, each an empty directory of the sandbox's own", async () => {
      const channels = twoChannels();
      const { jobs, runner } = sandbox({ channels });
      const run = await jobs.training("empty-channels");
      const dir = join(run.dir, "empty");
      expect(run.channels).toEqual([
        { name: "train", dir: join(dir, "train"), contentType: "text/csv" },
        { name: "validation", dir: join(dir, "validation") },
      ]);
      for (const c of run.channels!) expect(readdirSync(c.dir)).toEqual([]);
      const mounts = only(runner.requests).spec.mounts.filter((m) => m.target.startsWith("/opt/ml/input/data/"));
      expect(mounts).toEqual([
        { source: join(dir, "train"), target: "/opt/ml/input/data/train", readOnly: true },
        { source: join(dir, "validation"), target: "/opt/ml/input/data/validation", readOnly: true },
      ]);
      expect(json(join(run.dir, "config", "inputdataconfig.json"))).toMatchObject({ train: { ContentType: "text/csv" }, validation: {} });
      // The user's sample data is untouched and not mounted.
      expect(readdirSync(channels[0]!.dir)).toEqual(["a.csv"]);
    });

    it("uses one channel named training when the user gave none", async () => {
      const { jobs } = sandbox();
      const run = await jobs.training("empty-channels");
      expect(run.channels?.map((c) => c.name)).toEqual(["training"]);
      expect(Object.keys(json(join(run.dir, "config", "inputdataconfig.json")) as object)).toEqual(["training"]);
    });
  });

  describe("stop", () => {
    it("plans SIGTERM after --stop-after with the spec's training grace", async () => {
      const { jobs, runner } = sandbox({ channels: twoChannels(), stopAfterMs: 3_000 }, {}, { graces: { training: 120_000, processing: 90_000 } });
      const run = await jobs.training("stop");
      expect(only(runner.requests).stop).toEqual({ signal: "SIGTERM", afterMs: 3_000, graceMs: 120_000 });
      expect(run.outcome.stop).toMatchObject({ signal: "SIGTERM", graceMs: 120_000 });
      expect(jobs.stopGraceMs).toEqual({ training: 120_000, processing: 90_000 });
    });

    it("takes --stop-grace over the spec's grace", async () => {
      const { jobs, runner } = sandbox({ channels: twoChannels(), stopGraceMs: 5_000 });
      await jobs.training("stop");
      expect(only(runner.requests).stop).toEqual({ signal: "SIGTERM", afterMs: 2_000, graceMs: 5_000 });
      expect(jobs.stopGraceMs).toEqual({ training: 5_000, processing: 5_000 });
    });

    it("runs the user's channels when given, one empty training channel otherwise", async () => {
      const channels = twoChannels();
      expect((await sandbox({ channels }).jobs.training("stop")).channels).toEqual(channels);
      expect((await sandbox().jobs.training("stop")).channels?.map((c) => c.name)).toEqual(["training"]);
    });

    it("is planned for the stop scenario only", async () => {
      const { jobs, runner } = sandbox({ channels: twoChannels() });
      await Promise.all([jobs.training("success"), jobs.training("empty-channels"), jobs.training("stop")]);
      expect(runner.requests.filter((r) => r.stop).map((r) => runner.scenarios[runner.requests.indexOf(r)])).toEqual(["training/stop"]);
    });
  });

  describe("Pipe mode", () => {
    it("gives one FIFO <channel>_0 per channel in a read-only directory at /opt/ml/input/data, and no channel mounts", async () => {
      const channels = twoChannels();
      const { jobs, runner } = sandbox({ channels, inputMode: "Pipe" });
      const run = await jobs.training("success");
      const pipes = join(run.dir, "pipes");
      const mounts = only(runner.requests).spec.mounts.filter((m) => m.target.startsWith("/opt/ml/input/data"));
      expect(mounts).toEqual([{ source: pipes, target: "/opt/ml/input/data", readOnly: true }]);
      expect(readdirSync(pipes).sort()).toEqual(["train_0", "validation_0"]);
      for (const f of readdirSync(pipes)) expect(lstatSync(join(pipes, f)).isFIFO()).toBe(true);
      expect(json(join(run.dir, "config", "inputdataconfig.json"))).toMatchObject({ train: { TrainingInputMode: "Pipe" }, validation: { TrainingInputMode: "Pipe" } });
    });

    it("feeds each FIFO its channel's files, in order, once the container has started", async () => {
      const train = sampleDir({ "part-2.csv": "c\n", "part-1.csv": "b\n", "a/part-0.csv": "a\n" });
      const validation = sampleDir({ "v.csv": "v\n" });
      const got: Record<string, string> = {};
      const { jobs } = sandbox(
        { channels: [{ name: "train", dir: train }, { name: "validation", dir: validation }], inputMode: "Pipe" },
        {
          "training/success": async (req) => {
            req.onStarted!();
            const data = hostPath(req, "/opt/ml/input/data");
            [got.train, got.validation] = await Promise.all([readAll(join(data, "train_0")), readAll(join(data, "validation_0"))]);
          },
        },
      );
      await jobs.training("success");
      expect(got).toEqual({ train: "a\nb\nc\n", validation: "v\n" });
    });

    it("feeds the empty channels of the empty-channels run nothing but EOF", async () => {
      let got: string | undefined;
      const { jobs } = sandbox(
        { channels: twoChannels(), inputMode: "Pipe" },
        {
          "training/empty-channels": async (req) => {
            req.onStarted!();
            got = await readAll(join(hostPath(req, "/opt/ml/input/data"), "train_0"));
          },
        },
      );
      await jobs.training("empty-channels");
      expect(got).toBe("");
    });

    it("ends the run promptly when the job never opens its FIFOs", async () => {
      const { jobs } = sandbox({ channels: twoChannels(), inputMode: "Pipe" }, { "training/success": (req) => void req.onStarted!() });
      const started = Date.now();
      await jobs.training("success");
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });

  it("mounts FastFile channels as File ones, and writes their mode as File", async () => {
    const channels = twoChannels();
    const { jobs, runner } = sandbox({ channels, inputMode: "FastFile" });
    const run = await jobs.training("success");
    expect(only(runner.requests).spec.mounts.filter((m) => m.target.startsWith("/opt/ml/input/data/")).map((m) => [m.target, m.readOnly])).toEqual([
      ["/opt/ml/input/data/train", true],
      ["/opt/ml/input/data/validation", true],
    ]);
    expect(json(join(run.dir, "config", "inputdataconfig.json"))).toMatchObject({ train: { TrainingInputMode: "File" } });
  });
});

describe("processing sandbox", () => {
  const io = () => ({ inputs: [{ name: "raw", dir: sampleDir({ "r.csv": "1\n" }) }, { name: "ref", dir: sampleDir({ "x.json": "{}" }) }], outputs: ["train", "report"] });

  it("mounts its config at /opt/ml/config and inputs read-only, /opt/ml/output and each output writable", async () => {
    const o = io();
    const { jobs, runner, root } = sandbox(o);
    const run = await jobs.processing("success");
    const dir = join(root, "processing-success");
    expect(only(runner.requests).spec.mounts).toEqual([
      { source: join(dir, "config"), target: "/opt/ml/config", readOnly: true },
      { source: o.inputs[0]!.dir, target: "/opt/ml/processing/input/raw", readOnly: true },
      { source: o.inputs[1]!.dir, target: "/opt/ml/processing/input/ref", readOnly: true },
      { source: join(dir, "output"), target: "/opt/ml/output", readOnly: false },
      { source: join(dir, "outputs", "train"), target: "/opt/ml/processing/output/train", readOnly: false },
      { source: join(dir, "outputs", "report"), target: "/opt/ml/processing/output/report", readOnly: false },
    ]);
    expect(run.writable).toEqual({
      "/opt/ml/output": join(dir, "output"),
      "/opt/ml/processing/output/train": join(dir, "outputs", "train"),
      "/opt/ml/processing/output/report": join(dir, "outputs", "report"),
    });
    for (const p of Object.values(run.writable)) expect(mode(p)).toBe(0o777);
    expect(run).toMatchObject({ contract: "processing", scenario: "success", what: "your sample inputs" });
    expect(run).not.toHaveProperty("hyperparameters");
  });

  it("writes processingjobconfig.json and resourceconfig.json", async () => {
    const { jobs } = sandbox({ ...io(), env: [["MODE", "full"]], instanceType: "ml.c5.xlarge" });
    const run = await jobs.processing("success");
    const config = join(run.dir, "config");
    expect(readdirSync(config).sort()).toEqual(["processingjobconfig.json", "resourceconfig.json"]);
    expect(json(join(config, "processingjobconfig.json"))).toMatchObject({
      AppSpecification: { ImageUri: IMAGE_TAG, ContainerEntrypoint: null, ContainerArguments: null },
      Environment: { MODE: "full" },
      ProcessingInputs: [{ InputName: "raw" }, { InputName: "ref" }],
      ProcessingOutputConfig: { Outputs: [{ OutputName: "train" }, { OutputName: "report" }] },
    });
    expect(json(join(config, "resourceconfig.json"))).toEqual({ current_host: "algo-1", hosts: ["algo-1"], current_instance_type: "ml.c5.xlarge", network_interface_name: "eth0" });
  });

  it("keeps the image's ENTRYPOINT and CMD unless told otherwise, and passes only the user's environment", async () => {
    const { jobs, runner } = sandbox({ ...io(), env: [["A", "1"]] });
    await jobs.processing("success");
    const { spec } = only(runner.requests);
    expect(spec.entrypoint).toBeUndefined();
    expect(spec.cmd).toBeUndefined();
    expect(spec.env).toEqual([["A", "1"]]);
    expect(spec.hostname).toBe("algo-1");
    expect(spec.image).toBe(IMAGE_ID);
  });

  it("replaces CMD with ContainerArguments, and both with ContainerEntrypoint", async () => {
    const args = sandbox({ ...io(), args: ["--fast"] });
    await args.jobs.processing("success");
    expect(only(args.runner.requests).spec).toMatchObject({ cmd: ["--fast"] });
    expect(only(args.runner.requests).spec.entrypoint).toBeUndefined();
    const ep = sandbox({ ...io(), entrypoint: ["python3", "/opt/program/process.py"] });
    await ep.jobs.processing("success");
    expect(only(ep.runner.requests).spec).toMatchObject({ entrypoint: ["python3", "/opt/program/process.py"], cmd: [] });
  });

  it("runs without a network under --network-isolation", async () => {
    const { jobs, runner } = sandbox({ ...io(), networkIsolation: true });
    await Promise.all([jobs.processing("success"), jobs.processing("empty-inputs"), jobs.processing("stop")]);
    expect(runner.requests.map((r) => r.spec.network)).toEqual(["none", "none", "none"]);
    const networked = sandbox(io());
    await networked.jobs.processing("success");
    expect(only(networked.runner.requests).spec.network).toBe("bridge");
  });

  it("gives empty-inputs an empty directory under each input's name, and the config says so", async () => {
    const o = io();
    const { jobs, runner } = sandbox(o);
    const run = await jobs.processing("empty-inputs");
    const mounts = only(runner.requests).spec.mounts.filter((m) => m.target.startsWith("/opt/ml/processing/input/"));
    expect(mounts).toEqual([
      { source: join(run.dir, "empty", "raw"), target: "/opt/ml/processing/input/raw", readOnly: true },
      { source: join(run.dir, "empty", "ref"), target: "/opt/ml/processing/input/ref", readOnly: true },
    ]);
    for (const m of mounts) expect(readdirSync(m.source)).toEqual([]);
    expect(readdirSync(o.inputs[0]!.dir)).toEqual(["r.csv"]);
  });

  it("gives empty-inputs one input named input-1 when the user gave none", async () => {
    const { jobs, runner } = sandbox({ outputs: ["out"] });
    const run = await jobs.processing("empty-inputs");
    expect(only(runner.requests).spec.mounts).toContainEqual({ source: join(run.dir, "empty", "input-1"), target: "/opt/ml/processing/input/input-1", readOnly: true });
    expect(json(join(run.dir, "config", "processingjobconfig.json"))).toMatchObject({ ProcessingInputs: [{ InputName: "input-1", S3Input: { LocalPath: "/opt/ml/processing/input/input-1" } }] });
  });

  it("plans SIGINT for the stop run with the processing grace and timeout", async () => {
    const { jobs, runner } = sandbox({ ...io(), stopAfterMs: 1_000, processingTimeoutMs: 30_000 }, {}, { graces: { training: 120_000, processing: 60_000 } });
    await jobs.processing("stop");
    const req = only(runner.requests);
    expect(req.stop).toEqual({ signal: "SIGINT", afterMs: 1_000, graceMs: 60_000 });
    expect(req.timeoutMs).toBe(30_000);
    const override = sandbox({ ...io(), stopGraceMs: 4_000 });
    await override.jobs.processing("stop");
    expect(only(override.runner.requests).stop).toEqual({ signal: "SIGINT", afterMs: 2_000, graceMs: 4_000 });
  });

  it("runs the stop scenario on the user's inputs, or on an empty input when none were given", async () => {
    const o = io();
    const withInputs = sandbox(o);
    await withInputs.jobs.processing("stop");
    expect(only(withInputs.runner.requests).spec.mounts.map((m) => m.source)).toContain(o.inputs[0]!.dir);
    const bare = sandbox();
    const run = await bare.jobs.processing("stop");
    expect(only(bare.runner.requests).spec.mounts).toContainEqual({ source: join(run.dir, "empty", "input-1"), target: "/opt/ml/processing/input/input-1", readOnly: true });
  });

  it("does not plan a stop for success and empty-inputs", async () => {
    const { jobs, runner } = sandbox(io());
    await Promise.all([jobs.processing("success"), jobs.processing("empty-inputs")]);
    expect(runner.requests.map((r) => r.stop)).toEqual([undefined, undefined]);
  });
});

describe("scenarios the user's flags do not allow", () => {
  it("needs sample data for the runs that follow the success path", () => {
    const { jobs } = sandbox();
    for (const s of ["success", "networked", "typed-hyperparameters", "tuning-key"] as const) {
      expect(jobs.trainingUnavailable(s)).toBe("no sample data: give --channel NAME=DIR (repeatable) to run the training job's success path");
    }
    expect(jobs.trainingUnavailable("empty-channels")).toBeUndefined();
    expect(jobs.trainingUnavailable("stop")).toBeUndefined();
  });

  it("needs declared invalid hyperparameters for the invalid-hyperparameters run", () => {
    expect(sandbox({ channels: twoChannels() }).jobs.trainingUnavailable("invalid-hyperparameters")).toBe(
      "no invalid hyperparameters declared: give --invalid-hp KEY=VALUE with a value your job must reject",
    );
    expect(sandbox({ invalidHyperparameters: { epochs: "-1" } }).jobs.trainingUnavailable("invalid-hyperparameters")).toBeUndefined();
  });

  it("allows every training run with sample data and invalid hyperparameters", () => {
    const { jobs } = sandbox({ channels: twoChannels(), invalidHyperparameters: { epochs: "-1" } });
    for (const s of Object.keys(TRAINING_SCENARIOS) as TrainingScenario[]) expect(jobs.trainingUnavailable(s), s).toBeUndefined();
  });

  it("needs a sample input for the processing success run only", () => {
    const { jobs } = sandbox();
    expect(jobs.processingUnavailable("success")).toBe("no sample input: give --input NAME=DIR (repeatable) to run the processing job's success path");
    expect(jobs.processingUnavailable("empty-inputs")).toBeUndefined();
    expect(jobs.processingUnavailable("stop")).toBeUndefined();
    expect(sandbox({ inputs: [{ name: "raw", dir: sampleDir() }] }).jobs.processingUnavailable("success")).toBeUndefined();
    expect(Object.keys(PROCESSING_SCENARIOS)).toEqual(["success", "empty-inputs", "stop"]);
  });
});

describe("one run per scenario", () => {
  it("runs a scenario once however many checks ask, even at the same time", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { jobs, runner } = sandbox({ channels: twoChannels() }, { "training/success": () => gate });
    const a = jobs.training("success");
    const b = jobs.training("success");
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toBe(rb);
    expect(await jobs.training("success")).toBe(ra);
    expect(runner.scenarios).toEqual(["training/success"]);
  });

  it("keeps training and processing runs of the same name apart", async () => {
    const { jobs, runner } = sandbox({ channels: twoChannels(), inputs: [{ name: "raw", dir: sampleDir() }] });
    await Promise.all([jobs.training("success"), jobs.processing("success"), jobs.training("stop"), jobs.processing("stop")]);
    expect([...runner.scenarios].sort()).toEqual(["processing/stop", "processing/success", "training/stop", "training/success"]);
  });

  it("lists the runs that finished, in the order they did", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { jobs } = sandbox({ channels: twoChannels() }, { "training/success": () => gate });
    const slow = jobs.training("success");
    await jobs.training("stop");
    expect(jobs.runs().map((r) => r.scenario)).toEqual(["stop"]);
    release();
    await slow;
    expect(jobs.runs().map((r) => r.scenario)).toEqual(["stop", "success"]);
    jobs.runs().pop();
    expect(jobs.runs()).toHaveLength(2);
  });

  it("passes on a runner's error, and does not run the scenario again", async () => {
    const { jobs, runner } = sandbox({ channels: twoChannels() }, { "training/success": () => Promise.reject(new Error("interrupted by SIGINT")) });
    await expect(jobs.training("success")).rejects.toThrow("interrupted by SIGINT");
    await expect(jobs.training("success")).rejects.toThrow("interrupted by SIGINT");
    expect(runner.requests).toHaveLength(1);
    expect(jobs.runs()).toEqual([]);
  });

  it("gives each check a budget for two of the longest runs, a stop and its grace, and a minute", () => {
    const { jobs } = sandbox({ trainTimeoutMs: 100_000, processingTimeoutMs: 300_000, stopAfterMs: 5_000 }, {}, { graces: { training: 120_000, processing: 30_000 } });
    expect(jobs.checkBudgetMs).toBe(2 * 300_000 + 5_000 + 120_000 + 60_000);
  });
});

describe("--keep", () => {
  /** A `docker` on PATH that prints its arguments NUL-separated, so the kept script can be run for real. */
  function fakeDockerPath(): string {
    const bin = tempDir("unit-bin-");
    writeFileSync(join(bin, "docker"), "#!/bin/sh\nprintf '%s\\0' \"$@\"\n");
    chmodSync(join(bin, "docker"), 0o755);
    return `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`;
  }

  function runScript(script: string, path: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(script, [], { env: { PATH: path } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it("writes an executable run.sh holding the reproducing docker run line in each run's directory", async () => {
    const keep = join(tempDir(), "kept");
    const { jobs } = sandbox({ channels: twoChannels(), keepDir: keep, env: [["GREETING", "hello world"]] });
    const run = await jobs.training("success");
    expect(run.dir).toBe(join(keep, "training-success"));
    const script = join(run.dir, "run.sh");
    expect(statSync(script).mode & 0o111).not.toBe(0);
    expect(readFileSync(script, "utf8")).toBe(`#!/bin/sh\n# byoc-check kept this sandbox: ${run.dir}\n${run.reproduce}\n`);
    const processing = await sandbox({ inputs: [{ name: "raw", dir: sampleDir() }], keepDir: join(tempDir(), "kept") }).jobs.processing("success");
    expect(readFileSync(join(processing.dir, "run.sh"), "utf8")).toContain(`\n${processing.reproduce}\n`);
  });

  it("writes a run.sh that a shell runs as the same docker run, with the tag, quoting included", async () => {
    const keep = join(tempDir(), "kept it's");
    const channels = [{ name: "train", dir: sampleDir() }];
    const { jobs, runner } = sandbox({ channels, keepDir: keep, env: [["GREETING", "hello $USER's world"]], args: ["--name", "two words"] });
    const run = await jobs.training("success");
    const { code, stdout, stderr } = await runScript(join(run.dir, "run.sh"), fakeDockerPath());
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const req = only(runner.requests);
    expect(stdout.split("\0").slice(0, -1)).toEqual([
      "run", "--rm", "--hostname", "algo-1",
      "-e", "TRAINING_JOB_NAME=byoc-check-job", "-e", `TRAINING_JOB_ARN=${ARN}`, "-e", "GREETING=hello $USER's world",
      ...req.spec.mounts.flatMap((m) => ["-v", `${m.source}:${m.target}${m.readOnly ? ":ro" : ""}`]),
      IMAGE_TAG, "--name", "two words",
    ]);
  });

  it("writes no run.sh without --keep", async () => {
    const { jobs } = sandbox({ channels: twoChannels() });
    const run = await jobs.training("success");
    expect(existsSync(join(run.dir, "run.sh"))).toBe(false);
  });

  /** Runs the feeder lines of a kept Pipe-mode run.sh with a real shell and reads what reaches the FIFO. */
  async function fedByScript(files: Record<string, string>): Promise<{ fed: string; expected: string }> {
    const keep = join(tempDir(), "kept");
    const train = sampleDir(files);
    const { jobs } = sandbox({ channels: [{ name: "train", dir: train }], keepDir: keep, inputMode: "Pipe" });
    const run = await jobs.training("success");
    const lines = readFileSync(join(run.dir, "run.sh"), "utf8").split("\n");
    const feeders = lines.filter((l) => l.endsWith("# Pipe mode: epoch 0 of the channel"));
    expect(feeders).toHaveLength(1);
    const script = join(tempDir(), "feed.sh");
    writeFileSync(script, `#!/bin/sh\n${feeders[0]}\nwait\n`, { mode: 0o755 });
    const shell = runScript(script, process.env.PATH ?? "/usr/bin:/bin");
    const fed = await readAll(join(run.dir, "pipes", "train_0"));
    await shell;
    const expected = (await channelFiles(train)).map((f) => readFileSync(f, "utf8")).join("");
    return { fed, expected };
  }

  it("writes a feeder for each Pipe-mode channel that streams the channel into its FIFO", async () => {
    const { fed, expected } = await fedByScript({ "part-1.csv": "b\n", "part-0.csv": "a\n" });
    expect(expected).toBe("a\nb\n");
    expect(fed).toBe(expected);
  });

  it("feeds a channel whose file names hold spaces and quotes as byoc-check did", async () => {
    const { fed, expected } = await fedByScript({ "a.csv": "a\n", "my data.csv": "m\n", "it's.csv": "i\n" });
    expect(fed).toBe(expected);
  });
});
