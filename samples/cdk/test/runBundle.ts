import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A call the bundle made on a stubbed AWS SDK client. */
export interface SdkCall {
  readonly client: 'dynamodb' | 'ssm';
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** What one invocation of the bundle's `create` returned, and the SDK calls it made. */
export interface BundleRun {
  readonly response?: { readonly statusCode?: number; readonly body?: string };
  readonly error?: { readonly name: string; readonly message: string };
  readonly calls: readonly SdkCall[];
}

// Stand-ins for the AWS SDK the Lambda runtime provides (the bundle leaves `@aws-sdk/*` out): they
// record each command and answer as an empty table would (every conditional write succeeds).
const DYNAMODB_STUB = (commands: readonly string[]) => `
const calls = () => (globalThis.__sdkCalls ??= []);
class DynamoDBClient {
  async send(command) { calls().push({ client: 'dynamodb', command: command.commandName, input: command.input }); return {}; }
  destroy() {}
}
module.exports = { DynamoDBClient };
for (const name of ${JSON.stringify(commands)}) module.exports[name] = class { constructor(input) { this.input = input; this.commandName = name; } };
`;
const SSM_STUB = `
const calls = () => (globalThis.__sdkCalls ??= []);
class GetParameterCommand { constructor(input) { this.input = input; this.commandName = 'GetParameterCommand'; } }
class SSMClient {
  async send(command) { calls().push({ client: 'ssm', command: command.commandName, input: command.input }); return { Parameter: { Value: process.env.STUB_SSM_PARAMETER_VALUE } }; }
  destroy() {}
}
module.exports = { GetParameterCommand, SSMClient };
`;
const RUNNER = `
const { writeFileSync } = require('node:fs');
const [bundle, out, event] = process.argv.slice(2);
const context = { awsRequestId: 'req-1', functionName: 'payments', getRemainingTimeInMillis: () => 10000 };
const calls = () => globalThis.__sdkCalls ?? [];
(async () => {
  const response = await require(bundle).create(JSON.parse(event), context);
  writeFileSync(out, JSON.stringify({ response, calls: calls() }));
})()
  .catch((err) => writeFileSync(out, JSON.stringify({ error: { name: err.name, message: err.message }, calls: calls() })))
  .finally(() => process.exit(0)); // a Redis connection would keep the process alive
`;

/**
 * Runs the function's bundle as Lambda would (`index.create`), under plain node, with the AWS SDK
 * stubbed: the bundle as `index.js` beside stub `@aws-sdk/client-dynamodb` and `@aws-sdk/client-ssm`
 * packages, in a child process with only the given environment.
 */
export async function runBundle(bundle: string, env: Record<string, string>, event: unknown, dynamoDBCommands: readonly string[]): Promise<BundleRun> {
  const dir = mkdtempSync(join(tmpdir(), 'payments-bundle-'));
  try {
    writeFileSync(join(dir, 'index.js'), bundle);
    writeStub(dir, '@aws-sdk/client-dynamodb', DYNAMODB_STUB(dynamoDBCommands));
    writeStub(dir, '@aws-sdk/client-ssm', SSM_STUB);
    writeFileSync(join(dir, 'runner.cjs'), RUNNER);
    const out = join(dir, 'out.json');
    const childEnv = { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'ERROR', ...env };
    await promisify(execFile)(process.execPath, [join(dir, 'runner.cjs'), join(dir, 'index.js'), out, JSON.stringify(event)], { env: childEnv, cwd: dir });
    return JSON.parse(readFileSync(out, 'utf8')) as BundleRun;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeStub(dir: string, name: string, source: string): void {
  const packageDir = join(dir, 'node_modules', name);
  mkdirSync(packageDir, { recursive: true });
  writeFileSync(join(packageDir, 'index.js'), source);
}

/** A function URL request (IAM auth): `POST /` with an `Idempotency-Key` and a payment body. */
export function paymentRequest(idempotencyKey: string): unknown {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    requestContext: {
      accountId: '123456789012',
      apiId: 'url',
      authorizer: { iam: { accessKey: 'ASIA0000', accountId: '123456789012', callerId: 'AROA0000:alice', userArn: 'arn:aws:sts::123456789012:assumed-role/payer/alice', userId: 'AROA0000' } },
      domainName: 'url.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'url',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'node' },
      requestId: 'r-1',
      routeKey: '$default',
      stage: '$default',
      time: '27/Nov/2026:12:00:00 +0000',
      timeEpoch: 1795780800000,
    },
    body: JSON.stringify({ orderId: 'o-1', amountCents: 1250 }),
    isBase64Encoded: false,
  };
}
