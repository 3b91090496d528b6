/** The parts of an image configuration the checks read, normalised from the Engine's image inspect. */
export interface ImageConfig {
  /** null when the image sets none (`ENTRYPOINT []` counts as none). */
  entrypoint: string[] | null;
  cmd: string[] | null;
  /** In image order; a name may repeat only if the image was hand-made. */
  env: ReadonlyArray<readonly [name: string, value: string]>;
  /** "" when unset, which means root. */
  user: string;
  workingDir: string;
  labels: Readonly<Record<string, string>>;
  volumes: string[];
  exposedPorts: string[];
}

/** The PATH Docker gives a container whose image sets none. */
export const DOCKER_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface InspectConfig {
  Entrypoint?: string[] | string | null;
  Cmd?: string[] | string | null;
  Env?: string[] | null;
  User?: string;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  Volumes?: Record<string, unknown> | null;
  ExposedPorts?: Record<string, unknown> | null;
}

function list(v: string[] | string | null | undefined): string[] | null {
  if (v === null || v === undefined) return null;
  const arr = typeof v === "string" ? [v] : v;
  return arr.length === 0 ? null : arr;
}

export function configFromInspect(c: InspectConfig | null | undefined): ImageConfig {
  const cfg = c ?? {};
  return {
    entrypoint: list(cfg.Entrypoint),
    cmd: list(cfg.Cmd),
    env: (cfg.Env ?? []).map((kv) => {
      const eq = kv.indexOf("=");
      return eq < 0 ? ([kv, ""] as const) : ([kv.slice(0, eq), kv.slice(eq + 1)] as const);
    }),
    user: cfg.User ?? "",
    workingDir: cfg.WorkingDir || "/",
    labels: cfg.Labels ?? {},
    volumes: Object.keys(cfg.Volumes ?? {}),
    exposedPorts: Object.keys(cfg.ExposedPorts ?? {}),
  };
}

/** The last value the image gives `name`, as the container would see it. */
export function envValue(config: ImageConfig, name: string): string | undefined {
  for (let i = config.env.length - 1; i >= 0; i--) if (config.env[i]![0] === name) return config.env[i]![1];
  return undefined;
}

export function searchPath(config: ImageConfig): string {
  return envValue(config, "PATH") ?? DOCKER_DEFAULT_PATH;
}
