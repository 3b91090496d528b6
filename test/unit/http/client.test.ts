import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type HttpClient, type HttpOutcome, type HttpResponse, httpClient, tcpConnect } from "../../../src/http/client.js";
import { closedPort } from "../helpers/fake-server.js";

const servers: Server[] = [];
const clients: HttpClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/** A node:http server on 127.0.0.1 at a random port, and a client for it. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ client: HttpClient; port: number; server: Server }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const client = httpClient(`http://127.0.0.1:${port}`);
  clients.push(client);
  return { client, port, server };
}

function answer(o: HttpOutcome): HttpResponse {
  expect(o.ok, JSON.stringify(o)).toBe(true);
  if (!o.ok) throw new Error("no answer");
  return o;
}

function failure(o: HttpOutcome) {
  expect(o.ok, JSON.stringify(o)).toBe(false);
  if (o.ok) throw new Error("an answer");
  return o;
}

describe("httpClient.request", () => {
  it("gives the status, lower-cased headers (repeats joined) and the body", async () => {
    const seen: Array<{ method?: string; url?: string; type?: string; body: string }> = [];
    const { client } = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (d: Buffer) => chunks.push(d));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, type: req.headers["content-type"], body: Buffer.concat(chunks).toString() });
        res.setHeader("X-Model-Version", "3");
        res.setHeader("Set-Cookie", ["a=1", "b=2"]);
        res.writeHead(201, { "Content-Type": "application/json" }).end('{"ok": true}');
      });
    });
    const r = answer(await client.request({ method: "POST", path: "/invocations", headers: { "Content-Type": "text/csv" }, body: Buffer.from("1,2\n"), timeoutMs: 1_000 }));
    expect(r.status).toBe(201);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["x-model-version"]).toBe("3");
    expect(r.headers["set-cookie"]).toBe("a=1, b=2");
    expect(r.body.toString()).toBe('{"ok": true}');
    expect(r.bodyOver).toBe(false);
    expect(r.headersMs).toBeGreaterThanOrEqual(0);
    expect(r.totalMs).toBeGreaterThanOrEqual(r.headersMs);
    expect(seen).toEqual([{ method: "POST", url: "/invocations", type: "text/csv", body: "1,2\n" }]);
  });

  it("answers a 4xx or 5xx as an answer, not a failure", async () => {
    const { client } = await serve((_req, res) => res.writeHead(503).end("busy"));
    const r = answer(await client.request({ method: "GET", path: "/ping", timeoutMs: 1_000 }));
    expect(r.status).toBe(503);
    expect(r.body.toString()).toBe("busy");
  });

  it("reads a body of exactly maxBodyBytes whole", async () => {
    const { client } = await serve((_req, res) => res.end(Buffer.alloc(1_000, "x")));
    const r = answer(await client.request({ method: "GET", path: "/", timeoutMs: 1_000, maxBodyBytes: 1_000 }));
    expect(r.body.length).toBe(1_000);
    expect(r.bodyOver).toBe(false);
  });

  it("cuts a body over maxBodyBytes, sets bodyOver, and keeps working for the next request", async () => {
    const { client } = await serve((req, res) => {
      if (req.url === "/big") {
        // Several chunks, the limit falling inside the second.
        res.write(Buffer.alloc(600, "a"));
        res.write(Buffer.alloc(600, "b"));
        res.end(Buffer.alloc(600, "c"));
      } else res.end("small");
    });
    const r = answer(await client.request({ method: "GET", path: "/big", timeoutMs: 1_000, maxBodyBytes: 1_000 }));
    expect(r.status).toBe(200);
    expect(r.bodyOver).toBe(true);
    expect(r.body.length).toBe(1_000);
    expect(r.body.subarray(0, 600).toString()).toBe("a".repeat(600));
    expect(r.body.subarray(600).toString()).toBe("b".repeat(400));
    expect(answer(await client.request({ method: "GET", path: "/small", timeoutMs: 1_000 })).body.toString()).toBe("small");
  });

  it("gives timeout when no headers come within the deadline", async () => {
    const { client } = await serve(() => {});
    const t0 = performance.now();
    const f = failure(await client.request({ method: "GET", path: "/ping", timeoutMs: 150 }));
    expect(f.kind).toBe("timeout");
    expect(f.message).toBe("no answer within 150 ms");
    expect(f.status).toBeUndefined();
    expect(f.afterMs).toBeGreaterThanOrEqual(140);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it("gives timeout, with the status, when the body stalls past the deadline", async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(200, { "Content-Length": "100" });
      res.write("partial");
    });
    const f = failure(await client.request({ method: "GET", path: "/", timeoutMs: 150 }));
    expect(f.kind).toBe("timeout");
    expect(f.status).toBe(200);
  });

  it("gives refused when nothing listens", async () => {
    const client = httpClient(`http://127.0.0.1:${await closedPort()}`);
    clients.push(client);
    const f = failure(await client.request({ method: "GET", path: "/ping", timeoutMs: 1_000, fresh: true }));
    expect(f.kind).toBe("refused");
    expect(f.message).toBe("connection refused");
  });

  it("gives closed when the server drops the connection without an answer", async () => {
    const { client } = await serve((req) => req.socket.destroy());
    const f = failure(await client.request({ method: "POST", path: "/invocations", body: Buffer.from("x"), timeoutMs: 1_000 }));
    expect(["closed", "reset"]).toContain(f.kind);
    expect(f.message).toMatch(/^the connection was (closed without an answer|reset)$/);
  });

  it("gives reset when the server resets the connection", async () => {
    const { client } = await serve((req) => req.socket.resetAndDestroy());
    const f = failure(await client.request({ method: "GET", path: "/ping", timeoutMs: 1_000 }));
    expect(f.kind).toBe("reset");
    expect(f.message).toBe("the connection was reset");
  });

  it("keeps the status of a body cut short by the server", async () => {
    const { client } = await serve((req, res) => {
      res.writeHead(200, { "Content-Length": "100" });
      res.write("abc");
      setTimeout(() => req.socket.destroy(), 10);
    });
    const f = failure(await client.request({ method: "GET", path: "/", timeoutMs: 1_000 }));
    expect(["closed", "reset"]).toContain(f.kind);
    expect(f.status).toBe(200);
  });

  it("keeps connections alive between requests", async () => {
    const ports: number[] = [];
    const { client } = await serve((req, res) => {
      ports.push(req.socket.remotePort!);
      res.end("ok");
    });
    for (let i = 0; i < 10; i++) answer(await client.request({ method: "GET", path: "/", timeoutMs: 1_000 }));
    // Sequential requests share connections (undici may open a second one while the first drains).
    expect(new Set(ports).size).toBeLessThan(10);
  });

  it("closes the connection after a fresh request", async () => {
    const closes: string[] = [];
    const { client } = await serve((req, res) => {
      res.end("ok");
      req.socket.once("close", () => closes.push(req.url!));
    });
    answer(await client.request({ method: "GET", path: "/fresh", timeoutMs: 1_000, fresh: true }));
    await new Promise((r) => setTimeout(r, 20));
    expect(closes).toEqual(["/fresh"]);
  });

  it("uses a new connection for each fresh request, never a kept-alive one", async () => {
    const ports: number[] = [];
    const { client } = await serve((req, res) => {
      ports.push(req.socket.remotePort!);
      res.end("ok");
    });
    // Two requests at once leave two idle kept-alive connections in the pool.
    await Promise.all([client.request({ method: "GET", path: "/", timeoutMs: 1_000 }), client.request({ method: "GET", path: "/", timeoutMs: 1_000 })]);
    const kept = new Set(ports);
    expect(kept.size).toBe(2);
    ports.length = 0;
    for (let i = 0; i < 3; i++) answer(await client.request({ method: "GET", path: "/ping", timeoutMs: 1_000, fresh: true }));
    expect(new Set(ports).size).toBe(3);
    expect(ports.filter((p) => kept.has(p))).toEqual([]);
  });

  it("rethrows the caller's abort rather than calling it a timeout", async () => {
    const { client } = await serve(() => {});
    const ac = new AbortController();
    const reason = new Error("interrupted");
    setTimeout(() => ac.abort(reason), 30);
    await expect(client.request({ method: "GET", path: "/", timeoutMs: 5_000, signal: ac.signal })).rejects.toBe(reason);
  });
});

describe("tcpConnect", () => {
  it("measures an accepted connection", async () => {
    const { port } = await serve((_req, res) => res.end());
    const o = await tcpConnect("127.0.0.1", port, 1_000);
    expect(o.ok, JSON.stringify(o)).toBe(true);
    expect(o.ms).toBeGreaterThanOrEqual(0);
    expect(o.ms).toBeLessThan(1_000);
  });

  it("gives refused when nothing listens", async () => {
    const o = await tcpConnect("127.0.0.1", await closedPort(), 1_000);
    expect(o).toMatchObject({ ok: false, kind: "refused", message: "connection refused" });
  });
});
