import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a server (PostgreSQL, Redis) that a fault drill can
 * break in the two ways networks break: `refuse()` (the port is closed:
 * connection refused at once) and `blackhole()` (connections are accepted and
 * every byte is swallowed: the peer hangs). `up()` heals it, on the same port.
 */
export interface TcpProxy {
  host: string;
  port: number;
  up(): Promise<void>;
  refuse(): Promise<void>;
  blackhole(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: "up" | "blackhole" = "up";
  let server: Server | undefined;
  let port = 0;
  const track = (sock: Socket) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => sock.destroy());
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        track(client);
        if (mode === "blackhole") {
          client.on("data", () => {}); // read and drop
          return;
        }
        const upstream = connect(target.port, target.host);
        track(upstream);
        client.pipe(upstream).pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const dropAll = () => {
    for (const sock of sockets) sock.destroy();
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    dropAll();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  /** Existing connections freeze: their bytes go nowhere, and new ones are accepted into the void. */
  const blackhole = async () => {
    mode = "blackhole";
    if (!server) await listen();
    for (const sock of sockets) {
      sock.unpipe();
      sock.pause();
      sock.removeAllListeners("data");
      sock.on("data", () => {});
    }
  };
  await listen();
  return {
    host: "127.0.0.1",
    get port() {
      return port;
    },
    up: async () => {
      if (mode === "blackhole") dropAll(); // frozen connections never recover
      mode = "up";
      if (!server) await listen();
    },
    refuse: stop,
    blackhole,
    close: stop,
  };
}
