import type { AnyCheck } from "../src/engine/check.js";
import architectureMatchesInstances from "./image/architecture-matches-instances.js";
import capabilityLabelsExact from "./image/capability-labels-exact.js";
import entrypointExecForm from "./image/entrypoint-exec-form.js";
import entrypointNotTini from "./image/entrypoint-not-tini.js";
import gpuAccelerator from "./gpu/accelerator-matches-instance.js";
import gpuCudaDriver from "./gpu/cuda-runs-on-host-driver.js";
import gpuEfa from "./gpu/efa-multi-node.js";
import gpuKernelImage from "./gpu/kernel-image-for-gpu.js";
import gpuRequireCuda from "./gpu/require-cuda-satisfiable.js";
import librariesResolve from "./image/libraries-resolve.js";
import noSecretsInLayers from "./image/no-secrets-in-layers.js";
import inferenceRunsAsRoot from "./image/inference-runs-as-root.js";
import noCredentialsInEnv from "./image/no-credentials-in-env.js";
import noVolumeUnderOptMl from "./image/no-volume-under-opt-ml.js";
import nothingBakedUnderMounts from "./image/nothing-baked-under-mounts.js";
import processingReachable from "./image/processing-reachable.js";
import serveReachable from "./image/serve-reachable.js";
import trainReachable from "./image/train-reachable.js";
import inferenceBadType4xx from "./inference/bad-type-4xx.js";
import inferenceBatch from "./inference/batch-execution-parameters.js";
import inferenceFuzzContentType from "./inference/fuzz-content-type.js";
import inferenceFuzzCrash from "./inference/fuzz-crash.js";
import inferenceFuzzHang from "./inference/fuzz-hang.js";
import inferenceFuzzOversize from "./inference/fuzz-oversize.js";
import inferenceFuzzPing from "./inference/fuzz-ping.js";
import inferenceFuzzServerError from "./inference/fuzz-server-error.js";
import inferenceBindToPort from "./inference/bind-to-port.js";
import inferenceMultiModel from "./inference/multi-model.js";
import inferenceBadTypeSurvives from "./inference/bad-type-survives.js";
import inferenceConcurrency from "./inference/concurrency.js";
import inferenceHeaders from "./inference/headers.js";
import inferenceInvoke from "./inference/invoke.js";
import inferenceModelReadOnly from "./inference/model-read-only.js";
import inferencePayloadLimit from "./inference/payload-limit.js";
import inferencePingLatency from "./inference/ping-latency.js";
import inferenceReady from "./inference/ready.js";
import inferenceReadyGate from "./inference/ready-gate.js";
import inferenceResponseSchema from "./inference/response-schema.js";
import inferenceResponseType from "./inference/response-type.js";
import inferenceSigterm from "./inference/sigterm.js";
import processingFailsOnEmptyInput from "./processing/fails-on-empty-input.js";
import processingMessageFile from "./processing/message-file.js";
import processingOutputsWritten from "./processing/outputs-written.js";
import processingStopsOnSigint from "./processing/stops-on-sigint.js";
import processingSucceeds from "./processing/success-exits-zero.js";
import trainingChannelsReadOnly from "./training/channels-read-only.js";
import trainingFailsOnEmptyChannel from "./training/fails-on-empty-channel.js";
import trainingFailureFile from "./training/failure-file.js";
import trainingHyperparametersAsStrings from "./training/hyperparameters-as-strings.js";
import trainingModelWritten from "./training/model-written.js";
import trainingNetworkIsolation from "./training/network-isolation.js";
import trainingRejectsInvalidHyperparameters from "./training/rejects-invalid-hyperparameters.js";
import trainingStopsOnSigterm from "./training/stops-on-sigterm.js";
import trainingSucceeds from "./training/success-exits-zero.js";
import trainingToleratesTuningKey from "./training/tolerates-tuning-key.js";
import trainingWritesKept from "./training/writes-kept.js";

/** Every check, in report order. Listed by hand so the order is deliberate; a duplicate id is a bug. */
export const CHECKS: readonly AnyCheck[] = registry([
  entrypointExecForm,
  trainReachable,
  serveReachable,
  processingReachable,
  entrypointNotTini,
  capabilityLabelsExact,
  architectureMatchesInstances,
  noVolumeUnderOptMl,
  nothingBakedUnderMounts,
  noCredentialsInEnv,
  inferenceRunsAsRoot,
  // Training jobs, run in the /opt/ml sandbox: success path first, so later checks reuse its run.
  trainingSucceeds,
  trainingModelWritten,
  trainingWritesKept,
  trainingHyperparametersAsStrings,
  trainingToleratesTuningKey,
  trainingNetworkIsolation,
  trainingChannelsReadOnly,
  trainingRejectsInvalidHyperparameters,
  trainingFailsOnEmptyChannel,
  trainingFailureFile,
  trainingStopsOnSigterm,
  // Processing jobs.
  processingSucceeds,
  processingOutputsWritten,
  processingFailsOnEmptyInput,
  processingMessageFile,
  processingStopsOnSigint,
  // Inference: one server, started once and shared; checks that may kill it (a bad request, SIGTERM) come last.
  inferenceReady,
  inferenceReadyGate,
  inferencePingLatency,
  inferenceInvoke,
  inferenceResponseType,
  inferenceResponseSchema,
  inferenceHeaders,
  inferencePayloadLimit,
  inferenceConcurrency,
  inferenceBadTypeSurvives,
  inferenceBadType4xx,
  inferenceSigterm,
  inferenceModelReadOnly,
  // Each its own server, started with the variables SageMaker sets in that mode.
  inferenceBindToPort,
  inferenceMultiModel,
  inferenceBatch,
  // Fuzzing /invocations: one search on a server of its own (started again after each crash), judged by kind.
  inferenceFuzzCrash,
  inferenceFuzzHang,
  inferenceFuzzPing,
  inferenceFuzzOversize,
  inferenceFuzzServerError,
  inferenceFuzzContentType,
  // Read from the single pass over the layers, which starts with the run and overlaps the jobs and servers above.
  noSecretsInLayers,
  librariesResolve,
  gpuAccelerator,
  gpuCudaDriver,
  gpuRequireCuda,
  gpuKernelImage,
  gpuEfa,
]);

function registry(checks: AnyCheck[]): readonly AnyCheck[] {
  const seen = new Set<string>();
  for (const c of checks) {
    if (seen.has(c.id)) throw new Error(`duplicate check id ${c.id}`);
    seen.add(c.id);
  }
  return Object.freeze(checks);
}
