import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { configureIdempotency, type IdempotencyStore } from 'lambda-idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { PaymentsHandler } from './payments/PaymentsHandler';
import { PaymentsService } from './payments/PaymentsService';
import { describeStore, storeFromEnv } from './storeFromEnv';

/**
 * `npm start`: a local stand-in for API Gateway. Each HTTP request becomes an HTTP API (v2) event
 * and invokes the payments sample, as Lambda would:
 *
 *   POST /payments                      → PaymentsHandler.create
 *   POST /payments/{paymentId}/refunds  → PaymentsHandler.refund
 */

const LAMBDA_TIMEOUT_MS = 30_000;

function toEvent(req: IncomingMessage, body: string, url: URL, pathParameters: Record<string, string>): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${req.method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    pathParameters,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: `${req.method} ${url.pathname}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

function toContext(requestId: string): Context {
  const deadline = Date.now() + LAMBDA_TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'payments-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:payments-local',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body ?? '');
}

/** A running local API. */
export interface LocalApi {
  readonly server: Server;
  readonly url: string;
  readonly payments: PaymentsService;
  close(): Promise<void>;
}

/** Starts the local API on 127.0.0.1:`port` (0: a free port). */
export async function startLocalApi(options: { port: number; store?: IdempotencyStore; logger?: Logger }): Promise<LocalApi> {
  const logger = options.logger ?? new Logger({ serviceName: 'payments-local' });
  configureIdempotency({ store: options.store ?? storeFromEnv(), logger });
  const payments = new PaymentsService(300);
  const handler = new PaymentsHandler(payments);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const event = (params: Record<string, string>) => toEvent(req, Buffer.concat(chunks).toString('utf8'), url, params);
      const refund = /^\/payments\/([^/]+)\/refunds$/.exec(url.pathname);
      let invocation: Promise<APIGatewayProxyStructuredResultV2> | undefined;
      if (req.method === 'POST' && url.pathname === '/payments') invocation = handler.create(event({}), toContext(randomUUID()));
      else if (req.method === 'POST' && refund) invocation = handler.refund(event({ paymentId: decodeURIComponent(refund[1] as string) }), toContext(randomUUID()));
      if (invocation === undefined) return send(res, { statusCode: 404, body: 'Try POST /payments\n' });
      invocation.then(
        (result) => send(res, result),
        (err: unknown) => {
          logger.error('handler failed', err as Error);
          send(res, { statusCode: 500, body: 'Internal Server Error\n' });
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    payments,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (require.main === module) {
  const store = storeFromEnv();
  const port = Number(process.env.PORT ?? 3000);
  startLocalApi({ port, store }).then(
    (api) => {
      process.stdout.write(
        `Payments sample listening on ${api.url} (store: ${describeStore(store)})\n` +
          `Try: curl -i -X POST ${api.url}/payments -H 'Idempotency-Key: order-42' -H 'content-type: application/json' -d '{"orderId":"42","amountCents":1999}'\n`,
      );
    },
    (err: unknown) => {
      process.stderr.write(`Could not start: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
