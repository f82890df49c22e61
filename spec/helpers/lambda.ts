import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** A Lambda `Context` whose remaining time is `remainingMs`. */
export function lambdaContext(remainingMs = 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:test',
    memoryLimitInMB: '128',
    awsRequestId: 'req-1',
    logGroupName: '/aws/lambda/test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An API Gateway HTTP API (v2) event with a JSON body and the given headers. */
export function httpEvent(body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /payments',
    rawPath: '/payments',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'example.com',
      domainPrefix: 'example',
      http: { method: 'POST', path: '/payments', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'r',
      routeKey: 'POST /payments',
      stage: '$default',
      time: '26/Nov/2026:14:00:00 +0000',
      timeEpoch: 1795000000000,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Lambda `Context` whose remaining time runs down with the clock, as Lambda's does: it reads
 * `deadlineMs - Date.now()` at each call.
 */
export function runningLambdaContext(remainingMs: number): Context & { readonly deadlineMs: number } {
  const deadlineMs = Date.now() + remainingMs;
  return { ...lambdaContext(remainingMs), deadlineMs, getRemainingTimeInMillis: () => deadlineMs - Date.now() };
}
