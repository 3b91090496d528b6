// One layer scan, alone in its process so that its peak RSS is its own: prints {"ms", "maxRssMiB", "entries"}. With
// "read" as the second argument, only reads the Engine's export through the same client, parsing nothing.
import { DockerSession } from "../src/docker/session.js";
import { dockerImageSource } from "../src/docker/image.js";
import { scanLayers } from "../src/engine/layer-scan.js";
import { parseImageReference } from "../src/image/reference.js";

const image = process.argv[2]!;
const session = await DockerSession.open();
try {
  const source = dockerImageSource(session, parseImageReference(image));
  const { config } = await source.describe();
  const t0 = performance.now();
  if (process.argv[3] === "read") {
    const { id } = (await source.describe()).facts;
    let bytes = 0;
    for await (const chunk of (await session.docker.getImage(id).get()) as AsyncIterable<Buffer>) bytes += chunk.length;
    console.log(JSON.stringify({ ms: performance.now() - t0, maxRssMiB: process.resourceUsage().maxRSS / 1024, entries: 0, bytes }));
    process.exit(0);
  }
  const facts = await scanLayers((o) => source.readLayers(o), config, new AbortController().signal);
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, entries: facts.entries, elves: facts.elfCount }));
} finally {
  await session.close();
}
