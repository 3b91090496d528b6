import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/nothing-baked-under-mounts.js";
import type { Contract } from "../../../src/spec/types.js";
import { type MemoryEntry, memoryFs } from "../helpers/memory-image.js";
import { ELF, findingsOf, onlyFinding, passDetail, runCheck } from "./outcomes.js";

const file = (content = "x"): MemoryEntry => ({ file: content });
const tree = (...paths: string[]): Record<string, MemoryEntry> => Object.fromEntries(paths.map((p) => [p, file()]));
const run = (files: Record<string, MemoryEntry>, contracts?: Contract[]) => runCheck(check, { fs: memoryFs(files), ...(contracts ? { contracts } : {}) });

describe("IMG-OPTML-SHADOWED", () => {
  it("fires on a model baked into /opt/ml/model for inference", async () => {
    const f = onlyFinding(await run(tree("/opt/ml/model/model.pth"), ["inference"]));
    expect(f.message).toBe("1 file(s) under /opt/ml/model, which inference mounts over: /opt/ml/model/model.pth");
    expect(f.fix).toBe("Move these files out of /opt/ml/model (e.g. to /opt/program) and read them from there, or ship the model as model.tar.gz (ModelDataUrl).");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/model/model.pth" });
    expect(f.evidence.actual).toEqual(["/opt/ml/model/model.pth"]);
    expect(f.evidence.notes).toEqual([]);
  });

  it("does not fire on code under /opt/ml/code or /opt/program", async () => {
    const detail = passDetail(await run({ ...tree("/opt/ml/code/train.py", "/opt/program/serve"), "/opt/program/entry": ELF }));
    expect(detail).toBe("empty: /opt/ml/input, /opt/ml/model, /opt/ml/output, /opt/ml/checkpoints, /opt/ml/processing, /opt/ml/config");
  });

  it("does not count an empty mounted directory, nor siblings whose names start the same", async () => {
    passDetail(await run({ "/opt/ml/model": { dir: true }, ...tree("/opt/ml/models/x.bin", "/opt/ml/model-cache/y.bin") }, ["inference"]));
  });

  it("fires on training's mounts: input config, output and checkpoints", async () => {
    const findings = findingsOf(await run(tree("/opt/ml/input/config/hyperparameters.json", "/opt/ml/output/failure", "/opt/ml/checkpoints/step-1.pt"), ["training"]));
    expect(findings.map((f) => f.evidence.location)).toEqual([
      { kind: "file", path: "/opt/ml/input/config/hyperparameters.json" },
      { kind: "file", path: "/opt/ml/output/failure" },
      { kind: "file", path: "/opt/ml/checkpoints/step-1.pt" },
    ]);
    expect(findings[0].message).toBe("1 file(s) under /opt/ml/input, which training mounts over: /opt/ml/input/config/hyperparameters.json");
    expect(findings[0].fix).not.toContain("model.tar.gz");
  });

  describe("contract awareness", () => {
    it("processing looks only at /opt/ml/processing, /opt/ml/config and /opt/ml/output", async () => {
      passDetail(await run(tree("/opt/ml/model/model.pth", "/opt/ml/input/config/hyperparameters.json", "/opt/ml/checkpoints/c.pt"), ["processing"]));
      const findings = findingsOf(await run(tree("/opt/ml/processing/input/data.csv", "/opt/ml/config/processingjobconfig.json", "/opt/ml/output/message"), ["processing"]));
      expect(findings.map((f) => f.message)).toEqual([
        "1 file(s) under /opt/ml/processing, which processing mounts over: /opt/ml/processing/input/data.csv",
        "1 file(s) under /opt/ml/config, which processing mounts over: /opt/ml/config/processingjobconfig.json",
        "1 file(s) under /opt/ml/output, which processing mounts over: /opt/ml/output/message",
      ]);
    });

    it("inference looks only at /opt/ml/model", async () => {
      const fs = memoryFs(tree("/opt/ml/input/config/hyperparameters.json", "/opt/ml/processing/x"));
      passDetail(await runCheck(check, { fs, contracts: ["inference"] }));
      expect(fs.calls.filter((c) => c.startsWith("listFiles"))).toEqual(["listFiles /opt/ml/model"]);
    });

    it("names every selected contract that mounts the directory", async () => {
      const findings = findingsOf(await run(tree("/opt/ml/model/model.pth", "/opt/ml/output/data/x")));
      expect(findings.map((f) => f.message)).toEqual([
        "1 file(s) under /opt/ml/model, which training and inference mount over: /opt/ml/model/model.pth",
        "1 file(s) under /opt/ml/output, which training and processing mount over: /opt/ml/output/data/x",
      ]);
    });
  });

  it("shows three examples and elides the rest", async () => {
    const f = onlyFinding(await run(tree("/opt/ml/model/a", "/opt/ml/model/b", "/opt/ml/model/c", "/opt/ml/model/d"), ["inference"]));
    expect(f.message).toBe("4 file(s) under /opt/ml/model, which inference mounts over: /opt/ml/model/a, /opt/ml/model/b, /opt/ml/model/c, ...");
    expect(f.evidence.actual).toEqual(["/opt/ml/model/a", "/opt/ml/model/b", "/opt/ml/model/c", "/opt/ml/model/d"]);
  });

  it('says "at least" when the listing was truncated', async () => {
    const paths = Array.from({ length: 25 }, (_, i) => `/opt/ml/model/shard-${String(i).padStart(2, "0")}.bin`);
    const f = onlyFinding(await run(tree(...paths), ["inference"]));
    expect(f.message).toMatch(/^at least 10 file\(s\) under \/opt\/ml\/model, which inference mounts over: \/opt\/ml\/model\/shard-00\.bin, /);
    expect(f.evidence.actual).toHaveLength(10);
    expect(f.evidence.notes).toEqual(["listing stopped after 10 files"]);
  });

  it("counts a symlink baked under a mounted directory", async () => {
    const f = onlyFinding(await run({ "/opt/ml/model/latest": { symlink: "/opt/program/model.pth" }, "/opt/program/model.pth": file() }, ["inference"]));
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/model/latest" });
  });
});
