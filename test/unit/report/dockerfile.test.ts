import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../../src/errors.js";
import type { Location } from "../../../src/engine/check.js";
import { baseFrom, instructionFor, keysOf, lineFor, parseDockerfile, readDockerfile } from "../../../src/report/dockerfile.js";

const config = (field: string): Location => ({ kind: "config", field });
const at = (text: string, field: string) => lineFor(parseDockerfile(text), config(field));

describe("parseDockerfile", () => {
  it("gives each instruction its first and last line, continuations and comments inside them included", () => {
    const df = parseDockerfile(
      [
        "# a comment", // 1
        "FROM python:3.12-slim", // 2
        "", // 3
        "RUN apt-get update \\", // 4
        "# a comment inside the continuation", // 5
        "", // 6
        "    && apt-get install -y curl \\  ", // 7 (trailing blanks after the escape)
        "    && rm -rf /var/lib/apt/lists/*", // 8
        "ENTRYPOINT [\"python3\", \"/opt/program/entry.py\"]", // 9
      ].join("\n"),
    );
    expect(df.instructions.map((i) => [i.keyword, i.line, i.endLine])).toEqual([
      ["FROM", 2, 2],
      ["RUN", 4, 8],
      ["ENTRYPOINT", 9, 9],
    ]);
    expect(df.instructions[1]!.args).toBe("apt-get update     && apt-get install -y curl     && rm -rf /var/lib/apt/lists/*");
  });

  it("reads lowercase and mixed-case keywords, CRLF line ends and a byte-order mark", () => {
    const df = parseDockerfile("\uFEFFfrom alpine AS Build\r\nuser 1000\r\nEntryPoint [\"/bin/app\"]\r\n");
    expect(df.instructions.map((i) => [i.keyword, i.line])).toEqual([
      ["FROM", 1],
      ["USER", 2],
      ["ENTRYPOINT", 3],
    ]);
    expect(df.stages).toEqual([expect.objectContaining({ base: "alpine", name: "build" })]);
  });

  it("follows the escape directive: a backtick continues lines and a backslash no longer does", () => {
    const df = parseDockerfile(
      [
        "# escape=`", // 1
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022", // 2
        "COPY testfile.txt c:\\", // 3: a Windows path, not a continuation
        "RUN dir c:\\ `", // 4
        "    && echo done", // 5
        "WORKDIR c:\\app", // 6
      ].join("\n"),
    );
    expect(df.escape).toBe("`");
    expect(df.instructions.map((i) => [i.keyword, i.line, i.endLine])).toEqual([
      ["FROM", 2, 2],
      ["COPY", 3, 3],
      ["RUN", 4, 5],
      ["WORKDIR", 6, 6],
    ]);
  });

  it("takes an escape directive only at the very top, before any other comment or blank line", () => {
    expect(parseDockerfile("# syntax=docker/dockerfile:1\n#escape = `\nFROM x\n").escape).toBe("`");
    expect(parseDockerfile("# a note\n# escape=`\nFROM x\n").escape).toBe("\\");
    expect(parseDockerfile("\n# escape=`\nFROM x\n").escape).toBe("\\");
    expect(parseDockerfile("FROM x\n# escape=`\n").escape).toBe("\\");
  });

  it("reads heredoc bodies as part of their instruction, not as instructions", () => {
    const df = parseDockerfile(
      [
        "FROM alpine", // 1
        "RUN <<EOF", // 2
        "USER nobody", // 3: shell text, not an instruction
        "ENTRYPOINT [\"sh\"]", // 4
        "EOF", // 5
        "COPY <<-\"CONF\" <<'OTHER' /etc/", // 6
        "\tCMD not this", // 7
        "\tCONF", // 8: <<- strips leading tabs from the terminator
        "# not a comment here", // 9
        "OTHER", // 10
        "RUN echo $((1<<2)) && cat <<<word", // 11: neither is a heredoc
        "USER app", // 12
      ].join("\n"),
    );
    expect(df.instructions.map((i) => [i.keyword, i.line, i.endLine])).toEqual([
      ["FROM", 1, 1],
      ["RUN", 2, 5],
      ["COPY", 6, 10],
      ["RUN", 11, 11],
      ["USER", 12, 12],
    ]);
  });

  it("numbers stages and names them case-insensitively", () => {
    const df = parseDockerfile("ARG BASE=python\nFROM --platform=$BUILDPLATFORM ${BASE} AS Builder\nRUN make\nFROM builder\n");
    expect(df.instructions.map((i) => i.stage)).toEqual([-1, 0, 0, 1]);
    expect(df.stages.map((s) => [s.base, s.name])).toEqual([
      ["${BASE}", "builder"],
      ["builder", undefined],
    ]);
  });
});

describe("keysOf", () => {
  it("reads KEY=value pairs, quoted values and quoted keys", () => {
    expect(keysOf({ args: 'A=1 B="two words" C=three\\ words D=' })).toEqual(["A", "B", "C", "D"]);
    expect(keysOf({ args: '"com.example.vendor"="ACME Inc" version=1.0' })).toEqual(["com.example.vendor", "version"]);
  });

  it("reads the legacy `KEY value` form as one key, whatever the value holds", () => {
    expect(keysOf({ args: "MY_NAME John Doe=Jr" })).toEqual(["MY_NAME"]);
  });
});

describe("lineFor", () => {
  const DOCKERFILE = [
    "FROM python:3.12 AS build", // 1
    "ENV SECRET_TOKEN=abc", // 2: another stage
    "USER builder", // 3
    "ENTRYPOINT [\"/bin/build\"]", // 4
    "", // 5
    "FROM python:3.12-slim", // 6
    "LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true \\", // 7
    "      maintainer=team", // 8
    "ENV PATH=/opt/program:$PATH \\", // 9
    "    PYTHONUNBUFFERED=1", // 10
    "ENV AWS_SECRET_ACCESS_KEY wJalrXUtnFEMI/K7MDENG", // 11: legacy form
    "entrypoint /opt/program/serve", // 12
    "ENTRYPOINT [\"python3\", \"/opt/program/entry.py\"]", // 13: the last one wins
    "EXPOSE 8080 9000-9010/udp", // 14
    "VOLUME [\"/opt/ml/model/\"]", // 15
    "WORKDIR /opt/program", // 16
    "CMD [\"serve\"]", // 17
    "USER 1000", // 18
  ].join("\n");

  it.each([
    ["Config.Entrypoint", 13],
    ["Config.Cmd", 17],
    ["Config.User", 18],
    ["Config.WorkingDir", 16],
    ["Config.Env", 11],
    ["Config.Env.PATH", 9],
    ["Config.Env[PYTHONUNBUFFERED]", 9],
    ['Config.Env["AWS_SECRET_ACCESS_KEY"]', 11],
    ["Config.Labels", 7],
    ['Config.Labels["maintainer"]', 7],
    ["Config.Labels.com.amazonaws.sagemaker.capabilities.accept-bind-to-port", 7],
    ["Config.ExposedPorts", 14],
    ['Config.ExposedPorts["8080/tcp"]', 14],
    ['Config.ExposedPorts["9005/udp"]', 14],
    ["Config.Volumes", 15],
    ['Config.Volumes["/opt/ml/model"]', 15],
    ["Architecture", 6],
  ])("finds %s on line %i of the final stage", (field, line) => {
    expect(at(DOCKERFILE, field)).toBe(line);
  });

  it.each([
    ['Config.Env["SECRET_TOKEN"]'], // set only in the first stage, which the image does not build on
    ['Config.Env["PYTHON"]'], // a prefix of a key is not the key
    ['Config.ExposedPorts["8080/udp"]'],
    ['Config.Labels["vendor"]'],
    ["Config.StopSignal"], // set nowhere
    ["Config.Healthcheck"],
    ["Config.Nonsense"],
    ["Created"],
  ])("gives undefined for %s, which no instruction of the final stage sets", (field) => {
    expect(at(DOCKERFILE, field)).toBeUndefined();
  });

  it("gives undefined for locations that are not config fields", () => {
    const df = parseDockerfile(DOCKERFILE);
    expect(lineFor(df, { kind: "file", path: "/opt/program/entry.py" })).toBeUndefined();
    expect(lineFor(df, { kind: "option", option: "--instance", value: "ml.m5.large" })).toBeUndefined();
  });

  it("looks into the stage the final one builds on, and FROM is the base image's line", () => {
    const text = ["FROM --platform=linux/arm64 python:3.12 AS base", "USER 1000", "ENV A=1", "FROM base AS final", "ENV B=2", "FROM final"].join("\n");
    const df = parseDockerfile(text);
    expect(lineFor(df, config("Config.User"))).toBe(2);
    expect(lineFor(df, config("Config.Env.A"))).toBe(3);
    expect(lineFor(df, config("Config.Env.B"))).toBe(5);
    expect(lineFor(df, config("Architecture"))).toBe(1);
    expect(baseFrom(df)?.line).toBe(1);
  });

  it("follows --target to a stage other than the last", () => {
    const df = parseDockerfile("FROM a AS serve\nUSER 1000\nFROM b AS train\nUSER 0\n");
    expect(lineFor(df, config("Config.User"))).toBe(4);
    expect(lineFor(df, config("Config.User"), { target: "Serve" })).toBe(2);
    expect(lineFor(df, config("Config.User"), { target: "nope" })).toBeUndefined();
  });

  it("ignores fields set in heredoc bodies and comments", () => {
    expect(at("FROM a\nUSER app\nRUN <<EOF\nUSER root\nEOF\n# USER nobody\n", "Config.User")).toBe(2);
  });

  it("spans a multi-line instruction", () => {
    const found = instructionFor(parseDockerfile(DOCKERFILE), config("Config.Env.PYTHONUNBUFFERED"));
    expect(found && [found.line, found.endLine]).toEqual([9, 10]);
  });
});

describe("readDockerfile", () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), "byoc-dockerfile-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("names the file relative to the repository that holds it, with / separators", () => {
    const repo = tmp();
    mkdirSync(join(repo, ".git"));
    mkdirSync(join(repo, "docker", "serve"), { recursive: true });
    writeFileSync(join(repo, "docker", "serve", "Dockerfile"), "FROM x\nUSER 1000\n");
    const df = readDockerfile("serve/Dockerfile", { cwd: join(repo, "docker"), env: {} });
    expect(df.uri).toBe("docker/serve/Dockerfile");
    expect(df.lineFor(config("Config.User"))).toBe(2);
  });

  it("falls back to $GITHUB_WORKSPACE, then to the working directory", () => {
    const ws = tmp();
    mkdirSync(join(ws, "img"));
    writeFileSync(join(ws, "img", "Dockerfile"), "FROM x\n");
    expect(readDockerfile(join(ws, "img", "Dockerfile"), { cwd: "/", env: { GITHUB_WORKSPACE: ws } }).uri).toBe("img/Dockerfile");
    expect(readDockerfile("Dockerfile", { cwd: join(ws, "img"), env: {} }).uri).toBe("Dockerfile");
  });

  it("says which file it cannot read", () => {
    expect(() => readDockerfile("/nonexistent/Dockerfile")).toThrow(UsageError);
  });
});
