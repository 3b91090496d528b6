// What the fuzzer sends to /invocations: mutations of the user's own samples, protocol-level variations, and bodies
// around the 6 MiB limit, as fast-check arbitraries, so that a run is repeatable from its seed and every failing case
// shrinks towards the smallest one that still fails.
import fc from "fast-check";
import { formatMutations, sampleNpy } from "./formats.js";

/** One request the fuzzer sends. */
export interface FuzzCase {
  /** What was done to the sample, in words: "sample.json: a field removed at $.instances". */
  what: string;
  family: "json" | "csv" | "format" | "bytes" | "protocol" | "size";
  headers: Record<string, string>;
  body: Buffer;
  /** The request is not one a correct client sends: a 5xx answer is the server's fault (not_a_server_error). */
  malformed: boolean;
  /** Send the body with chunked transfer encoding instead of a Content-Length. */
  chunked?: boolean;
}

export interface SeedSample {
  name: string;
  contentType: string;
  body: Buffer;
}

/** What the fuzzer starts from when no --sample is given: the two types nearly every SageMaker model takes. */
export const BUILT_IN_SAMPLES: readonly SeedSample[] = [
  { name: "built-in.json", contentType: "application/json", body: Buffer.from('{"instances": [[0.5, 1.5, 2.5]]}') },
  { name: "built-in.csv", contentType: "text/csv", body: Buffer.from("0.5,1.5,2.5\n") },
  { name: "built-in.npy", contentType: "application/x-npy", body: sampleNpy() },
];

/**
 * What a run fuzzes from: the user's samples; without any, the built-in sample of the declared --content-type (a
 * type byoc-check has none for gets the built-in JSON body under that type), or every built-in one.
 */
export function seedSamples(samples: readonly SeedSample[], declaredType?: string): readonly SeedSample[] {
  if (samples.length > 0) return samples;
  if (declaredType === undefined) return BUILT_IN_SAMPLES;
  const media = mediaOf(declaredType);
  const known = BUILT_IN_SAMPLES.find((s) => s.contentType === media);
  return [known ? { ...known, contentType: declaredType } : { name: "built-in", contentType: declaredType, body: BUILT_IN_SAMPLES[0]!.body }];
}

/** The arbitrary a run fuzzes with (see seedSamples). */
export function runArbitrary(samples: readonly SeedSample[], options: CaseOptions, declaredType?: string): fc.Arbitrary<FuzzCase> {
  return caseArbitrary(seedSamples(samples, declaredType), options);
}

export interface CaseOptions {
  /** The Accept header the user's requests carry, if any. */
  accept?: string;
  /** InvokeEndpoint's request limit: the size cases sit at and just under it. */
  requestMaxBytes: number;
}

const mediaOf = (type: string) => type.split(";")[0]!.trim().toLowerCase();
const isJson = (type: string) => /^application\/(.+\+)?json$/.test(mediaOf(type));
const isCsv = (type: string) => mediaOf(type) === "text/csv";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path into a JSON value, root first: the places a mutation may touch. */
function paths(v: Json, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at);
  if (out.length > 200) return out;
  if (Array.isArray(v)) v.slice(0, 20).forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function pathText(p: Array<string | number>): string {
  return `$${p.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("")}`;
}

/** A copy of `v` with the value at `p` replaced (undefined removes it). */
function setAt(v: Json, p: Array<string | number>, replace: (old: Json) => Json | undefined): Json | undefined {
  if (p.length === 0) return replace(v);
  const [head, ...rest] = p;
  if (Array.isArray(v)) {
    const copy = [...v];
    const next = setAt(copy[head as number]!, rest, replace);
    if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  if (v !== null && typeof v === "object") {
    const copy = { ...v };
    const next = setAt(copy[head as string]!, rest, replace);
    if (next === undefined) delete copy[head as string];
    else copy[head as string] = next;
    return copy;
  }
  return v;
}

/** A marker replaced in the JSON text by a token JSON cannot hold (NaN, Infinity, 1e309, a huge integer). */
const RAW = "@@byoc-raw:";
const rawToken = (token: string) => `${RAW}${token}@@`;
function render(v: Json | undefined): string {
  return (JSON.stringify(v) ?? "").replace(/"@@byoc-raw:([^"@]*)@@"/g, "$1");
}

const BOUNDARY_NUMBERS = ["NaN", "Infinity", "-Infinity", "-0", "1e309", "-1e309", "18446744073709551616", "1e-400", "0.1e1000"];
const ODD_STRINGS = ["", " ", "\u0000", "\ud800", "\u202e\u0041", "\u200b", "😀".repeat(3), "a".repeat(10_000), "\"", "\\", "<script>", "%s%n"];

function jsonMutations(sample: SeedSample, value: Json): fc.Arbitrary<FuzzCase> {
  const where = paths(value);
  const base = (what: string, text: string | Buffer, malformed = true): FuzzCase => ({
    what: `${sample.name}: ${what}`,
    family: "json",
    headers: { "Content-Type": sample.contentType },
    body: Buffer.isBuffer(text) ? text : Buffer.from(text),
    malformed,
  });
  const at = fc.constantFrom(...where);
  const objects = where.filter((p) => {
    let v: Json | undefined = value;
    for (const k of p) v = (v as Record<string | number, Json>)[k];
    return v !== null && typeof v === "object" && !Array.isArray(v);
  });
  return fc.oneof(
    { withCrossShrink: true },
    // First, so that cross-shrinking can carry any failure towards a value of its own: [[[[]]]] rather than the sample.
    fc.integer({ min: 1, max: 64 }).map((d) => base(`empty arrays nested ${d} deep`, `${"[".repeat(d)}${"]".repeat(d)}`)),
    // A sample with nothing below the top ({}, [], 42) has no value to remove; a filter that never passes would spin.
    ...(where.length > 1 ? [at.filter((p) => p.length > 0).map((p) => base(`the value at ${pathText(p)} removed`, render(setAt(value, p, () => undefined))))] : []),
    ...(objects.length > 0
      ? [
          fc.tuple(fc.constantFrom(...objects), fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })).map(([p, k, x]) =>
            base(`a field ${JSON.stringify(k)} added at ${pathText(p)}`, render(setAt(value, p, (old) => ({ ...(old as Record<string, Json>), [k]: x as Json })))),
          ),
        ]
      : []),
    fc.tuple(at, fc.constantFrom<Json>(null, true, "text", 0, [], {})).map(([p, x]) => base(`the value at ${pathText(p)} replaced by ${JSON.stringify(x)}`, render(setAt(value, p, () => x)))),
    fc.tuple(at, fc.constantFrom(...BOUNDARY_NUMBERS)).map(([p, n]) => base(`the value at ${pathText(p)} replaced by ${n}`, render(setAt(value, p, () => rawToken(n))))),
    fc.tuple(at, fc.constantFrom(...ODD_STRINGS)).map(([p, s]) => base(`the value at ${pathText(p)} replaced by the string ${JSON.stringify(s.slice(0, 12))}${s.length > 12 ? "..." : ""}`, render(setAt(value, p, () => s)))),
    fc.tuple(at, fc.constantFrom(0, 1, 10_000)).map(([p, n]) =>
      base(`the value at ${pathText(p)} replaced by an array of ${n}`, render(setAt(value, p, (old) => Array.from({ length: n }, () => (Array.isArray(old) ? (old[0] ?? 0) : old))))),
    ),
    fc.integer({ min: 1, max: 64 }).map((d) => base(`nested ${d} levels deep`, `${"[".repeat(d)}${render(value)}${"]".repeat(d)}`)),
    // Values of its own, unrelated to the sample: these shrink to a few bytes.
    fc.jsonValue({ maxDepth: 6 }).map((v) => base(`the JSON value ${render(v as Json).slice(0, 40)}`, render(v as Json))),
    fc.integer({ min: 0, max: Math.max(0, render(value).length - 1) }).map((n) => base(`cut after ${n} bytes`, render(value).slice(0, n))),
    fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80])).map((bad) =>
      base(`invalid UTF-8 (${bad.toString("hex")}) inside`, Buffer.concat([Buffer.from(render(value).slice(0, 1)), bad, Buffer.from(render(value).slice(1))])),
    ),
  );
}

/** Parses a CSV sample into rows of raw fields (no quoting in samples is assumed beyond plain commas). */
function csvRows(text: string): string[][] {
  return text.split(/\r?\n/).filter((l) => l.length > 0).map((l) => l.split(","));
}

/** A CSV field as a writer might emit it: a number, a bare word, or a quoted string that may hold commas, quotes and newlines. */
const csvField: fc.Arbitrary<string> = fc.oneof(
  fc.double({ noNaN: true }).map(String),
  fc.string({ unit: fc.constantFrom("a", "1", " ", "."), maxLength: 4 }),
  fc.string({ unit: fc.constantFrom("a", "1", ",", "\n", "\r", '"'), maxLength: 4 }).map((t) => `"${t.replace(/"/g, '""')}"`),
);

function csvMutations(sample: SeedSample): fc.Arbitrary<FuzzCase> {
  const rows = csvRows(sample.body.toString("utf8"));
  const width = Math.max(1, ...rows.map((r) => r.length));
  const render = (rs: string[][], eol = "\n") => rs.map((r) => r.join(",")).join(eol) + eol;
  const base = (what: string, text: string | Buffer): FuzzCase => ({
    what: `${sample.name}: ${what}`,
    family: "csv",
    headers: { "Content-Type": sample.contentType },
    body: Buffer.isBuffer(text) ? text : Buffer.from(text),
    malformed: true,
  });
  const row = fc.nat({ max: Math.max(0, rows.length - 1) });
  const col = fc.nat({ max: width - 1 });
  const change = (r: number, fn: (cells: string[]) => string[]) => rows.map((cells, i) => (i === r ? fn([...cells]) : cells));
  return fc.oneof(
    { withCrossShrink: true },
    // CSV of its own first, quoting included, so that cross-shrinking carries a failure to a field or two ("\n").
    fc.array(fc.array(csvField, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }).map((rs) => base(`the CSV ${JSON.stringify(render(rs).slice(0, 40))}`, render(rs))),
    row.map((r) => base(`row ${r + 1} with a column fewer`, render(change(r, (c) => c.slice(0, -1))))),
    row.map((r) => base(`row ${r + 1} with a column more`, render(change(r, (c) => [...c, c[0] ?? "0"])))),
    fc.tuple(row, col).map(([r, c]) => base(`a quoted newline in row ${r + 1}, column ${c + 1}`, render(change(r, (cells) => cells.map((x, i) => (i === c ? `"${x}\n${x}"` : x)))))),
    fc.tuple(row, col, fc.constantFrom(...ODD_STRINGS, "NaN", "inf", "1e309", "abc", "\"unterminated")).map(([r, c, s]) =>
      base(`${JSON.stringify(s.slice(0, 12))} in row ${r + 1}, column ${c + 1}`, render(change(r, (cells) => cells.map((x, i) => (i === c ? s : x))))),
    ),
    fc.constant(base("a header row added", render([Array.from({ length: width }, (_, i) => `col${i}`), ...rows]))),
    fc.constant(base("CRLF line ends and a byte-order mark", `\ufeff${render(rows, "\r\n")}`)),
    fc.constant(base("blank lines between rows", rows.map((r) => r.join(",")).join("\n\n\n"))),
    fc.integer({ min: 0, max: Math.max(0, render(rows).length - 1) }).map((n) => base(`cut after ${n} bytes`, render(rows).slice(0, n))),
    fc.constant(base("invalid UTF-8 in a field", Buffer.concat([Buffer.from(render(rows).slice(0, 1)), Buffer.from([0xff, 0xfe]), Buffer.from(render(rows).slice(1))]))),
  );
}

function byteCases(sample: SeedSample): fc.Arbitrary<FuzzCase> {
  const base = (what: string, body: Buffer): FuzzCase => ({ what: `${sample.name}: ${what}`, family: "bytes", headers: { "Content-Type": sample.contentType }, body, malformed: true });
  return fc.oneof(
    fc.constant(base("an empty body", Buffer.alloc(0))),
    fc.uint8Array({ maxLength: 256 }).map((b) => base(`${b.length} random bytes`, Buffer.from(b))),
    fc.integer({ min: 0, max: Math.max(0, sample.body.length - 1) }).map((n) => base(`cut after ${n} bytes`, sample.body.subarray(0, n))),
  );
}

function protocolCases(sample: SeedSample, options: CaseOptions): fc.Arbitrary<FuzzCase> {
  const base = (what: string, headers: Record<string, string>, malformed: boolean, extra: Partial<FuzzCase> = {}): FuzzCase => ({
    what: `${sample.name}: ${what}`,
    family: "protocol",
    headers,
    body: sample.body,
    malformed,
    ...extra,
  });
  const ct = { "Content-Type": sample.contentType };
  return fc.oneof(
    fc.constant(base("no Content-Type", {}, true)),
    // Types other than the sample's own: its own type is the well-formed request, not a malformed one.
    fc.constantFrom(...["text/plain", "application/octet-stream", "application/x-www-form-urlencoded", "image/png"].filter((t) => t !== mediaOf(sample.contentType))).map((t) => base(`Content-Type ${t}`, { "Content-Type": t }, true)),
    fc.constant(base(`Content-Type ${sample.contentType.toUpperCase()}; charset=utf-8`, { "Content-Type": `${sample.contentType.toUpperCase()}; charset=utf-8` }, false)),
    fc.constantFrom("*/*", "application/json", "text/csv, application/json;q=0.5").map((a) => base(`Accept: ${a}`, { ...ct, Accept: a }, false)),
    fc.constantFrom("application/x-byoc-check-unknown", "text/html;q=0.9, image/*;q=0.1").map((a) => base(`Accept: ${a} (nothing a model answers)`, { ...ct, Accept: a }, true)),
    fc.constant(base("chunked transfer encoding", { ...ct, ...(options.accept ? { Accept: options.accept } : {}) }, false, { chunked: true })),
    fc.constantFrom(
      ["X-Amzn-SageMaker-Custom-Attributes", "~".repeat(1024)],
      ["X-Amzn-SageMaker-Custom-Attributes", "a=1;b=2,c"],
      ["X-Amzn-SageMaker-Target-Model", "../../etc/passwd"],
      ["X-Amzn-SageMaker-Inference-Id", "x".repeat(64)],
      ["X-Amzn-SageMaker-Session-Id", "NEW_SESSION"],
    ).map(([k, v]) => base(`${k}: ${v.length > 20 ? `${v.slice(0, 20)}... (${v.length} characters)` : v}`, { ...ct, ...(options.accept ? { Accept: options.accept } : {}), [k]: v }, false)),
  );
}

function sizeCases(sample: SeedSample, options: CaseOptions): fc.Arbitrary<FuzzCase> {
  const max = options.requestMaxBytes;
  // Made once per size and shared by every case that draws it: 6 MiB bodies are a few percent of the cases and
  // nearly all of the bytes, and nothing mutates a case's body.
  const bodies = new Map<number, Buffer>();
  const padded = (size: number) => {
    let b = bodies.get(size);
    if (!b) bodies.set(size, (b = Buffer.concat([sample.body.subarray(0, size), Buffer.alloc(Math.max(0, size - sample.body.length), " ")])));
    return b;
  };
  return fc.constantFrom(max - 1, max).map((size) => ({
    what: `${sample.name}: padded with spaces to ${size} bytes`,
    family: "size" as const,
    headers: { "Content-Type": sample.contentType, ...(options.accept ? { Accept: options.accept } : {}) },
    body: padded(size),
    malformed: !isJson(sample.contentType),
  }));
}

/** Every case the fuzzer draws from, for the samples given: most weight on mutations, little on 6 MiB bodies. */
export function caseArbitrary(samples: readonly SeedSample[], options: CaseOptions): fc.Arbitrary<FuzzCase> {
  const perSample = samples.map((s) => {
    let parsed: Json | undefined;
    if (isJson(s.contentType)) {
      try {
        parsed = JSON.parse(s.body.toString("utf8")) as Json;
      } catch {
        parsed = undefined;
      }
    }
    const format = formatMutations(s.contentType, s.body);
    const mutations =
      parsed !== undefined
        ? jsonMutations(s, parsed)
        : isCsv(s.contentType)
          ? csvMutations(s)
          : format
            ? format.map((m): FuzzCase => ({ what: `${s.name}: ${m.what}`, family: "format", headers: { "Content-Type": s.contentType }, body: m.body, malformed: m.valid !== true }))
            : byteCases(s);
    return fc.oneof(
      { arbitrary: mutations, weight: 12 },
      { arbitrary: byteCases(s), weight: 3 },
      { arbitrary: protocolCases(s, options), weight: 4 },
      { arbitrary: sizeCases(s, options), weight: 1 },
    );
  });
  return perSample.length === 1 ? perSample[0]! : fc.oneof(...perSample);
}
