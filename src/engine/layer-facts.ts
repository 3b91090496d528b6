// What the static checks read from the single pass over an image's layers (issue 6): the layers themselves, the
// GPU stack, the secrets in any layer, and where each shared library's NEEDED entries resolve.
import type { GpuFacts } from "../image/gpu-inventory.js";
import type { NeededResolution } from "../image/ld.js";
import type { SecretHit } from "../image/secret-files.js";
import type { InstanceInfo } from "../spec/instances.js";

export interface LayerSummary {
  /** 0 is the bottom layer. */
  index: number;
  /** sha256 of the uncompressed layer, as it streamed. */
  diffId?: string;
  /** The diff id the image config lists for this layer, when it differs from what streamed. */
  expectedDiffId?: string;
}

export interface LayerSecret {
  hit: SecretHit;
  layer: LayerSummary;
  /** A later layer deletes or replaces the file: it still ships in the image. */
  deletedLater: boolean;
}

export interface UnresolvedLibrary {
  path: string;
  missing: Array<Extract<NeededResolution, { found: false }>>;
}

export interface LayerFacts {
  layers: LayerSummary[];
  gpu: GpuFacts;
  secrets: LayerSecret[];
  /** Shared objects with NEEDED entries the loader would not find. */
  unresolved: UnresolvedLibrary[];
  /** Shared objects read, and those whose tables lay outside what a streaming read keeps. */
  elfCount: number;
  entries: number;
}

/** The targets the GPU rules judge: --instance, --instance-count, and the host driver options. */
export interface GpuTargets {
  instances: readonly InstanceInfo[];
  count: number;
  driver?: string;
  ami?: string;
  specsDir?: string;
}
