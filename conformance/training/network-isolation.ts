import { defineJobCheck, fail, pass, skip } from "../../src/engine/check.js";
import { ending, runEvidence, startedRun, succeeded } from "../job-run.js";

export default defineJobCheck("training", {
  id: "TRN-NETWORK-ISOLATION",
  clauses: ["training#network.isolation"],
  severity: "error",
  title: "The training job runs without a network",
  rationale:
    "With EnableNetworkIsolation (and always for AWS Marketplace algorithms) the container has no network at all, not even to S3. A job that downloads a package, a tokenizer or weights at start-up fails there after working everywhere else.",
  fix: "Bake every dependency into the image; read data only from the channels.",
  needs: { jobs: true },
  async run({ jobs }) {
    if (!jobs.options.networkIsolation) return skip("network isolation not requested: give --network-isolation to rehearse EnableNetworkIsolation");
    const got = await startedRun(jobs, { training: "success" });
    if ("outcome" in got) return got.outcome;
    const isolated = got.run;
    if (succeeded(isolated)) return pass("completed with --network none");
    const networked = await jobs.training("networked");
    if (!succeeded(networked)) return skip(`the job fails with the network too (${ending(networked)}); see TRN-SUCCESS-EXIT`);
    return fail({
      message: `the job completes with a network but ${ending(isolated)} without one, as EnableNetworkIsolation runs it`,
      fix: "Install at build time what the job fetches at start-up, and read data only from /opt/ml/input/data.",
      where: { kind: "option", option: "--network-isolation", value: "true" },
      evidence: runEvidence(isolated, { notes: [`with the network: ${ending(networked)}`] }),
    });
  },
});
