import { join } from "node:path";
import { type FindingInput, defineJobCheck, fail, pass } from "../../src/engine/check.js";
import type { JobRun, ProcessingScenario } from "../../src/engine/jobs/jobs.js";
import { readBounded, runEvidence } from "../job-run.js";

export default defineJobCheck("processing", {
  id: "PRC-MESSAGE",
  clauses: ["processing#output.message"],
  severity: "error",
  title: "/opt/ml/output/message is UTF-8 with the point first",
  rationale:
    "DescribeProcessingJob's ExitMessage is the first 1 KB of /opt/ml/output/message. A message that is not valid UTF-8 fails the job with a ClientError of its own, even when the work succeeded; one that starts with blank space shows nothing.",
  fix: "Write a short UTF-8 message, the point first, to /opt/ml/output/message.",
  needs: { jobs: true },
  async run({ jobs, spec }) {
    const limit = spec.limit("processing#output.message", "readBytes").value;
    const scenarios: ProcessingScenario[] = ["success", "empty-inputs"];
    const findings: FindingInput[] = [];
    const seen: string[] = [];
    for (const s of scenarios) {
      if (jobs.processingUnavailable(s)) continue;
      const run = await jobs.processing(s);
      if (run.outcome.startError !== undefined) continue;
      const file = readBounded(join(run.writable["/opt/ml/output"]!, "message"), 256 * 1024);
      if (!file) continue;
      seen.push(s);
      const problem = judge(file.bytes, file.size, limit);
      if (problem) findings.push(finding(run, problem, file.bytes));
    }
    if (findings.length > 0) return fail(findings[0]!, ...findings.slice(1));
    return pass(seen.length > 0 ? `valid UTF-8 after ${seen.join(", ")}` : "no run wrote a message (it is optional)");
  },
});

function judge(bytes: Buffer, size: number, limit: number): string | undefined {
  const at = firstInvalid(bytes);
  // A sequence cut by the read bound is not a fault of the file.
  if (at >= 0 && !(size > bytes.length && at >= bytes.length - 3)) {
    return `/opt/ml/output/message is not valid UTF-8 (byte 0x${bytes[at]!.toString(16).padStart(2, "0")} at offset ${at}): SageMaker fails the job with a ClientError`;
  }
  if (size > bytes.length) return `/opt/ml/output/message is ${size} bytes; only the first ${limit} become ExitMessage`;
  if (bytes.subarray(0, limit).toString("utf8").trim() === "") return `the first ${limit} bytes of /opt/ml/output/message are blank, so ExitMessage shows nothing`;
  return undefined;
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates). */
export function firstInvalid(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const [len, lo, hi] = b < 0x80 ? [1, 0, 0] : b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf] : b === 0xe0 ? [3, 0xa0, 0xbf] : b === 0xed ? [3, 0x80, 0x9f]
      : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf] : b === 0xf0 ? [4, 0x90, 0xbf] : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf] : b === 0xf4 ? [4, 0x80, 0x8f] : [0, 0, 0];
    if (len === 0 || i + len > bytes.length) return i;
    if (len > 1 && (bytes[i + 1]! < lo || bytes[i + 1]! > hi)) return i;
    for (let k = 2; k < len; k++) if (bytes[i + k]! < 0x80 || bytes[i + k]! > 0xbf) return i;
    i += len;
  }
  return -1;
}

function finding(run: JobRun, message: string, bytes: Buffer): FindingInput {
  return {
    message,
    fix: "Encode the message as UTF-8 (open(path, 'w', encoding='utf-8')) and put the point in its first line.",
    where: { kind: "file", path: "/opt/ml/output/message" },
    evidence: runEvidence(run, { actual: bytes.subarray(0, 200).toString("latin1") }),
  };
}
