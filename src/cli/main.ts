#!/usr/bin/env node
// Kept free of imports so that an old Node prints one clear line instead of a syntax error from a dependency.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `byoc-check: error: Node.js ${process.versions.node} is too old (hint: byoc-check needs Node.js 22 or newer; in its repository, bin/byoc-check uses the Node that npm install put there)\n`,
  );
  process.exit(3);
}
const { main } = await import("./program.js");
const code = await main(process.argv.slice(2));
// Everything byoc-check made is gone by now; a request still in flight (an engine that stopped answering) must not
// hold the process open until its socket times out. Exit once both streams have flushed.
const flushed = (s: NodeJS.WriteStream) => new Promise<void>((resolve) => s.write("", () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
