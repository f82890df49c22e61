import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A STAND-IN FOR AWS, for tests only: a loopback HTTP endpoint that answers the two JSON 1.1 calls
 * the connection providers make, `AmazonSSM.GetParameter` and `secretsmanager.GetSecretValue`, as
 * AWS does (X-Amz-Target header, `application/x-amz-json-1.1`, the same field and error names).
 * The real AWS SDK v3 clients, through Powertools Parameters, talk to it with an endpoint override
 * and fake credentials; it checks no signature and binds 127.0.0.1 only.
 */
export interface AwsStandIn {
  /** `http://127.0.0.1:<port>`, the endpoint override. */
  readonly endpoint: string;
  /** Sets (or rotates) an SSM parameter's value. */
  putParameter(name: string, value: string): void;
  /** Sets (or rotates) a secret's `SecretString`. */
  putSecret(id: string, value: string): void;
  /** Requests served per `<target> <name>`, e.g. `GetParameter /prod/redis-url`. */
  readonly requests: Map<string, number>;
  /** Makes every call fail with this AWS error (e.g. `AccessDeniedException`), hang (`'hang'`), or answer again (`undefined`). */
  failWith(error: string | 'hang' | undefined): void;
  close(): Promise<void>;
}

/** Fake credentials and region for an SDK client pointed at the stand-in (no signature is checked). */
export function standInClientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'stand-in-not-a-secret' } };
}

/** The environment a process needs to point the SDK's default clients at the stand-in. */
export function standInEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SSM: endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'stand-in-not-a-secret',
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'stand-in' });
  res.end(JSON.stringify(body));
}

function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => resolve(text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)));
    req.on('error', reject);
  });
}

/** Starts the stand-in on a free loopback port. */
export async function startAwsStandIn(): Promise<AwsStandIn> {
  const parameters = new Map<string, { value: string; version: number }>();
  const secrets = new Map<string, { value: string; version: number }>();
  const requests = new Map<string, number>();
  let failure: string | undefined;
  const server = createServer((req, res) => {
    void body(req).then((input) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (failure === 'hang') return;
      if (failure !== undefined) return reply(res, 400, { __type: failure, message: `stand-in: ${failure}` });
      if (target === 'AmazonSSM.GetParameter') {
        const name = String(input.Name);
        requests.set(`GetParameter ${name}`, (requests.get(`GetParameter ${name}`) ?? 0) + 1);
        const p = parameters.get(name);
        if (p === undefined) return reply(res, 400, { __type: 'ParameterNotFound', message: 'Parameter not found.' });
        const value = input.WithDecryption === true ? p.value : 'AQICAHencrypted-by-the-stand-in';
        return reply(res, 200, { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: p.version, DataType: 'text', ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${name}` } });
      }
      if (target === 'secretsmanager.GetSecretValue') {
        const id = String(input.SecretId);
        requests.set(`GetSecretValue ${id}`, (requests.get(`GetSecretValue ${id}`) ?? 0) + 1);
        const s = secrets.get(id);
        if (s === undefined) return reply(res, 400, { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
        return reply(res, 200, { ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}`, Name: id, SecretString: s.value, VersionId: `v${s.version}`, VersionStages: ['AWSCURRENT'], CreatedDate: Date.now() / 1000 });
      }
      return reply(res, 400, { __type: 'UnknownOperationException', message: `stand-in does not serve ${target}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const put = (map: Map<string, { value: string; version: number }>) => (name: string, value: string) => {
    map.set(name, { value, version: (map.get(name)?.version ?? 0) + 1 });
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    putParameter: put(parameters),
    putSecret: put(secrets),
    requests,
    failWith: (error) => (failure = error),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
