import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/network-isolation.js";
import type { RunRequest } from "../../../src/engine/jobs/runner.js";
import { channels, logOf, removeTempDirs, runJobCheck, sandbox, unstarted, NOT_KEPT } from "../helpers/fake-jobs.js";
import { onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

/** A job that downloads its tokenizer at start-up. */
const downloads = (req: RunRequest) => (req.spec.network === "none" ? { exitCode: 1, log: logOf("urllib.error.URLError: <urlopen error [Errno -3] Temporary failure in name resolution>\n") } : {});

describe("TRN-NETWORK-ISOLATION", () => {
  it("does not fire when the job completes with --network none", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train"), networkIsolation: true });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("completed with --network none");
    expect(runner.requests.map((r) => r.spec.network)).toEqual(["none"]);
  });

  it("fires when the job completes with a network and fails without one", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train"), networkIsolation: true }, { "*": downloads });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(runner.scenarios).toEqual(["training/success", "training/networked"]);
    expect(f.message).toBe("the job completes with a network but exited 1 after 1.5 s without one, as EnableNetworkIsolation runs it");
    expect(f.evidence.location).toEqual({ kind: "option", option: "--network-isolation", value: "true" });
    expect(f.evidence.notes).toEqual(["run: training job with your sample data and hyperparameters", "with the network: exited 0 after 1.5 s", NOT_KEPT]);
    expect(f.evidence.log).toContain("Temporary failure in name resolution");
    expect(f.evidence.reproduce![0]).toContain("--network none");
  });

  it("skips when the job fails with the network too", async () => {
    const { jobs } = sandbox({ channels: channels("train"), networkIsolation: true }, { "*": () => ({ exitCode: 1 }) });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the job fails with the network too (exited 1 after 1.5 s); see TRN-SUCCESS-EXIT");
  });

  it("skips without --network-isolation, running nothing", async () => {
    const { jobs, runner } = sandbox({ channels: channels("train") }, { "*": downloads });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("network isolation not requested: give --network-isolation to rehearse EnableNetworkIsolation");
    expect(runner.requests).toEqual([]);
  });

  it("skips without sample data, or when the container did not start", async () => {
    expect(skipReason(await runJobCheck(check, sandbox({ networkIsolation: true }).jobs))).toContain("no sample data");
    const { jobs } = sandbox({ channels: channels("train"), networkIsolation: true }, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, jobs))).toBe("the container did not start (boom); see TRN-SUCCESS-EXIT");
  });
});
