import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/entrypoint-not-tini.js";
import { config } from "../helpers/memory-image.js";
import { onlyFinding, passDetail, runCheck } from "./outcomes.js";

const entrypoint = (Entrypoint: string[] | null) => runCheck(check, { config: config({ Entrypoint }) });

describe("IMG-NO-TINI", () => {
  it("fires on /usr/bin/tini and suggests the program after --", async () => {
    const argv = ["/usr/bin/tini", "--", "python3", "/opt/program/entry.py"];
    const f = onlyFinding(await entrypoint(argv));
    expect(f.message).toBe("ENTRYPOINT starts /usr/bin/tini, which SageMaker documents as incompatible with the train and serve arguments");
    expect(f.fix).toBe('Write ENTRYPOINT ["python3","/opt/program/entry.py"] and drop tini.');
    expect(f.evidence.location).toEqual({ kind: "config", field: "Config.Entrypoint" });
    expect(f.evidence.actual).toEqual(argv);
  });

  it("does not fire on a program started directly", async () => {
    passDetail(await entrypoint(["python3", "/opt/program/entry.py"]));
  });

  it.each([["tini"], ["/sbin/tini"], ["/usr/local/bin/tini-static"], ["/tini-static-amd64"], ["/usr/bin/tini-arm64"]])("recognises %s", async (tini) => {
    const f = onlyFinding(await entrypoint([tini, "--", "/opt/program/serve"]));
    expect(f.message).toContain(`ENTRYPOINT starts ${tini},`);
    expect(f.fix).toBe('Write ENTRYPOINT ["/opt/program/serve"] and drop tini.');
  });

  it("skips tini's own flags in the suggested ENTRYPOINT", async () => {
    const f = onlyFinding(await entrypoint(["/usr/bin/tini", "-g", "-s", "--", "/opt/program/entry"]));
    expect(f.fix).toBe('Write ENTRYPOINT ["/opt/program/entry"] and drop tini.');
  });

  it("keeps the program's own flags in the suggested ENTRYPOINT", async () => {
    const f = onlyFinding(await entrypoint(["/usr/bin/tini", "--", "python3", "-u", "/opt/program/entry.py"]));
    expect(f.fix).toBe('Write ENTRYPOINT ["python3","-u","/opt/program/entry.py"] and drop tini.');
  });

  it("asks for a program when tini is given none", async () => {
    const f = onlyFinding(await entrypoint(["/usr/bin/tini"]));
    expect(f.fix).toBe("Drop tini and name your program in ENTRYPOINT (exec form).");
  });

  it.each([["/usr/bin/tinify"], ["/usr/bin/dumb-init"], ["/opt/tini/entry"], ["/usr/bin/mytini"]])("does not flag %s", async (program) => {
    passDetail(await entrypoint([program, "--", "/opt/program/entry"]));
  });

  it("does not flag tini named later in argv, or an image without ENTRYPOINT", async () => {
    passDetail(await entrypoint(["/bin/sh", "-c", "exec tini -- prog"]));
    passDetail(await entrypoint(null));
  });
});
