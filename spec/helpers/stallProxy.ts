import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * Which connections a stall holds: every one, or only Redis replication links (a replica's
 * connection to its primary, known by the `REPLCONF` every replica sends on it), so a test can
 * hold replication back while clients and sentinels keep talking to the same primary address.
 */
export type StallScope = 'all' | 'replication';

/**
 * A loopback TCP proxy that can stop forwarding without closing anything (no FIN, no RST), as a
 * stalled network path does, and resume later.
 */
export interface StallProxy {
  readonly port: number;
  readonly url: string;
  /**
   * Holds traffic both ways; with `'replies'`, only what the server sends back. With
   * `scope: 'replication'`, only on replication links (open ones and any opened during the stall).
   */
  stall(direction?: 'both' | 'replies', scope?: StallScope): void;
  /** Forwards what was held during the stall, then carries on. */
  resume(): void;
  /** Drops what was held and closes every connection (the stalled write is lost), then carries on. */
  cut(): void;
  /** Sends new connections to another port (a failover's DNS change); open ones stay where they are. */
  retarget(port: number): void;
  close(): Promise<void>;
}

/** What a connection's client has shown of itself so far. */
interface Link {
  isReplication: boolean;
  /** Client bytes looked at; a replica sends REPLCONF in its handshake, within the first few. */
  sniffedBytes: number;
  /** The last bytes the client sent, so a `REPLCONF` split across two chunks is still seen. */
  tail: Buffer;
}

const REPLCONF = Buffer.from('REPLCONF');
/** Past this, a connection is an ordinary client: heavy traffic is not searched for ever. */
const SNIFF_LIMIT_BYTES = 4096;

function noteClientBytes(link: Link, chunk: Buffer): void {
  if (link.isReplication || link.sniffedBytes >= SNIFF_LIMIT_BYTES) return;
  const bytes = Buffer.concat([link.tail, chunk]);
  link.isReplication = bytes.includes(REPLCONF);
  link.sniffedBytes += chunk.length;
  link.tail = bytes.subarray(-(REPLCONF.length - 1));
}

export async function startStallProxy(targetPort: number): Promise<StallProxy> {
  let target = targetPort;
  let stalled = false;
  let repliesOnly = false;
  let scope: StallScope = 'all';
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  const holds = (link: Link, isReply: boolean): boolean =>
    stalled && (isReply || !repliesOnly) && (scope === 'all' || link.isReplication);
  const forward = (from: Socket, to: Socket, isReply: boolean, link: Link): void => {
    from.on('data', (chunk: Buffer) => {
      if (!isReply) noteClientBytes(link, chunk);
      if (holds(link, isReply)) held.push(() => to.write(chunk));
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
    const link: Link = { isReplication: false, sniffedBytes: 0, tail: Buffer.alloc(0) };
    forward(client, upstream, false, link);
    forward(upstream, client, true, link);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stall: (direction = 'both', stallScope = 'all') => {
      stalled = true;
      repliesOnly = direction === 'replies';
      scope = stallScope;
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
