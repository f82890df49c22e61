import type { AddressInfo, Server } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDBTableDefinition } from '../../lib/stores/dynamodb';

// The AWS SDK warns once per process about Node 20 support; it says nothing about these tests.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';

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
      // The concurrency specs queue thousands of requests on purpose; the SDK's "socket usage at
      // capacity" console warning (checked every few seconds) would say nothing about them.
      requestHandler: { socketAcquisitionWarningTimeout: 600_000 },
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
