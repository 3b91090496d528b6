import { describe, expect, it } from "vitest";
import {
  HOST,
  JOB_NAME,
  hyperparametersJson,
  inputDataConfigJson,
  processingJobArn,
  processingJobConfigJson,
  processingResourceConfigJson,
  trainingJobArn,
  trainingResourceConfigJson,
  typedHyperparametersJson,
} from "../../../../src/engine/jobs/config-files.js";
import { jobOptions } from "../../helpers/fake-jobs.js";

describe("hyperparameters.json", () => {
  it("holds every value as a JSON string, numbers and booleans included", () => {
    const text = hyperparametersJson({ epochs: "3", lr: "0.1", verbose: "true", name: "abc" });
    expect(text).toBe('{"epochs":"3","lr":"0.1","verbose":"true","name":"abc"}');
    expect(Object.values(JSON.parse(text) as Record<string, unknown>).every((v) => typeof v === "string")).toBe(true);
  });

  it("is an empty object without hyperparameters", () => {
    expect(hyperparametersJson({})).toBe("{}");
  });
});

describe("typedHyperparametersJson: the harness that does not follow the contract", () => {
  it("turns values that read as JSON numbers and booleans into them", () => {
    expect(JSON.parse(typedHyperparametersJson({ epochs: "3", lr: "0.1", neg: "-2", exp: "1e3", on: "true", off: "false" }))).toEqual({
      epochs: 3,
      lr: 0.1,
      neg: -2,
      exp: 1000,
      on: true,
      off: false,
    });
  });

  it.each([["abc"], ["1e"], ['"x"'], ["null"], ["[1]"], ['{"a":1}'], [""], ["True"], ["0x10"], ["NaN"]])("leaves %j a string", (v) => {
    expect(JSON.parse(typedHyperparametersJson({ k: v }))).toEqual({ k: v });
  });

  it("keeps the keys and their order", () => {
    expect(Object.keys(JSON.parse(typedHyperparametersJson({ b: "1", a: "x", c: "2" })) as object)).toEqual(["b", "a", "c"]);
  });
});

describe("inputdataconfig.json", () => {
  it("has exactly the four documented fields per channel, ContentType only when given", () => {
    const text = inputDataConfigJson(
      [
        { name: "train", dir: "/d/train", contentType: "text/csv" },
        { name: "validation", dir: "/d/validation" },
      ],
      "File",
    );
    expect(JSON.parse(text)).toEqual({
      train: { ContentType: "text/csv", TrainingInputMode: "File", S3DistributionType: "FullyReplicated", RecordWrapperType: "None" },
      validation: { TrainingInputMode: "File", S3DistributionType: "FullyReplicated", RecordWrapperType: "None" },
    });
    expect(Object.keys((JSON.parse(text) as Record<string, object>).validation!)).not.toContain("ContentType");
  });

  it.each([
    ["File", "File"],
    ["FastFile", "File"],
    ["Pipe", "Pipe"],
  ] as const)("writes input mode %s as %s", (mode, written) => {
    expect((JSON.parse(inputDataConfigJson([{ name: "train", dir: "/d" }], mode)) as Record<string, { TrainingInputMode: string }>).train!.TrainingInputMode).toBe(written);
  });

  it("is an empty object without channels", () => {
    expect(inputDataConfigJson([], "File")).toBe("{}");
  });

  it("never carries the host directory", () => {
    expect(inputDataConfigJson([{ name: "train", dir: "/home/me/secret-data" }], "File")).not.toContain("/home/me");
  });
});

describe("resourceconfig.json", () => {
  it("describes one training host in one homogeneous group", () => {
    expect(JSON.parse(trainingResourceConfigJson("ml.p3.2xlarge"))).toEqual({
      current_host: "algo-1",
      current_instance_type: "ml.p3.2xlarge",
      current_group_name: "homogeneousCluster",
      hosts: ["algo-1"],
      instance_groups: [{ instance_group_name: "homogeneousCluster", instance_type: "ml.p3.2xlarge", hosts: ["algo-1"] }],
      network_interface_name: "eth0",
    });
  });

  it("describes one processing host", () => {
    expect(JSON.parse(processingResourceConfigJson("ml.m5.large"))).toEqual({
      current_host: HOST,
      hosts: [HOST],
      current_instance_type: "ml.m5.large",
      network_interface_name: "eth0",
    });
  });
});

describe("job ARNs", () => {
  it("name the job in a syntactically real ARN", () => {
    expect(trainingJobArn()).toBe(`arn:aws:sagemaker:us-east-1:000000000000:training-job/${JOB_NAME}`);
    expect(processingJobArn()).toBe(`arn:aws:sagemaker:us-east-1:000000000000:processing-job/${JOB_NAME}`);
  });
});

describe("processingjobconfig.json", () => {
  type Config = {
    ProcessingJobArn: string;
    ProcessingJobName: string;
    AppSpecification: { ImageUri: string; ContainerEntrypoint: string[] | null; ContainerArguments: string[] | null };
    Environment: Record<string, string>;
    ProcessingInputs: Array<{ InputName: string; S3Input: { LocalPath: string; S3InputMode: string; S3Uri: string } }>;
    ProcessingOutputConfig: { Outputs: Array<{ OutputName: string; S3Output: { LocalPath: string; S3UploadMode: string } }>; KmsKeyId: null };
    ProcessingResources: { ClusterConfig: { InstanceCount: number; InstanceType: string } };
    StoppingCondition: { MaxRuntimeInSeconds: number };
  };
  const parse = (image: string, o: Parameters<typeof jobOptions>[0]) => JSON.parse(processingJobConfigJson(image, jobOptions(o))) as Config;

  it("puts inputs under /opt/ml/processing/input and outputs under /opt/ml/processing/output", () => {
    const c = parse("algo:1", { inputs: [{ name: "raw", dir: "/host/raw" }, { name: "ref", dir: "/host/ref" }], outputs: ["train", "report"] });
    expect(c.ProcessingInputs.map((i) => [i.InputName, i.S3Input.LocalPath, i.S3Input.S3InputMode])).toEqual([
      ["raw", "/opt/ml/processing/input/raw", "File"],
      ["ref", "/opt/ml/processing/input/ref", "File"],
    ]);
    expect(c.ProcessingOutputConfig.Outputs.map((o) => [o.OutputName, o.S3Output.LocalPath, o.S3Output.S3UploadMode])).toEqual([
      ["train", "/opt/ml/processing/output/train", "EndOfJob"],
      ["report", "/opt/ml/processing/output/report", "EndOfJob"],
    ]);
    expect(c.ProcessingOutputConfig.KmsKeyId).toBeNull();
    expect(JSON.stringify(c)).not.toContain("/host/");
  });

  it("writes ContainerEntrypoint and ContainerArguments as null when unset", () => {
    const c = parse("algo:1", {});
    expect(c.AppSpecification).toEqual({ ImageUri: "algo:1", ContainerEntrypoint: null, ContainerArguments: null });
    expect(c.ProcessingInputs).toEqual([]);
    expect(c.ProcessingOutputConfig.Outputs).toEqual([]);
  });

  it("carries the entrypoint, arguments, environment, instance type and runtime given", () => {
    const c = parse("algo:1", {
      entrypoint: ["python3", "/opt/program/process.py"],
      args: ["--mode", "fast"],
      env: [["A", "1"], ["B", "two"]],
      instanceType: "ml.c5.xlarge",
      processingTimeoutMs: 90_500,
    });
    expect(c.AppSpecification).toEqual({ ImageUri: "algo:1", ContainerEntrypoint: ["python3", "/opt/program/process.py"], ContainerArguments: ["--mode", "fast"] });
    expect(c.Environment).toEqual({ A: "1", B: "two" });
    expect(c.ProcessingResources.ClusterConfig).toMatchObject({ InstanceCount: 1, InstanceType: "ml.c5.xlarge" });
    expect(c.StoppingCondition.MaxRuntimeInSeconds).toBe(91);
    expect(c.ProcessingJobName).toBe(JOB_NAME);
    expect(c.ProcessingJobArn).toBe(processingJobArn());
  });

  it("never writes a runtime below the API's minimum of 1 s", () => {
    expect(parse("algo:1", { processingTimeoutMs: 10 }).StoppingCondition.MaxRuntimeInSeconds).toBe(1);
  });
});
