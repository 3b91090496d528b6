#!/usr/bin/env node
// Kept free of imports so that an old Node prints one clear line instead of a syntax error from a dependency.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `byoc-check: error: Node.js ${process.versions.node} is too old (hint: byoc-check needs Node.js 22 or newer; in its repository, npx byoc-check uses the Node it installs)\n`,
  );
  process.exit(3);
}
const { main } = await import("./program.js");
process.exitCode = await main(process.argv.slice(2));
