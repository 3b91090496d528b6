// Mutations that know the binary formats SageMaker models commonly take: NumPy's .npy (application/x-npy), RecordIO
// protobuf (application/x-recordio-protobuf) and PNG / JPEG images. Each one keeps the rest of the file valid, so the
// server's parser gets past the parts it checks and meets the lie: a header that claims more data than the body
// holds, an object dtype (a pickle), an image whose header claims 65535 x 65535 pixels.
import fc from "fast-check";

/** A mutation of a sample in one of these formats: what was done, in words, and the body. */
export interface FormatMutation {
  what: string;
  body: Buffer;
  /** A well-formed file (another shape, byte order or layout): a 5xx answer to it is not judged. */
  valid?: true;
}

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

interface Npy {
  major: number;
  header: string;
  data: Buffer;
}

function parseNpy(b: Buffer): Npy | undefined {
  if (b.length < 10 || !b.subarray(0, 6).equals(NPY_MAGIC)) return undefined;
  const major = b[6]!;
  const wide = major >= 2;
  const lenBytes = wide ? 4 : 2;
  if (b.length < 8 + lenBytes) return undefined;
  const len = wide ? b.readUInt32LE(8) : b.readUInt16LE(8);
  const start = 8 + lenBytes;
  if (b.length < start + len) return undefined;
  return { major, header: b.subarray(start, start + len).toString("latin1"), data: b.subarray(start + len) };
}

/** An .npy file of version 1.0 with this header dict, padded as NumPy pads it (to a multiple of 64, ending in \n). */
export function npyFile(header: string, data: Buffer): Buffer {
  const bare = header.trimEnd();
  // Version 1.0 holds a header of up to 65535 bytes; 2.0 has a 4-byte length for longer ones.
  const wide = 10 + bare.length + 1 > 0xffff;
  const prefix = wide ? 12 : 10;
  const total = Math.ceil((prefix + bare.length + 1) / 64) * 64;
  const padded = `${bare}${" ".repeat(total - prefix - bare.length - 1)}\n`;
  const len = Buffer.alloc(wide ? 4 : 2);
  if (wide) len.writeUInt32LE(padded.length);
  else len.writeUInt16LE(padded.length);
  return Buffer.concat([NPY_MAGIC, Buffer.from(wide ? [2, 0] : [1, 0]), len, Buffer.from(padded, "latin1"), data]);
}

/** A small float64 array of shape (1, 3), as np.save writes it. */
export function sampleNpy(): Buffer {
  const data = Buffer.alloc(24);
  [0.5, 1.5, 2.5].forEach((v, i) => data.writeDoubleLE(v, i * 8));
  return npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }", data);
}

function npyMutations(npy: Npy): fc.Arbitrary<FormatMutation> {
  const withHeader = (what: string, header: string, data = npy.data, valid = false): FormatMutation => ({ what, body: npyFile(header, data), ...(valid ? { valid: true as const } : {}) });
  const setKey = (key: string, value: string) => npy.header.replace(new RegExp(`'${key}':\\s*(\\([^)]*\\)|'[^']*'|\\w+)`), `'${key}': ${value}`);
  return fc.oneof(
    fc.constantFrom("(1000000000, 3)", "(0, 3)", "()", "(-1, 3)", "(3, 1)", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)").map((shape) =>
      withHeader(`npy: shape ${shape.length > 20 ? "of 33 dimensions" : shape} in the header, the data unchanged`, setKey("shape", shape), npy.data, shape === "(3, 1)"),
    ),
    fc.constantFrom("'|O'", "'<U10'", "'>f8'", "'<c16'", "'|V8'", "'<M8[s]'", "'unknown'").map((descr) => withHeader(`npy: dtype ${descr} in the header, the data unchanged`, setKey("descr", descr))),
    fc.constant(withHeader("npy: fortran_order True", setKey("fortran_order", "True"), npy.data, true)),
    fc.constant(withHeader("npy: a header that is not a dict", "[1, 2, 3]")),
    fc.constant(withHeader("npy: a header with a call in it", "{'descr': __import__('os').getpid(), 'fortran_order': False, 'shape': (1, 3), }")),
    fc.integer({ min: 0, max: Math.max(0, npy.data.length - 1) }).map((n) => withHeader(`npy: the data cut to ${n} bytes`, npy.header, npy.data.subarray(0, n))),
    fc.constant({ what: "npy: version 9.9", body: Buffer.concat([NPY_MAGIC, Buffer.from([9, 9]), npyFile(npy.header, npy.data).subarray(8)]) }),
    fc.constant({
      what: "npy: a header length past the end of the body",
      body: (() => {
        const b = Buffer.from(npyFile(npy.header, npy.data));
        b.writeUInt16LE(0xffff, 8);
        return b;
      })(),
    }),
    fc.constant({ what: "npy: the magic string alone", body: Buffer.from(NPY_MAGIC) }),
  );
}

const RECORDIO_MAGIC = 0xced7230a;

/** One RecordIO record: magic, length (with the record kind in the top 3 bits), the payload, padding to 4 bytes. */
function recordioRecord(payload: Buffer, claimed = payload.length): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(RECORDIO_MAGIC, 0);
  head.writeUInt32LE(claimed & 0x1fffffff, 4);
  return Buffer.concat([head, payload, Buffer.alloc((4 - (payload.length % 4)) % 4)]);
}

function recordioMutations(sample: Buffer): fc.Arbitrary<FormatMutation> {
  const first = sample.length >= 8 && sample.readUInt32LE(0) === RECORDIO_MAGIC ? sample.subarray(8, 8 + (sample.readUInt32LE(4) & 0x1fffffff)) : Buffer.alloc(0);
  return fc.oneof(
    fc.constantFrom(0x1fffffff, first.length + 1, 0).map((claimed) => ({ what: `recordio: the first record claims ${claimed} bytes`, body: Buffer.concat([recordioRecord(first, claimed), sample.subarray(8 + first.length + ((4 - (first.length % 4)) % 4))]) })),
    fc.constant({ what: "recordio: a wrong magic number", body: Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), sample.subarray(4)]) }),
    fc.constant({ what: "recordio: an empty record", body: recordioRecord(Buffer.alloc(0)) }),
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ what: `recordio: a record of ${b.length} random bytes (not a protobuf Record)`, body: recordioRecord(Buffer.from(b)) })),
    fc.constant({ what: "recordio: the sample's record twice over, the second cut", body: Buffer.concat([sample, sample.subarray(0, Math.max(4, sample.length >> 1))]) }),
  );
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks carry it. */
export function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const byte of b) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The PNG with its IHDR width and height replaced, the chunk's CRC made right again so a decoder believes it. */
function pngWithSize(png: Buffer, width: number, height: number): Buffer | undefined {
  if (png.length < 33 || !png.subarray(0, 8).equals(PNG_MAGIC) || png.toString("latin1", 12, 16) !== "IHDR") return undefined;
  const b = Buffer.from(png);
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b.writeUInt32BE(crc32(b.subarray(12, 29)), 29);
  return b;
}

function imageMutations(sample: Buffer): fc.Arbitrary<FormatMutation> {
  const png = sample.subarray(0, 8).equals(PNG_MAGIC);
  const jpeg = sample[0] === 0xff && sample[1] === 0xd8;
  const big = png ? pngWithSize(sample, 65535, 65535) : undefined;
  return fc.oneof(
    ...(big ? [fc.constant({ what: "image: a PNG whose header claims 65535 x 65535 pixels", body: big })] : []),
    ...(png && big ? [fc.constant({ what: "image: a PNG of 0 x 0 pixels", body: pngWithSize(sample, 0, 0)! })] : []),
    fc.integer({ min: 0, max: Math.max(0, sample.length - 1) }).map((n) => ({ what: `image: cut after ${n} bytes`, body: sample.subarray(0, n) })),
    fc.constant({ what: "image: the signature alone", body: png ? Buffer.from(PNG_MAGIC) : jpeg ? Buffer.from([0xff, 0xd8, 0xff]) : sample.subarray(0, 4) }),
    fc.constant({ what: `image: a ${png ? "JPEG" : "PNG"} signature on this body`, body: Buffer.concat([png ? Buffer.from([0xff, 0xd8, 0xff, 0xe0]) : PNG_MAGIC, sample.subarray(png ? 8 : 2)]) }),
  );
}

const mediaOf = (type: string) => type.split(";")[0]!.trim().toLowerCase();

/** Mutations that know the sample's format, when byoc-check knows it and the sample parses as it; else undefined. */
export function formatMutations(contentType: string, body: Buffer): fc.Arbitrary<FormatMutation> | undefined {
  const media = mediaOf(contentType);
  if (media === "application/x-npy") {
    const npy = parseNpy(body);
    return npy ? npyMutations(npy) : undefined;
  }
  if (media === "application/x-recordio-protobuf") return body.length >= 8 && body.readUInt32LE(0) === RECORDIO_MAGIC ? recordioMutations(body) : undefined;
  if (media.startsWith("image/") && body.length > 8) return imageMutations(body);
  return undefined;
}
