import { execFileSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");

/** Integration tests run the built CLI against fixture images in a real Docker engine: build both first. */
export default function setup(): void {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 30_000 });
  } catch {
    throw new Error("integration tests need a running Docker engine: run scripts/setup.sh (or start dockerd) first");
  }
  execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });
  chmodSync(join(ROOT, "dist", "src", "cli", "main.js"), 0o755);
  execFileSync(join(ROOT, "scripts", "build-images.sh"), { stdio: "inherit", timeout: 900_000 });
}
