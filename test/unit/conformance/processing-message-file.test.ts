import { afterEach, describe, expect, it } from "vitest";
import check from "../../../conformance/processing/message-file.js";
import { type Play, removeTempDirs, runJobCheck, sampleDir, sandbox, unstarted, write, NOT_KEPT } from "../helpers/fake-jobs.js";
import { findingsOf, onlyFinding, passDetail } from "./outcomes.js";

afterEach(removeTempDirs);

const says = (message: string | Buffer, exitCode = 0): Play => (req) => (write(req, "/opt/ml/output", "message", message), { exitCode });
const withInput = () => ({ inputs: [{ name: "raw", dir: sampleDir() }] });

describe("PRC-MESSAGE", () => {
  it("does not fire when no run writes a message", async () => {
    const { jobs, runner } = sandbox(withInput());
    expect(passDetail(await runJobCheck(check, jobs))).toBe("no run wrote a message (it is optional)");
    expect(runner.scenarios).toEqual(["processing/success", "processing/empty-inputs"]);
  });

  it("does not fire on UTF-8 messages, whatever the language", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": says("wrote 3 files ✓ — 日本語 ok\n"), "processing/empty-inputs": says("no input files", 1) });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("valid UTF-8 after success, empty-inputs");
  });

  it("looks only at the empty-inputs run without sample input", async () => {
    const { jobs, runner } = sandbox({}, { "processing/empty-inputs": says("no input", 1) });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("valid UTF-8 after empty-inputs");
    expect(runner.scenarios).toEqual(["processing/empty-inputs"]);
  });

  it("fires on a message that is not UTF-8, naming the bad byte", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": says(Buffer.from("done\xff", "latin1")) });
    const f = onlyFinding(await runJobCheck(check, jobs));
    expect(f.message).toBe("/opt/ml/output/message is not valid UTF-8 (byte 0xff at offset 4): SageMaker fails the job with a ClientError");
    expect(f.fix).toBe("Encode the message as UTF-8 (open(path, 'w', encoding='utf-8')) and put the point in its first line.");
    expect(f.evidence.location).toEqual({ kind: "file", path: "/opt/ml/output/message" });
    expect(f.evidence.actual).toBe("done\xff");
    expect(f.evidence.notes).toEqual(["run: processing job with your sample inputs", NOT_KEPT]);
  });

  it("names a bad byte at the very start", async () => {
    const { jobs } = sandbox({}, { "processing/empty-inputs": says(Buffer.from([0xff, 0x41])) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain("(byte 0xff at offset 0)");
  });

  it("fires once per run whose message is bad", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": says(Buffer.from([0x41, 0xc0])), "processing/empty-inputs": says(Buffer.from([0x41, 0xfe]), 1) });
    const findings = findingsOf(await runJobCheck(check, jobs));
    expect(findings.map((f) => f.evidence.notes![0])).toEqual(["run: processing job with your sample inputs", "run: processing job with every input present but empty"]);
  });

  it("fires on a message whose first 1024 bytes are blank", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": says(`${"\n".repeat(600)}${" ".repeat(424)}the point, too late\n`) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toBe("the first 1024 bytes of /opt/ml/output/message are blank, so ExitMessage shows nothing");
  });

  it("does not fire on leading blank space that leaves the point within 1024 bytes", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": says(`${"\n".repeat(1000)}ok\n`) });
    passDetail(await runJobCheck(check, jobs));
  });

  it("fires on an empty message file", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": says("") });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain("are blank");
  });

  it("fires on a message past 256 KiB, of which only the first 1024 bytes become ExitMessage", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": says(`done\n${"x".repeat(300_000)}`) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toBe("/opt/ml/output/message is 300005 bytes; only the first 1024 become ExitMessage");
  });

  it("ignores runs that never started", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": () => unstarted("boom"), "processing/empty-inputs": () => unstarted("boom") });
    expect(passDetail(await runJobCheck(check, jobs))).toBe("no run wrote a message (it is optional)");
  });

  it("names the byte a Latin-1 message goes wrong at, not the one after it", async () => {
    const { jobs } = sandbox({}, { "processing/empty-inputs": says(Buffer.from("caf\xe9 done", "latin1")) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain("(byte 0xe9 at offset 3)");
  });

  it("names the first bad byte after a multi-byte character", async () => {
    const { jobs } = sandbox({}, { "processing/empty-inputs": says(Buffer.from([0xe2, 0x82, 0xac, 0xff])) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain("(byte 0xff at offset 3)");
  });

  it.each([
    ["an overlong encoding", [0x41, 0xc0, 0xaf], 1],
    ["a UTF-16 surrogate", [0x41, 0xed, 0xa0, 0x80], 1],
    ["a code point past U+10FFFF", [0xf4, 0x90, 0x80, 0x80], 0],
    ["a lone continuation byte", [0x41, 0x42, 0x80], 2],
    ["a sequence cut short by the end of the file", [0x41, 0xe2, 0x82], 1],
  ])("fires on %s", async (_what, bytes, at) => {
    const { jobs } = sandbox({}, { "processing/empty-inputs": says(Buffer.from(bytes)) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain(`at offset ${at})`);
  });

  it("accepts four-byte characters", async () => {
    const { jobs } = sandbox({}, { "processing/empty-inputs": says("done 😀 𝄞\n") });
    passDetail(await runJobCheck(check, jobs));
  });

  it("judges each run's message on its own after an invalid one", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": says(Buffer.from("caf\xe9 done", "latin1")), "processing/empty-inputs": says("no input files", 1) });
    expect(findingsOf(await runJobCheck(check, jobs)).map((f) => f.evidence.notes![0])).toEqual(["run: processing job with your sample inputs"]);
  });

  it("does not call a long valid message invalid where the 256 KiB read cut a character", async () => {
    // 262144 is not a multiple of 3: the read ends inside a "€".
    const { jobs } = sandbox(withInput(), { "processing/success": says("€".repeat(100_000)) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toBe("/opt/ml/output/message is 300000 bytes; only the first 1024 become ExitMessage");
  });

  it("still finds a bad byte well before the read's cut in a long message", async () => {
    const { jobs } = sandbox(withInput(), { "processing/success": says(Buffer.concat([Buffer.from("€".repeat(1_000)), Buffer.from([0xff]), Buffer.from("€".repeat(100_000))])) });
    expect(onlyFinding(await runJobCheck(check, jobs)).message).toContain("(byte 0xff at offset 3000)");
  });
});
