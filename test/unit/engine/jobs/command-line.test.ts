import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { dockerRunLine, shellQuote } from "../../../../src/engine/jobs/command-line.js";
import type { ContainerSpec } from "../../../../src/engine/jobs/types.js";

/** The words a real POSIX shell hands `docker` when it runs the line: NUL-separated, so newlines survive. */
function wordsByShell(line: string): string[] {
  const out = execFileSync("sh", ["-c", `docker() { printf '%s\\0' docker "$@"; }\n${line}`], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", X: "expanded" } });
  return out.split("\0").slice(0, -1);
}

const spec = (o: Partial<ContainerSpec> = {}): ContainerSpec => ({
  image: "algo:1",
  hostname: "algo-1",
  env: [],
  mounts: [],
  network: "bridge",
  ...o,
});

describe("shellQuote", () => {
  it.each(["train", "/opt/ml/model", "KEY=value", "a,b:c@d%e+f", "-e", "sha256:abc", "ml.m5.xlarge"])("leaves %j bare", (w) => {
    expect(shellQuote(w)).toBe(w);
  });

  it.each([
    ["", "''"],
    ["a b", "'a b'"],
    ["$HOME", "'$HOME'"],
    ["it's", `'it'\\''s'`],
    ["*", "'*'"],
    ["~", "'~'"],
  ])("quotes %j as %s", (w, quoted) => {
    expect(shellQuote(w)).toBe(quoted);
  });

  it.each([
    "",
    "a b",
    "it's",
    `"double" and 'single'`,
    "$X ${X} $(echo no) `echo no`",
    "line one\nline two",
    "tab\there",
    "glob * ? [a]",
    "semi; colon && amp | pipe > out < in",
    "back\\slash",
    "#not a comment",
    "~user",
    "!bang",
    "'",
    "''",
    "é ü 日本",
  ])("the shell reads %j back unchanged", (w) => {
    expect(wordsByShell(`docker ${shellQuote(w)}`)).toEqual(["docker", w]);
  });
});

describe("dockerRunLine", () => {
  it("starts the container with its hostname, removed on exit, on the default network", () => {
    expect(dockerRunLine(spec({ cmd: ["train"] }))).toBe("docker run --rm --hostname algo-1 algo:1 train");
  });

  it("adds --network none only when the network is not bridge", () => {
    expect(dockerRunLine(spec({ network: "none" }))).toBe("docker run --rm --hostname algo-1 --network none algo:1");
    expect(dockerRunLine(spec())).not.toContain("--network");
  });

  it("writes env in the order given, then mounts, read-only ones with :ro", () => {
    const line = dockerRunLine(
      spec({
        env: [["B", "2"], ["A", "1"], ["B", "3"]],
        mounts: [
          { source: "/tmp/s/config", target: "/opt/ml/input/config", readOnly: true },
          { source: "/tmp/s/model", target: "/opt/ml/model", readOnly: false },
        ],
        cmd: ["train"],
      }),
    );
    expect(line).toBe("docker run --rm --hostname algo-1 -e B=2 -e A=1 -e B=3 -v /tmp/s/config:/opt/ml/input/config:ro -v /tmp/s/model:/opt/ml/model algo:1 train");
  });

  it("gives --entrypoint the first word of a multi-word entrypoint and puts the rest before the arguments", () => {
    const line = dockerRunLine(spec({ entrypoint: ["python3", "-u", "/opt/program/train.py"], cmd: ["--epochs", "3"] }));
    expect(line).toBe("docker run --rm --hostname algo-1 --entrypoint python3 algo:1 -u /opt/program/train.py --epochs 3");
  });

  it("writes a one-word entrypoint without arguments", () => {
    expect(dockerRunLine(spec({ entrypoint: ["/opt/program/run"], cmd: [] }))).toBe("docker run --rm --hostname algo-1 --entrypoint /opt/program/run algo:1");
  });

  it("writes neither --entrypoint nor a command when the image's own are kept", () => {
    expect(dockerRunLine(spec())).toBe("docker run --rm --hostname algo-1 algo:1");
  });

  it("quotes every awkward word so a shell hands docker exactly the spec's words", () => {
    const s = spec({
      image: "registry.example:5000/team/algo:1.0",
      network: "none",
      env: [
        ["GREETING", "hello world"],
        ["QUOTE", `it's "quoted"`],
        ["DOLLAR", "$X and ${X} and $(id)"],
        ["EMPTY", ""],
        ["MULTI", "a\nb"],
      ],
      mounts: [
        { source: "/tmp/my sandbox/config", target: "/opt/ml/input/config", readOnly: true },
        { source: "/tmp/it's/model", target: "/opt/ml/model", readOnly: false },
      ],
      entrypoint: ["/bin/sh", "-c", 'exec python3 /opt/program/train.py "$@"', "--"],
      cmd: ["--name", "", "two words", "$X"],
    });
    expect(wordsByShell(dockerRunLine(s))).toEqual([
      "docker", "run", "--rm", "--hostname", "algo-1", "--network", "none",
      "-e", "GREETING=hello world", "-e", `QUOTE=it's "quoted"`, "-e", "DOLLAR=$X and ${X} and $(id)", "-e", "EMPTY=", "-e", "MULTI=a\nb",
      "-v", "/tmp/my sandbox/config:/opt/ml/input/config:ro", "-v", "/tmp/it's/model:/opt/ml/model",
      "--entrypoint", "/bin/sh",
      "registry.example:5000/team/algo:1.0",
      "-c", 'exec python3 /opt/program/train.py "$@"', "--",
      "--name", "", "two words", "$X",
    ]);
  });
});
