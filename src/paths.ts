import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(): string {
  // Works from src/ (tests, tsx) and from dist/src/ (the built CLI) alike.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, "utf8")).name === "byoc-check") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("byoc-check: cannot find its own package.json");
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const SPECS_DIR = join(PACKAGE_ROOT, "specs");
export const SCHEMAS_DIR = join(PACKAGE_ROOT, "schemas");

const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { name: string; version: string };
export const TOOL = { name: pkg.name, version: pkg.version } as const;
