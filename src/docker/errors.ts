import { EnvironmentError } from "../errors.js";

export function engineAddress(): string {
  return process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

const START_HINT = "start the Docker engine (systemctl start docker, or dockerd &), or point DOCKER_HOST at a running one";

/** Turns a failed Engine call into an expected error when it is the environment's fault; otherwise returns it unchanged. */
export function engineError(error: unknown, doing: string): unknown {
  const e = error as NodeJS.ErrnoException & { statusCode?: number; json?: { message?: string } | null; reason?: string };
  switch (e?.code) {
    case "ECONNREFUSED":
    case "ENOENT":
    case "ECONNRESET":
    case "EPIPE":
    case "EHOSTUNREACH":
    case "ENOTFOUND":
      return new EnvironmentError(`the Docker engine at ${engineAddress()} is not reachable (${e.code} while ${doing})`, START_HINT, { cause: error });
    case "EACCES":
      return new EnvironmentError(
        `permission denied on the Docker engine socket ${engineAddress()}`,
        "add your user to the docker group (then log in again), or run with a DOCKER_HOST you may use",
        { cause: error },
      );
  }
  if (e instanceof Error && /timeout|timed out/i.test(e.message) && e.statusCode === undefined) {
    return new EnvironmentError(`the Docker engine at ${engineAddress()} did not answer in time while ${doing}`, "check that the engine is healthy: docker info", { cause: error });
  }
  return error;
}

export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number })?.statusCode;
}

export function engineMessage(error: unknown): string {
  const e = error as { json?: { message?: string } | null; message?: string };
  return e?.json?.message ?? e?.message ?? String(error);
}
