import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { dynamoDBTableDefinition } from '../../lib/stores/dynamodb';

/**
 * The SDK HTTP handler's logger: the console, less the "socket usage at capacity" warning. The
 * concurrency specs queue thousands of requests on 50 sockets on purpose, so the warning says
 * nothing about them. Dropped here rather than postponed with a long
 * `socketAcquisitionWarningTimeout`: that timer is set per request and not unref'd, so requests
 * still queued when a client is destroyed (a test that timed out) kept the jest worker alive.
 */
const httpHandlerLogger: NonNullable<DynamoDBClientConfig['logger']> = {
  debug: (...content) => console.debug(...content),
  info: (...content) => console.info(...content),
  warn: (...content) => {
    if (!String(content[0]).includes('socket usage at capacity')) console.warn(...content);
  },
  error: (...content) => console.error(...content),
};

/** A dynalite server (the DynamoDB API on an in-memory store) on a free loopback port. */
export interface Dynalite {
  readonly endpoint: string;
  client(): DynamoDBClient;
  createTable(tableName: string, sortKeyAttr?: string): Promise<void>;
  /** Closes the server and its database; requests that arrive meanwhile are refused, never crash the worker. */
  stop(): Promise<void>;
}

/** How long {@link Dynalite.stop} waits for requests dynalite is still serving before it closes the database. */
const drainTimeoutMs = 10_000;

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts a door in front of dynalite's request handler, for a teardown that cannot crash.
 * dynalite throws (uncaught) when an action's database call fails (`if (err) throw err`), and every
 * call fails with "Database is closed" once the server is closed. Requests still reach it after
 * `stop()` began: a test that timed out leaves thousands queued in the SDK's HTTP agent, and
 * destroying the agent's sockets makes it open new ones for the queue. So, once closing: new
 * requests are turned away at the door (socket destroyed, dynalite never sees them), and `drained`
 * resolves when the requests already inside have answered, so the database closes under none.
 */
function guardRequests(server: Server): { close(): void; drained(timeoutMs: number): Promise<void> } {
  const [handler] = server.listeners('request') as RequestHandler[];
  if (!handler) throw new Error('dynalite registered no request handler');
  server.removeListener('request', handler);
  let closing = false;
  let inside = 0;
  let onDrained: (() => void) | undefined;
  const leave = (): void => {
    inside--;
    if (inside === 0) onDrained?.();
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      req.socket.destroy();
      return;
    }
    inside++;
    let left = false;
    const leaveOnce = (): void => {
      if (left) return;
      left = true;
      leave();
    };
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => (leaveOnce(), end(...args))) as ServerResponse['end'];
    // A request cut off before its body arrived never reaches an action: nothing to wait for.
    res.on('close', () => {
      if (!req.complete) leaveOnce();
    });
    handler(req, res);
    // dynalite rethrows request errors; the only ones are clients hanging up, which teardown does.
    req.removeAllListeners('error');
    req.on('error', () => undefined);
  });
  return {
    close: () => {
      closing = true;
    },
    drained: (timeoutMs) =>
      new Promise<void>((resolve) => {
        if (inside === 0) return resolve();
        const timer = setTimeout(resolve, timeoutMs);
        onDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
  };
}

export async function startDynalite(): Promise<Dynalite> {
  // dynalite ships no types.
  const dynalite = require('dynalite') as (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const door = guardRequests(server);
  // Timeline (Node's default keepAliveTimeout, 5 s): a socket sits idle in the SDK's agent → the
  // server closes it → in the same instant the agent hands it to the next request → ECONNRESET,
  // which maxAttempts: 1 turns into a failed test (seen in the 50-caller claim on a loaded
  // machine). 0 leaves idle sockets open; stop() destroys the clients and close() ends the rest.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: DynamoDBClient[] = [];
  const client = (): DynamoDBClient => {
    const c = new DynamoDBClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: { logger: httpHandlerLogger },
    });
    clients.push(c);
    return c;
  };
  return {
    endpoint,
    client,
    async createTable(tableName, sortKeyAttr) {
      await client().send(new CreateTableCommand(dynamoDBTableDefinition({ tableName, ...(sortKeyAttr ? { keyAttr: 'pk', sortKeyAttr } : {}) })));
    },
    async stop() {
      // Order matters: shut the door, hang up the clients (their pending calls fail at once), let
      // the requests already inside dynalite answer, and only then close its database.
      door.close();
      for (const c of clients) c.destroy();
      await door.drained(drainTimeoutMs);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
