import { join } from "node:path";
import { type FindingInput, defineJobCheck, fail, pass } from "../../src/engine/check.js";
import type { JobRun, ProcessingScenario } from "../../src/engine/jobs/jobs.js";
import { readBounded, runEvidence } from "../job-run.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

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
  try {
    decoder.decode(bytes);
  } catch {
    const at = firstInvalid(bytes);
    return `/opt/ml/output/message is not valid UTF-8 (byte 0x${bytes[at]!.toString(16).padStart(2, "0")} at offset ${at}): SageMaker fails the job with a ClientError`;
  }
  if (size > bytes.length) return `/opt/ml/output/message is ${size} bytes; only the first ${limit} become ExitMessage`;
  if (bytes.subarray(0, limit).toString("utf8").trim() === "") return `the first ${limit} bytes of /opt/ml/output/message are blank, so ExitMessage shows nothing`;
  return undefined;
}

function firstInvalid(bytes: Buffer): number {
  let lo = 0;
  let hi = bytes.length;
  // The longest valid prefix, by bisection: decode is all-or-nothing.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      decoder.decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return Math.min(lo, bytes.length - 1);
}

function finding(run: JobRun, message: string, bytes: Buffer): FindingInput {
  return {
    message,
    fix: "Encode the message as UTF-8 (open(path, 'w', encoding='utf-8')) and put the point in its first line.",
    where: { kind: "file", path: "/opt/ml/output/message" },
    evidence: runEvidence(run, { actual: bytes.subarray(0, 200).toString("latin1") }),
  };
}
