import { existsSync, readFileSync } from "node:fs";
import { type Server, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseListeners } from "../../../src/docker/run-server.js";

// As the kernel prints them: addresses in hex, each 32-bit word in host (little-endian) order; port 8080 is 1F90.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 81234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 81235 1 0000000000000000 100 0 0 10 0
   2: 3500007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 81236 1 0000000000000000 100 0 0 10 0
   3: 0200000A:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 81237 1 0000000000000000 100 0 0 10 0
   4: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 81238 1 0000000000000000 20 4 30 10 -1
   5: 0200000A:1F90 0100000A:D431 06 00000000:00000000 03:00000F6E 00000000     0        0 0 3 0000000000000000
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91234 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91235 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91236 1 0000000000000000 100 0 0 10 0
   3: 0000000000000000FFFF00000200000A:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91237 1 0000000000000000 100 0 0 10 0
   4: 000080FE00000000FF000002030000FE:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91238 1 0000000000000000 100 0 0 10 0
   5: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:D6D8 01 00000000:00000000 00:00000000 00000000     0        0 91239 1 0000000000000000 20 4 0 10 -1
`;

describe("parseListeners, /proc/net/tcp", () => {
  it("lists the LISTEN rows only, decoding the little-endian address and the hex port", () => {
    expect(parseListeners(TCP, 4)).toEqual([
      { address: "0.0.0.0", port: 8080, loopback: false },
      { address: "127.0.0.1", port: 8080, loopback: true },
      { address: "127.0.0.53", port: 53, loopback: true },
      { address: "10.0.0.2", port: 5000, loopback: false },
    ]);
  });

  it("gives nothing for a header alone or an empty table", () => {
    expect(parseListeners(TCP.split("\n")[0]!, 4)).toEqual([]);
    expect(parseListeners("", 4)).toEqual([]);
  });

  it("ignores lines it cannot read", () => {
    const table = `${TCP.split("\n")[0]}\n   0: garbage\n\n   1: 00000000 00000000:0000 0A\n   2: 00000000:1F90 00000000:0000 0A\n`;
    expect(parseListeners(table, 4)).toEqual([{ address: "0.0.0.0", port: 8080, loopback: false }]);
  });
});

describe("parseListeners, /proc/net/tcp6", () => {
  it("decodes ::, ::1, IPv4-mapped and other addresses; loopback for ::1 and ::ffff:127.x", () => {
    expect(parseListeners(TCP6, 6)).toEqual([
      { address: "::", port: 8080, loopback: false },
      { address: "::1", port: 8080, loopback: true },
      { address: "::ffff:127.0.0.1", port: 8080, loopback: true },
      { address: "::ffff:10.0.0.2", port: 8081, loopback: false },
      { address: "fe80:0:0:0:200:ff:fe00:3", port: 8080, loopback: false },
    ]);
  });
});

// The same parser against this machine's own tables, with a socket this test opens: the format is the kernel's.
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(host: string): Promise<number | undefined> {
  const s = createServer();
  servers.push(s);
  return await new Promise<number | undefined>((resolve) => {
    s.once("error", () => resolve(undefined));
    s.listen(0, host, () => resolve((s.address() as { port: number }).port));
  });
}

describe.skipIf(!existsSync("/proc/net/tcp"))("parseListeners on this machine's /proc/net", () => {
  it("finds a socket listening on 127.0.0.1, as loopback", async () => {
    const port = await listen("127.0.0.1");
    expect(parseListeners(readFileSync("/proc/net/tcp", "utf8"), 4)).toContainEqual({ address: "127.0.0.1", port, loopback: true });
  });

  it("finds a socket listening on ::1 in tcp6, as loopback", async (ctx) => {
    const port = await listen("::1");
    if (port === undefined || !existsSync("/proc/net/tcp6")) return ctx.skip();
    expect(parseListeners(readFileSync("/proc/net/tcp6", "utf8"), 6)).toContainEqual({ address: "::1", port, loopback: true });
  });
});
