import { describe, expect, it } from "vitest";
import { DOCKER_DEFAULT_PATH, configFromInspect, envValue, searchPath } from "../../../src/image/config.js";

describe("configFromInspect", () => {
  it.each([null, undefined, {}])("normalises an empty config (%j)", (inspect) => {
    expect(configFromInspect(inspect)).toEqual({
      entrypoint: null,
      cmd: null,
      env: [],
      user: "",
      workingDir: "/",
      labels: {},
      volumes: [],
      exposedPorts: [],
    });
  });

  it("keeps null fields as none", () => {
    expect(configFromInspect({ Entrypoint: null, Cmd: null, Env: null, Labels: null, Volumes: null, ExposedPorts: null })).toMatchObject({
      entrypoint: null,
      cmd: null,
      env: [],
      labels: {},
      volumes: [],
      exposedPorts: [],
    });
  });

  it("reads `ENTRYPOINT []` and an empty CMD as none", () => {
    expect(configFromInspect({ Entrypoint: [], Cmd: [] })).toMatchObject({ entrypoint: null, cmd: null });
  });

  it("turns a string Entrypoint or Cmd into a one-element array", () => {
    expect(configFromInspect({ Entrypoint: "/bin/serve", Cmd: "python app.py" })).toMatchObject({ entrypoint: ["/bin/serve"], cmd: ["python app.py"] });
  });

  it("keeps arrays as they are", () => {
    expect(configFromInspect({ Entrypoint: ["/bin/sh", "-c", "serve"], Cmd: ["train"] })).toMatchObject({ entrypoint: ["/bin/sh", "-c", "serve"], cmd: ["train"] });
  });

  it("splits Env at the first '=', and reads an entry without one as empty", () => {
    expect(configFromInspect({ Env: ["A=1", "B=x=y", "C=", "LONELY", "=odd"] }).env).toEqual([
      ["A", "1"],
      ["B", "x=y"],
      ["C", ""],
      ["LONELY", ""],
      ["", "odd"],
    ]);
  });

  it("defaults WorkingDir to / (an empty WorkingDir too)", () => {
    expect(configFromInspect({ WorkingDir: "" }).workingDir).toBe("/");
    expect(configFromInspect({ WorkingDir: "/opt/program" }).workingDir).toBe("/opt/program");
  });

  it("keeps User, Labels, and the keys of Volumes and ExposedPorts", () => {
    expect(
      configFromInspect({
        User: "1000:1000",
        Labels: { "com.amazonaws.sagemaker.capabilities.accept-bind-to-port": "true" },
        Volumes: { "/data": {}, "/opt/ml/model": {} },
        ExposedPorts: { "8080/tcp": {} },
      }),
    ).toMatchObject({
      user: "1000:1000",
      labels: { "com.amazonaws.sagemaker.capabilities.accept-bind-to-port": "true" },
      volumes: ["/data", "/opt/ml/model"],
      exposedPorts: ["8080/tcp"],
    });
  });
});

describe("envValue and searchPath", () => {
  const cfg = configFromInspect({ Env: ["PATH=/a:/b", "X=1", "X=2", "EMPTY=", "PATH=/c"] });

  it("returns the last value a name has", () => {
    expect(envValue(cfg, "X")).toBe("2");
    expect(envValue(cfg, "PATH")).toBe("/c");
  });

  it("distinguishes an empty value from an absent one", () => {
    expect(envValue(cfg, "EMPTY")).toBe("");
    expect(envValue(cfg, "MISSING")).toBeUndefined();
  });

  it("is case-sensitive", () => {
    expect(envValue(cfg, "x")).toBeUndefined();
  });

  it("searchPath is the image's PATH, or Docker's default", () => {
    expect(searchPath(cfg)).toBe("/c");
    expect(searchPath(configFromInspect({ Env: ["LANG=C.UTF-8"] }))).toBe(DOCKER_DEFAULT_PATH);
    expect(DOCKER_DEFAULT_PATH).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  });
});
