import net from 'node:net';

/**
 * A loopback TCP proxy that can stop answering without refusing: while stalled it accepts
 * connections and holds them silently (as a hung SeaweedFS or a dropped route would), so callers
 * wait for their own timeouts. Resumed, held connections are forwarded as if nothing happened.
 */
export interface StallingProxy {
  url: string;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallingProxy(target: { host: string; port: number }): Promise<StallingProxy> {
  let stalled = false;
  const held: net.Socket[] = [];
  const open = new Set<net.Socket>();

  function forward(client: net.Socket): void {
    const upstream = net.connect(target.port, target.host);
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  }

  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (stalled) {
      held.push(client);
      return;
    }
    forward(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    stall() {
      stalled = true;
      // Idle keep-alive connections would still work: drop them, so every request needs a new
      // connection, and those are held.
      for (const socket of open) {
        socket.destroy();
      }
    },
    resume() {
      stalled = false;
      for (const client of held.splice(0)) {
        if (!client.destroyed) {
          forward(client);
        }
      }
    },
    async close() {
      for (const socket of [...open, ...held]) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
