import { EnvironmentError } from "../errors.js";
import type { ImageFacts } from "../engine/check.js";
import type { ImageSource } from "../engine/source.js";
import { configFromInspect, type InspectConfig } from "../image/config.js";
import type { ImageReference } from "../image/reference.js";
import { engineError, statusOf } from "./errors.js";
import { readImageStream } from "../image/archive.js";
import { openInspectionFs } from "./inspect-fs.js";
import type { DockerSession } from "./session.js";

interface InspectInfo {
  Id: string;
  RepoDigests?: string[] | null;
  Os?: string;
  Architecture?: string;
  Variant?: string;
  Config?: InspectConfig | null;
}

function pickDigest(info: InspectInfo, ref: ImageReference): string | undefined {
  const digests = info.RepoDigests ?? [];
  const own = ref.name ? digests.find((d) => d.startsWith(`${ref.name}@`)) : undefined;
  return (own ?? digests[0])?.split("@")[1];
}

export function dockerImageSource(session: DockerSession, ref: ImageReference): ImageSource {
  let id: string | undefined;
  return {
    async describe() {
      let info: InspectInfo;
      try {
        info = (await session.docker.getImage(ref.raw).inspect()) as InspectInfo;
      } catch (e) {
        if (statusOf(e) === 404) {
          throw new EnvironmentError(
            `image "${ref.raw}" is not in the Docker engine`,
            "list the images it has with `docker images`, or build this one with `docker build -t " + (ref.name ?? ref.raw) + " .`",
          );
        }
        throw engineError(e, `inspecting image ${ref.raw}`);
      }
      id = info.Id;
      const facts: ImageFacts = { ref: ref.raw, id: info.Id, os: info.Os ?? "", architecture: info.Architecture ?? "" };
      const digest = pickDigest(info, ref);
      if (digest) facts.digest = digest;
      if (info.Variant) facts.variant = info.Variant;
      return { facts, config: configFromInspect(info.Config) };
    },
    async openFs() {
      if (!id) throw new Error("describe() must run before openFs()");
      return openInspectionFs(session, id);
    },
    async readLayers(options) {
      if (!id) throw new Error("describe() must run before readLayers()");
      let stream: NodeJS.ReadableStream;
      try {
        // GET /images/{id}/get: the `docker save` stream, read once and never written to disk.
        stream = await session.docker.getImage(id).get();
      } catch (e) {
        throw engineError(e, `exporting image ${ref.raw}`);
      }
      try {
        return await readImageStream(stream as NodeJS.ReadableStream & AsyncIterable<Buffer>, options);
      } finally {
        (stream as unknown as { destroy?: () => void }).destroy?.();
      }
    },
  };
}
