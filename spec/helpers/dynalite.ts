import type { AddressInfo, Server } from 'node:net';
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
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<Dynalite> {
  // dynalite ships no types.
  const dynalite = require('dynalite') as (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
