import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { list } from "tar";
import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/training/model-written.js";
import { makeFifo } from "../../../src/engine/jobs/pipe.js";
import { channels, hostPath, removeTempDirs, runJobCheck, sandbox, tempDir, unstarted, write } from "../helpers/fake-jobs.js";
import { findingsOf, onlyFinding, passDetail, skipReason } from "./outcomes.js";

afterEach(removeTempDirs);

const saves = (files: Record<string, string>) => ({
  "training/success": (req: Parameters<typeof write>[0]) => {
    for (const [rel, content] of Object.entries(files)) write(req, "/opt/ml/model", rel, content);
  },
});

describe("TRN-MODEL-WRITTEN", () => {
  it("does not fire on a model saved to /opt/ml/model, and packs it as model.tar.gz", async () => {
    const { jobs } = sandbox({ channels: channels("train") }, saves({ "model.json": '{"w":[1,2,3]}', "weights/w.bin": "0123456789" }));
    const detail = passDetail(await runJobCheck(check, jobs));
    expect(detail).toMatch(/^2 files \(23 B\) in \/opt\/ml\/model; model\.tar\.gz \d+ B$/);
    const run = await jobs.training("success");
    const names: string[] = [];
    await list({ file: join(run.dir, "model.tar.gz"), onReadEntry: (e) => void names.push(e.path) });
    expect(names).toEqual(["model.json", "weights/", "weights/w.bin"]);
  });

  it("says file, not files, for one", async () => {
    const { jobs } = sandbox({ channels: channels("train") }, saves({ "model.pkl": "x" }));
    expect(passDetail(await runJobCheck(check, jobs))).toMatch(/^1 file \(1 B\) in \/opt\/ml\/model; /);
  });

  it("copies model.tar.gz into --save-artifacts", async () => {
    const out = tempDir();
    const { jobs } = sandbox({ channels: channels("train"), saveArtifactsDir: out }, saves({ "model.pkl": "x" }));
    expect(passDetail(await runJobCheck(check, jobs))).toMatch(new RegExp(`, saved to ${join(out, "model.tar.gz")}$`));
    expect(readdirSync(out)).toEqual(["model.tar.gz"]);
  });

  it("fires when the job exits 0 with an empty model directory, naming what it wrote instead", async () => {
    const changes = ["/tmp/scratch", "/root/.cache/pip/x", "/usr/lib/python3/site/__pycache__", "/opt/ml/artifacts", "/opt/ml/artifacts/model.pkl", "/var/log/x"];
    const { jobs } = sandbox({ channels: channels("train") }, { "training/success": (req) => (mkdirSync(join(hostPath(req, "/opt/ml/model"), "empty-dir")), { changes }) });
    const f = onlyFinding(await runJobCheck(check, jobs));
    // Scratch paths left out, and the file rather than the directory holding it.
    expect(f.message).toBe("the job exited 0 but left no regular file in /opt/ml/model; it wrote /opt/ml/artifacts/model.pkl");
    expect(f.fix).toBe("Write the model under /opt/ml/model instead (/opt/ml/artifacts/model.pkl is lost when the job ends).");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/model" });
    expect(f.evidence.actual).toEqual(["empty-dir/"]);
    expect(f.evidence.expected).toBe("at least one regular file");
    expect(existsSync(join((await jobs.training("success")).dir, "model.tar.gz"))).toBe(false);
  });

  it("fires on an empty model directory with nothing written elsewhere", async () => {
    const { jobs } = sandbox({ channels: channels("train") });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("the job exited 0 but left no regular file in /opt/ml/model");
    expect(f.fix).toBe("Write the trained model under /opt/ml/model before exiting 0.");
  });

  it("fires once per link that points outside the model directory and per special file", async () => {
    const { jobs } = sandbox(
      { channels: channels("train") },
      {
        "training/success": (req) => {
          const model = hostPath(req, "/opt/ml/model");
          write(req, "/opt/ml/model", "model.json", "{}");
          symlinkSync("/opt/ml/checkpoints/best.pt", join(model, "best.pt"));
          symlinkSync("model.json", join(model, "latest.json"));
          makeFifo(join(model, "events"));
        },
      },
    );
    const [link, fifo, ...rest] = findingsOf(await runJobCheck(check, jobs));
    expect(rest).toEqual([]);
    expect(link.message).toBe("/opt/ml/model/best.pt is a link to /opt/ml/checkpoints/best.pt, outside the model directory: it dangles once the model is unpacked elsewhere");
    expect(link.fix).toBe("Copy the file into /opt/ml/model instead of linking to it, or make the link relative and inside the model directory.");
    expect(link.evidence.location).toEqual({ kind: "file", path: "/opt/ml/model/best.pt" });
    expect(fifo!.message).toBe("/opt/ml/model/events is a named pipe, which model.tar.gz cannot carry");
    expect(fifo!.fix).toBe("Write only regular files, directories and links inside /opt/ml/model.");
  });

  it("skips without sample data", async () => {
    expect(skipReason(await runJobCheck(check, sandbox().jobs))).toContain("no sample data");
  });

  it("skips when the container did not start, or the job failed", async () => {
    const notStarted = sandbox({ channels: channels("train") }, { "*": () => unstarted("boom") });
    expect(skipReason(await runJobCheck(check, notStarted.jobs))).toBe("the container did not start (boom); see TRN-SUCCESS-EXIT");
    const failed = sandbox({ channels: channels("train") }, { "*": () => ({ exitCode: 1 }) });
    expect(skipReason(await runJobCheck(check, failed.jobs))).toBe("the training job did not complete (see TRN-SUCCESS-EXIT), so it saved no model to judge");
  });
});
