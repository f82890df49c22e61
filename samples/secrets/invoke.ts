/**
 * Runs the handler as Lambda would, three invocations in one container, and prints what happened
 * as one JSON line: `npx ts-node --transpile-only samples/secrets/invoke.ts` with
 * REDIS_URL_PARAMETER (or REDIS_SECRET_ID) set and AWS credentials that can read it. Against a
 * stand-in for AWS, set AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_SECRETS_MANAGER (the SDK's endpoint
 * override), as spec/samples/secrets.spec.ts does.
 */
import { handler, store } from './handler';

async function main(): Promise<void> {
  const orderId = `order-${Date.now()}`;
  try {
    const started = Date.now();
    const first = await handler({ orderId, amountCents: 1999 });
    const firstMs = Date.now() - started;
    const replay = await handler({ orderId, amountCents: 1999 });
    const other = await handler({ orderId: `${orderId}-b`, amountCents: 500 });
    console.log(JSON.stringify({ first: first.charged, replayed: replay.at === first.at, other: other.charged, firstMs }));
  } finally {
    // A script ends once its connection is closed (a Lambda container keeps it for the next invocation).
    await store.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
