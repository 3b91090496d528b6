import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/paths.js";

// Who may talk to what (STYLE.md, Layout): dockerode only in src/docker/, undici only in src/http/, tar only where
// layers are read; a check gets its inputs through its context and imports none of them.

const SOURCE = /\.(?:[cm]?ts|[cm]?js|tsx)$/;
const ROOTS = ["src", "conformance", "scripts"].filter((d) => existsSync(join(PACKAGE_ROOT, d)));

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : walk(path);
    return e.isFile() && SOURCE.test(e.name) && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The bare package names a file imports: static, type-only, re-exports, dynamic import() and require(). */
function importedPackages(text: string): Set<string> {
  const out = new Set<string>();
  const spec = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["']([^"'.][^"']*)["']/g;
  for (const m of text.matchAll(spec)) {
    const name = m[1]!;
    if (name.startsWith("node:")) continue;
    out.add(name.startsWith("@") ? name.split("/").slice(0, 2).join("/") : name.split("/")[0]!);
  }
  return out;
}

/** The repository paths a file imports by relative specifier. */
function importedFiles(abs: string, text: string): string[] {
  const spec = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']*)["']/g;
  return [...text.matchAll(spec)].map((m) => relative(PACKAGE_ROOT, resolve(dirname(abs), m[1]!)).split(sep).join("/"));
}

const FILES = ROOTS.flatMap((r) => walk(join(PACKAGE_ROOT, r))).map((abs) => {
  const text = readFileSync(abs, "utf8");
  return { file: relative(PACKAGE_ROOT, abs).split(sep).join("/"), packages: importedPackages(text), files: importedFiles(abs, text) };
});

const importers = (pkg: string) => FILES.filter((f) => f.packages.has(pkg)).map((f) => f.file);

describe("importedPackages", () => {
  it.each([
    ['import Docker from "dockerode";', "dockerode"],
    ['import type Docker from "dockerode";', "dockerode"],
    ["import { Parser, type ReadEntry } from 'tar';", "tar"],
    ['export { request } from "undici";', "undici"],
    ['const { request } = await import("undici");', "undici"],
    ['const tar = require("tar");', "tar"],
    ['import "tar";', "tar"],
    ['import { x } from "tar/dist/esm/index.js";', "tar"],
    ['import { Ajv2020 } from "ajv/dist/2020.js";', "ajv"],
    ['import x from "@scope/pkg/sub";', "@scope/pkg"],
  ])("finds the package in %s", (line, pkg) => {
    expect([...importedPackages(line)]).toEqual([pkg]);
  });

  it.each(['import { x } from "./tar.js";', 'import { readFileSync } from "node:fs";', "// reads the tar stream", 'const s = "dockerode";'])("finds none in %s", (line) => {
    expect([...importedPackages(line)]).toEqual([]);
  });
});

describe("import boundaries", () => {
  it("walks the source trees", () => {
    expect(ROOTS).toContain("src");
    expect(ROOTS).toContain("conformance");
    expect(FILES.some((f) => f.file === "src/docker/session.ts")).toBe(true);
    expect(FILES.some((f) => f.file === "conformance/index.ts")).toBe(true);
  });

  it("only src/docker/ imports dockerode", () => {
    expect(importers("dockerode").filter((f) => !f.startsWith("src/docker/"))).toEqual([]);
    expect(importers("dockerode").length).toBeGreaterThan(0);
  });

  it("only src/http/ imports undici", () => {
    expect(importers("undici").filter((f) => !f.startsWith("src/http/"))).toEqual([]);
  });

  it("only src/registry/ecr.ts imports the AWS SDK, and only src/report/tui/ imports ink or React", () => {
    expect(importers("@aws-sdk/client-ecr").filter((f) => f !== "src/registry/ecr.ts")).toEqual([]);
    expect(importers("@aws-sdk/client-ecr")).toEqual(["src/registry/ecr.ts"]);
    // The CLI loads the interactive report with a dynamic import: --version and the plain renderers never load React.
    expect([...importers("ink"), ...importers("react")].filter((f) => !f.startsWith("src/report/tui/"))).toEqual([]);
    expect(importers("ink").length).toBeGreaterThan(0);
  });

  it("only src/docker/ and src/image/ import tar", () => {
    expect(importers("tar").filter((f) => !f.startsWith("src/docker/") && !f.startsWith("src/image/"))).toEqual([]);
  });

  it("nothing under conformance/ imports dockerode, undici or tar", () => {
    const offenders = FILES.filter((f) => f.file.startsWith("conformance/")).flatMap((f) =>
      ["dockerode", "undici", "tar"].filter((p) => f.packages.has(p)).map((p) => `${f.file} imports ${p}`),
    );
    expect(offenders).toEqual([]);
  });

  it("nothing under conformance/ reaches into src/docker/ or src/http/", () => {
    const offenders = FILES.filter((f) => f.file.startsWith("conformance/")).flatMap((f) =>
      f.files.filter((t) => t.startsWith("src/docker/") || t.startsWith("src/http/")).map((t) => `${f.file} imports ${t}`),
    );
    expect(offenders).toEqual([]);
    expect(FILES.find((f) => f.file === "conformance/index.ts")!.files).toContain("src/engine/check.js");
  });
});
