import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy that can stop forwarding without closing anything (no FIN, no RST), as a
 * stalled network path does, and resume later.
 */
export interface StallProxy {
  readonly port: number;
  readonly url: string;
  /** Holds traffic both ways; with `'replies'`, only what the server sends back. */
  stall(direction?: 'both' | 'replies'): void;
  /** Forwards what was held during the stall, then carries on. */
  resume(): void;
  /** Drops what was held and closes every connection (the stalled write is lost), then carries on. */
  cut(): void;
  /** Sends new connections to another port (a failover's DNS change); open ones stay where they are. */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startStallProxy(targetPort: number): Promise<StallProxy> {
  let target = targetPort;
  let stalled = false;
  let repliesOnly = false;
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  const forward = (from: Socket, to: Socket, isReply: boolean): void => {
    from.on('data', (chunk) => {
      if (stalled && (isReply || !repliesOnly)) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
  };
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    forward(client, upstream, false);
    forward(upstream, client, true);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stall: (direction = 'both') => {
      stalled = true;
      repliesOnly = direction === 'replies';
    },
    resume: () => {
      stalled = false;
      for (const send of held.splice(0)) send();
    },
    cut: () => {
      held.length = 0;
      for (const s of sockets) s.destroy();
      stalled = false;
    },
    retarget: (port) => {
      target = port;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
