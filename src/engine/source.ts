import type { ImageConfig } from "../image/config.js";
import type { ImageFs } from "../image/fs.js";
import type { ImageFacts } from "./check.js";
import type { LayerReader } from "./layer-scan.js";

/** Where the engine gets the image under test from: the Docker engine today; archives and registries later. */
export interface ImageSource {
  describe(): Promise<{ facts: ImageFacts; config: ImageConfig }>;
  openFs(): Promise<ImageFs & { close(): Promise<void> }>;
  /** Streams the image's layers once through the consumers given. */
  readLayers: LayerReader;
}
