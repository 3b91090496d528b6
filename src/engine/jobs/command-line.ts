import type { ContainerSpec } from "./types.js";

/** Quotes a word for a POSIX shell only when it needs it. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `docker run` line that starts the same container by hand. The CLI's --entrypoint takes one word, so the rest of
 * a multi-word ContainerEntrypoint goes before the arguments, which is what Docker runs in either case.
 */
export function dockerRunLine(spec: ContainerSpec): string {
  const words = ["docker", "run", "--rm"];
  if (spec.hostname !== undefined) words.push("--hostname", spec.hostname);
  if (spec.network !== "bridge") words.push("--network", spec.network);
  for (const p of spec.ports ?? []) words.push("-p", `127.0.0.1:${p}:${p}`);
  for (const [k, v] of spec.env) words.push("-e", `${k}=${v}`);
  for (const m of spec.mounts) words.push("-v", `${m.source}:${m.target}${m.readOnly ? ":ro" : ""}`);
  const [program, ...entrypointRest] = spec.entrypoint ?? [];
  if (program !== undefined) words.push("--entrypoint", program);
  words.push(spec.image, ...entrypointRest, ...(spec.cmd ?? []));
  return words.map(shellQuote).join(" ");
}
