import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ElfError, isElf, parseElf, sectionBytes } from "../../../src/image/elf.js";

// Real binaries: the Node.js running these tests, and the machine's shared libraries.
const NODE = realpathSync(process.execPath);
const node = readFileSync(NODE);
const LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu"].filter(existsSync);
const libraries = LIB_DIRS.flatMap((d) => readdirSync(d).filter((f) => /\.so(\.\d+)*$/.test(f)).map((f) => join(d, f)))
  .filter((p) => {
    try {
      return isElf(readFileSync(p).subarray(0, 4));
    } catch {
      return false;
    }
  })
  .slice(0, 40);
const readelf = spawnSync("readelf", ["--version"]).status === 0;

/** What readelf -d says of a file: NEEDED, SONAME, RPATH, RUNPATH. */
function readelfDynamic(path: string): { needed: string[]; soname?: string; rpath: string[]; runpath: string[] } {
  const out = spawnSync("readelf", ["-d", "-W", path], { encoding: "utf8" }).stdout;
  const values = (kind: string) => [...out.matchAll(new RegExp(`\\(${kind}\\)\\s+\\S.*?\\[(.*)\\]`, "g"))].map((m) => m[1]!);
  const soname = values("SONAME")[0];
  return { needed: values("NEEDED"), ...(soname ? { soname } : {}), rpath: values("RPATH").flatMap((v) => v.split(":").filter(Boolean)), runpath: values("RUNPATH").flatMap((v) => v.split(":").filter(Boolean)) };
}

describe("parseElf on real binaries", () => {
  it("reads the Node.js executable: 64-bit, the loader it names, libc among what it needs", () => {
    const info = parseElf(node);
    expect(info.bits).toBe(64);
    expect(info.endian).toBe("little");
    expect([62, 183]).toContain(info.machine); // x86-64 or AArch64
    expect(info.interpreter).toMatch(/^\/lib(64)?\/ld-linux-(x86-64|aarch64)\.so\.\d$/);
    expect(info.needed).toContain("libc.so.6");
    expect(info.sections.map((s) => s.name)).toEqual(expect.arrayContaining([".text", ".dynamic", ".dynstr"]));
    expect(sectionBytes(node, info, ".interp")!.toString("latin1")).toBe(`${info.interpreter}\0`);
  });

  it.runIf(readelf && libraries.length > 0)("agrees with readelf -d on the machine's shared libraries", () => {
    for (const path of libraries) {
      const info = parseElf(readFileSync(path));
      expect({ needed: info.needed, ...(info.soname ? { soname: info.soname } : {}), rpath: info.rpath, runpath: info.runpath }, path).toEqual(readelfDynamic(path));
    }
  }, 30_000);
});

describe("parseElf on bad input", () => {
  it.each([
    ["not ELF", Buffer.from("#!/bin/sh\n"), "not an ELF file"],
    ["a truncated header", node.subarray(0, 40), "truncated ELF header"],
    ["an unknown class", Buffer.concat([node.subarray(0, 4), Buffer.from([9]), node.subarray(5, 64)]), "unknown ELF class 9"],
    ["a program header table past the end", node.subarray(0, 100), "the program header table lies outside the file"],
  ])("refuses %s with an ElfError", (_, bytes, message) => {
    expect(() => parseElf(bytes)).toThrow(ElfError);
    expect(() => parseElf(bytes)).toThrow(message);
  });

  it("throws only ElfError, whatever bytes of the headers are changed", () => {
    const head = Buffer.from(node.subarray(0, 64 * 1024));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 4095 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 16 }), (edits) => {
        const b = Buffer.from(head);
        for (const [at, v] of edits) b[at] = v;
        try {
          parseElf(b);
        } catch (e) {
          if (!(e instanceof ElfError)) throw e;
        }
      }),
      { seed: 11, numRuns: 2000 },
    );
  });
});
