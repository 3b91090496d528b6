import { defineServeCheck, fail, pass } from "../../src/engine/check.js";
import type { Sample } from "../../src/engine/serve/types.js";
import { answered, readyEndpoint, serveEvidence } from "../serve-run.js";

/** How far under the limit the padded request stays: the API counts the body only, and so does this. */
const MARGIN = 1024;

/**
 * A body of exactly `size` bytes made from the sample: JSON padded with trailing whitespace (still the same JSON),
 * CSV by repeating its data rows, anything else padded with spaces.
 */
export function padded(sample: Pick<Sample, "body" | "contentType"> | undefined, size: number): { body: Buffer; contentType: string } {
  const type = sample?.contentType ?? "application/json";
  const base = sample?.body ?? Buffer.from('{"byoc_check": "a request just under the 6 MiB InvokeEndpoint limit"}');
  const media = type.split(";")[0]!.trim().toLowerCase();
  let body: Buffer;
  if (media === "text/csv") {
    const text = base.toString("utf8");
    const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
    const rows = lines.some((l) => /[A-Za-z_]/.test(l.split(",")[0] ?? "")) ? lines.slice(1) : lines; // drop a header row
    const unit = Buffer.from(`${(rows.length > 0 ? rows : lines).join("\n")}\n`);
    const parts: Buffer[] = [];
    let n = 0;
    if (base.length >= size) {
      parts.push(base.subarray(0, size));
      n = size;
    } else if (text.endsWith("\n") || lines.length === 0) {
      parts.push(base);
      n = base.length;
    } else {
      parts.push(base, Buffer.from("\n"));
      n = base.length + 1;
    }
    while (n + unit.length <= size) {
      parts.push(unit);
      n += unit.length;
    }
    body = Buffer.concat([...parts, Buffer.alloc(size - n, "\n")]);
  } else {
    body = Buffer.concat([base.subarray(0, size), Buffer.alloc(Math.max(0, size - base.length), " ")]);
  }
  return { body, contentType: type };
}

export default defineServeCheck({
  id: "INF-PAYLOAD-LIMIT",
  clauses: ["inference#invocations.payload"],
  severity: "error",
  title: "A request just under 6 MiB is not refused for its size",
  rationale:
    "InvokeEndpoint accepts request bodies up to 6,291,456 bytes. A server (or a proxy in front of it, such as nginx's default 1 MiB client_max_body_size, or the 5 MiB in AWS's own example) that refuses less turns valid requests into 413 errors that only large payloads hit.",
  fix: "Raise the body limit of every layer to at least 6 MiB: nginx client_max_body_size 6m (or more), Flask MAX_CONTENT_LENGTH, your framework's request size.",
  needs: { endpoints: true },
  async run({ endpoints }) {
    const got = await readyEndpoint(endpoints);
    if ("outcome" in got) return got.outcome;
    const { endpoint } = got;
    const size = endpoints.limits.requestMaxBytes - MARGIN;
    const sample = endpoints.options.samples[0];
    const { body, contentType } = padded(sample, size);
    const headers: Record<string, string> = { "Content-Type": contentType, ...(endpoints.options.accept ? { Accept: endpoints.options.accept } : {}) };
    const x = await endpoint.send(`${sample ? sample.name : "a JSON body"} padded to ${size} bytes`, { method: "POST", path: "/invocations", headers, body, saveAs: "padded-6MiB.bin", maxBodyBytes: endpoints.limits.responseMaxBytes });
    const o = x.outcome;
    const limit = endpoints.limits.requestMaxBytes;
    const exit = endpoint.exit();
    if (exit || !x.alive) {
      return fail({
        message: `the server exited${exit ? ` (code ${exit.exitCode}${exit.oomKilled ? ", out of memory" : ""})` : ""} on a ${size}-byte request (${answered(o)})`,
        fix: "Read request bodies of up to 6 MiB without dying: stream them, and size memory for the largest payload.",
        evidence: serveEvidence(endpoint, { exchanges: [x], actual: exit ? `exit ${exit.exitCode}` : "exited", expected: "an answer" }),
      });
    }
    const refused = (o.ok && o.status === 413) || (!o.ok && (o.kind === "reset" || o.kind === "closed"));
    if (refused || (!o.ok && o.kind === "timeout")) {
      return fail({
        message: refused
          ? `a ${size}-byte request was refused: ${answered(o)}; InvokeEndpoint accepts up to ${limit} bytes, so the server's own limit is lower`
          : `a ${size}-byte request got ${answered(o)}`,
        fix: refused
          ? "Raise the body limit of every layer to at least 6 MiB: nginx client_max_body_size 6m, Flask MAX_CONTENT_LENGTH, your framework's request size."
          : "Read large bodies promptly: a request of this size must be answered within the 60 s InvokeEndpoint waits.",
        evidence: serveEvidence(endpoint, { exchanges: [x], actual: o.ok ? `HTTP ${o.status}` : o.kind, expected: `accepted: anything but 413 or a reset, up to ${limit} bytes` }),
      });
    }
    return pass(`a ${size}-byte request was not refused for its size (${answered(o)})`);
  },
});
