import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { caseArbitrary, seedSamples } from "../../../src/fuzz/cases.js";
import { crc32, formatMutations, npyFile, sampleNpy } from "../../../src/fuzz/formats.js";

/** The header dict and data of a version 1 .npy, as NumPy's reader finds them. */
function readNpy(b: Buffer): { header: string; data: Buffer; headerEnd: number } {
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
  const len = b.readUInt16LE(8);
  return { header: b.toString("latin1", 10, 10 + len), data: b.subarray(10 + len), headerEnd: 10 + len };
}

/** A 1 x 1 PNG's signature and IHDR chunk (CRC right), and an IEND. */
function tinyPng(): Buffer {
  const ihdr = Buffer.concat([Buffer.from("IHDR"), Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(ihdr));
  const iend = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), ihdr, crc, iend]);
}

const all = <T>(arb: fc.Arbitrary<T>) => fc.sample(arb, { seed: 5, numRuns: 400 });

describe("crc32", () => {
  it("is the CRC-32 PNG uses (the check value of 123456789)", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
  });
});

describe("npy", () => {
  it("writes a version 1.0 file with the header padded to a multiple of 64, ending in a newline", () => {
    const b = sampleNpy();
    const { header, data, headerEnd } = readNpy(b);
    expect(headerEnd % 64).toBe(0);
    expect(header).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(1, 3\), \} *\n$/);
    expect([0, 8, 16].map((o) => data.readDoubleLE(o))).toEqual([0.5, 1.5, 2.5]);
  });

  it("lies in the header and keeps the rest a valid file", () => {
    const cases = all(formatMutations("application/x-npy", sampleNpy())!);
    const huge = cases.find((m) => m.what.includes("(1000000000, 3)"))!;
    expect(readNpy(huge.body).header).toContain("'shape': (1000000000, 3)");
    expect(readNpy(huge.body).data).toEqual(readNpy(sampleNpy()).data);
    expect(readNpy(cases.find((m) => m.what.includes("'|O'"))!.body).header).toContain("'descr': '|O'");
    const past = cases.find((m) => m.what.includes("header length past the end"))!;
    expect(past.body.readUInt16LE(8)).toBe(0xffff);
    // Another shape of the same data is a well-formed file: not judged as malformed.
    expect(cases.find((m) => m.what.includes("shape (3, 1)"))!.valid).toBe(true);
    expect(huge.valid).toBeUndefined();
  });

  it("leaves a body that is not .npy to the generic byte cases", () => {
    expect(formatMutations("application/x-npy", Buffer.from("not numpy"))).toBeUndefined();
    expect(npyFile("{}", Buffer.alloc(0)).length % 64).toBe(0);
  });
});

describe("recordio and images", () => {
  it("claims record lengths the body does not hold", () => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(0xced7230a, 0);
    record.writeUInt32LE(8, 4);
    const cases = all(formatMutations("application/x-recordio-protobuf", record)!);
    const big = cases.find((m) => m.what.includes("claims 536870911 bytes"))!;
    expect(big.body.readUInt32LE(0)).toBe(0xced7230a);
    expect(big.body.readUInt32LE(4)).toBe(0x1fffffff);
    expect(formatMutations("application/x-recordio-protobuf", Buffer.from("nope nope"))).toBeUndefined();
  });

  it("makes a PNG claim 65535 x 65535 pixels with a CRC a decoder accepts", () => {
    const cases = all(formatMutations("image/png", tinyPng())!);
    const big = cases.find((m) => m.what.includes("65535 x 65535"))!.body;
    expect([big.readUInt32BE(16), big.readUInt32BE(20)]).toEqual([65535, 65535]);
    expect(big.readUInt32BE(29)).toBe(crc32(big.subarray(12, 29)));
    expect(cases.some((m) => m.what.startsWith("image: cut after"))).toBe(true);
  });
});

describe("caseArbitrary with a binary sample", () => {
  it("draws format-aware cases for an .npy sample", () => {
    const cases = fc.sample(caseArbitrary([{ name: "x.npy", contentType: "application/x-npy", body: sampleNpy() }], { requestMaxBytes: 4096 }), { seed: 2, numRuns: 300 });
    const format = cases.filter((c) => c.family === "format");
    expect(format.length).toBeGreaterThan(100);
    expect(format.every((c) => c.what.startsWith("x.npy: npy: ") && c.headers["Content-Type"] === "application/x-npy")).toBe(true);
  });
});

describe("seedSamples", () => {
  const own = [{ name: "mine.csv", contentType: "text/csv", body: Buffer.from("1\n") }];
  it("fuzzes from the user's samples when there are any, the declared type's built-in otherwise, else all built-ins", () => {
    expect(seedSamples(own, "application/json")).toBe(own);
    expect(seedSamples([], "text/csv; charset=utf-8")).toEqual([{ name: "built-in.csv", contentType: "text/csv; charset=utf-8", body: Buffer.from("0.5,1.5,2.5\n") }]);
    expect(seedSamples([], "application/vnd.acme+thing").map((s) => [s.name, s.contentType])).toEqual([["built-in", "application/vnd.acme+thing"]]);
    expect(seedSamples([]).map((s) => s.contentType)).toEqual(["application/json", "text/csv", "application/x-npy"]);
  });
});

describe("odd samples", () => {
  it("generates from a JSON sample with nothing below the top, without spinning on a filter", () => {
    for (const body of ["{}", "[]", "42", "null", '"hi"']) {
      const cases = fc.sample(caseArbitrary([{ name: "s.json", contentType: "application/json", body: Buffer.from(body) }], { requestMaxBytes: 4096 }), { seed: 1, numRuns: 200 });
      expect(cases).toHaveLength(200);
    }
  });

  it("gives every image case a body, even for a PNG too short to hold a header", () => {
    const short = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49]);
    for (const m of fc.sample(formatMutations("image/png", short)!, { seed: 1, numRuns: 200 })) expect(Buffer.isBuffer(m.body)).toBe(true);
  });

  it("does not call the sample's own Content-Type malformed", () => {
    const cases = fc.sample(caseArbitrary([{ name: "s.txt", contentType: "text/plain", body: Buffer.from("hello") }], { requestMaxBytes: 4096 }), { seed: 1, numRuns: 500 });
    expect(cases.filter((c) => c.what === "s.txt: Content-Type text/plain")).toEqual([]);
  });

  it("writes a header too long for version 1.0 as version 2.0", () => {
    const b = npyFile(`{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), 'x': '${"a".repeat(70_000)}', }`, Buffer.alloc(0));
    expect([b[6], b[7]]).toEqual([2, 0]);
    expect((12 + b.readUInt32LE(8)) % 64).toBe(0);
  });
});
