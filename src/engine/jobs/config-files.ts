// The files SageMaker writes into a job's container before it starts, shaped as the contract reference records
// them (sagemaker-contract.md §1.3 for training, §4 for processing).
import type { ChannelOption, JobOptions, TrainingInputMode } from "./types.js";

export const HOST = "algo-1";
export const GROUP = "homogeneousCluster";
export const JOB_NAME = "byoc-check-job";
export const REGION = "us-east-1";
const ACCOUNT = "000000000000";
/** The toolkit's default and what local mode writes (§1.3); the real value is opaque and may be ethwe or eth1. */
const INTERFACE = "eth0";

export function trainingJobArn(): string {
  return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/${JOB_NAME}`;
}

export function processingJobArn(): string {
  return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:processing-job/${JOB_NAME}`;
}

/** hyperparameters.json: a map of strings, exactly as CreateTrainingJob.HyperParameters is (§1.3). */
export function hyperparametersJson(hps: Record<string, string>): string {
  return JSON.stringify(hps);
}

/**
 * The same map with each value that reads as a JSON number or boolean given as one: what a harness that does not
 * follow the contract writes. A job that succeeds on this and fails on strings treats hyperparameters as numbers.
 */
export function typedHyperparametersJson(hps: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(hps).map(([k, v]) => [k, typedValue(v)])));
}

/** The JSON number or boolean a hyperparameter's text reads as; the text itself when it reads as neither. */
export function typedValue(v: string): string | number | boolean {
  try {
    const parsed: unknown = JSON.parse(v);
    if (typeof parsed === "number" || typeof parsed === "boolean") return parsed;
  } catch {
    // not JSON: stays a string
  }
  return v;
}

/** inputdataconfig.json: one entry per channel with only the four documented fields (§1.3). */
export function inputDataConfigJson(channels: readonly ChannelOption[], mode: TrainingInputMode): string {
  const config: Record<string, Record<string, string>> = {};
  for (const ch of channels) {
    config[ch.name] = {
      ...(ch.contentType ? { ContentType: ch.contentType } : {}),
      // Current SageMaker writes FastFile as "File" for backward compatibility (§1.3, CONFLICT noted there).
      TrainingInputMode: mode === "FastFile" ? "File" : mode,
      S3DistributionType: "FullyReplicated",
      RecordWrapperType: "None",
    };
  }
  return JSON.stringify(config);
}

/** resourceconfig.json with the fields real jobs carry (§1.3, observed), for one host. */
export function trainingResourceConfigJson(instanceType: string): string {
  return JSON.stringify({
    current_host: HOST,
    current_instance_type: instanceType,
    current_group_name: GROUP,
    hosts: [HOST],
    instance_groups: [{ instance_group_name: GROUP, instance_type: instanceType, hosts: [HOST] }],
    network_interface_name: INTERFACE,
  });
}

export function processingResourceConfigJson(instanceType: string): string {
  return JSON.stringify({ current_host: HOST, hosts: [HOST], current_instance_type: instanceType, network_interface_name: INTERFACE });
}

export const PROCESSING_INPUT_ROOT = "/opt/ml/processing/input";
export const PROCESSING_OUTPUT_ROOT = "/opt/ml/processing/output";

/** processingjobconfig.json: the CreateProcessingJob request as the container sees it (§4). */
export function processingJobConfigJson(image: string, job: JobOptions): string {
  return JSON.stringify({
    ProcessingJobArn: processingJobArn(),
    ProcessingJobName: JOB_NAME,
    AppSpecification: { ImageUri: image, ContainerEntrypoint: job.entrypoint ?? null, ContainerArguments: job.args ?? null },
    Environment: Object.fromEntries(job.env),
    ProcessingInputs: job.inputs.map((i) => ({
      InputName: i.name,
      S3Input: {
        LocalPath: `${PROCESSING_INPUT_ROOT}/${i.name}`,
        S3Uri: `s3://byoc-check/${JOB_NAME}/input/${i.name}`,
        S3DataDistributionType: "FullyReplicated",
        S3DataType: "S3Prefix",
        S3InputMode: "File",
        S3CompressionType: "None",
        S3DownloadMode: "StartOfJob",
      },
    })),
    ProcessingOutputConfig: {
      Outputs: job.outputs.map((name) => ({
        OutputName: name,
        S3Output: { LocalPath: `${PROCESSING_OUTPUT_ROOT}/${name}`, S3Uri: `s3://byoc-check/${JOB_NAME}/output/${name}`, S3UploadMode: "EndOfJob" },
      })),
      KmsKeyId: null,
    },
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: job.instanceType, VolumeSizeInGB: 30, VolumeKmsKeyId: null } },
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/byoc-check`,
    StoppingCondition: { MaxRuntimeInSeconds: Math.max(1, Math.ceil(job.processingTimeoutMs / 1000)) },
  });
}
