import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/inference-runs-as-root.js";
import { type MemoryEntry, config, memoryFs } from "../helpers/memory-image.js";
import { onlyFinding, passDetail, runCheck } from "./outcomes.js";

const PASSWD: MemoryEntry = {
  file: ["root:x:0:0:root:/root:/bin/bash", "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin", "toor:x:0:0::/root:/bin/sh", "model:x:1000:1000::/home/model:/bin/sh", ""].join("\n"),
};
const user = (User: string, files: Record<string, MemoryEntry> = { "/etc/passwd": PASSWD }) => {
  const fs = memoryFs(files);
  return { fs, outcome: runCheck(check, { config: config({ User }), fs, contracts: ["inference"] }) };
};

describe("IMG-USER-ROOT", () => {
  it("is a warning", () => {
    expect(check.severity).toBe("warning");
  });

  it("fires on a numeric non-root USER", async () => {
    const f = onlyFinding(await user("1000").outcome);
    expect(f.message).toBe("the image runs as USER 1000 (uid 1000); SageMaker expects inference containers to run as root");
    expect(f.fix).toBe("Remove USER (or set USER root) in the serving image.");
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.User" });
    expect(f.evidence.actual).toBe("1000");
    expect(f.evidence.expected).toBe("root");
  });

  it("does not fire without USER", async () => {
    expect(passDetail(await user("").outcome)).toBe("no USER: root");
  });

  it.each([["root"], ["0"], ["0:0"], ["root:root"], ["0:1000"]])("passes USER %s", async (u) => {
    expect(passDetail(await user(u).outcome)).toBe(`USER ${u}`);
  });

  it("fires on uid:gid", async () => {
    const f = onlyFinding(await user("1000:1000").outcome);
    expect(f.message).toContain("USER 1000:1000 (uid 1000)");
  });

  it("resolves a numeric USER without reading /etc/passwd", async () => {
    const { fs, outcome } = user("1000");
    await outcome;
    expect(fs.calls).toEqual([]);
  });

  describe("named users, through /etc/passwd", () => {
    it("fires on a named user with uid 1000", async () => {
      const f = onlyFinding(await user("model").outcome);
      expect(f.message).toBe("the image runs as USER model (uid 1000); SageMaker expects inference containers to run as root");
    });

    it("fires on a named user with a group", async () => {
      expect(onlyFinding(await user("model:model").outcome).message).toContain("USER model:model (uid 1000)");
    });

    it("passes a named user with uid 0", async () => {
      expect(passDetail(await user("toor").outcome)).toBe("USER toor has uid 0");
    });

    it("fails a user missing from /etc/passwd: the container will not even start", async () => {
      const f = onlyFinding(await user("ghost").outcome);
      expect(f.message).toBe('USER ghost is not in the image\'s /etc/passwd: the container will not even start ("unable to find user ghost")');
      expect(f.fix).toBe("Create the user in the image (useradd ghost), or better for SageMaker hosting, remove USER so the server runs as root.");
      expect(f.evidence.location).toEqual({ kind: "config", field: "Config.User" });
      expect(f.evidence.actual).toBe("ghost");
    });

    it("matches whole names only, not prefixes", async () => {
      expect(onlyFinding(await user("mode").outcome).message).toContain("is not in the image's /etc/passwd");
      expect(onlyFinding(await user("modeller").outcome).message).toContain("is not in the image's /etc/passwd");
    });

    it("fails a named user when the image has no /etc/passwd", async () => {
      expect(onlyFinding(await user("model", {}).outcome).message).toContain("USER model is not in the image's /etc/passwd");
    });
  });

  it("passes a numeric USER that is uid 0 written with leading zeros (runc parses 00 as 0)", async () => {
    passDetail(await user("00").outcome);
  });
});
