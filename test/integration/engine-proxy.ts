import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const ENGINE_SOCKET = "/var/run/docker.sock";

export interface EngineProxy {
  /** DOCKER_HOST value pointing at the proxy. */
  dockerHost: string;
  /** Requests held so far. */
  held: string[];
  /** Lets every held request through, and all later ones. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A pass-through proxy in front of the real Docker engine that holds matching requests until released: it freezes
 * a byoc-check run at a known point (e.g. reading the image's files) so a test can interrupt it there.
 */
export async function startEngineProxy(hold: (method: string, url: string) => boolean): Promise<EngineProxy> {
  const waiting: Array<() => void> = [];
  const held: string[] = [];
  let releasing = false;

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = request({ socketPath: ENGINE_SOCKET, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    // A client that stops reading early (byoc-check reading the head of a file) must close the engine's side too,
    // as a direct connection would: the engine holds the container's lock while it streams an archive.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    if (!releasing && hold(req.method ?? "GET", req.url ?? "")) {
      held.push(`${req.method} ${req.url}`);
      req.pause();
      waiting.push(() => {
        req.resume();
        forward(req, res);
      });
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const release = () => {
    releasing = true;
    for (const go of waiting.splice(0)) go();
  };
  return {
    dockerHost: `tcp://127.0.0.1:${port}`,
    held,
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
