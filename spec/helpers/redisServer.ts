import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A `redis-server` process this suite owns, on a free loopback port. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Starts the process again on the same port (after `kill` or `stop`). */
  start(): Promise<void>;
  /** SIGKILL: a crash, no shutdown handshake. */
  kill(): Promise<void>;
  /** Clean shutdown. */
  stop(): Promise<void>;
}

/** Options for {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Extra `redis-server` arguments (TLS, ACL, cluster). */
  readonly args?: readonly string[];
  /** Port to use; a free one by default. */
  readonly port?: number;
  /** URL scheme and credentials part, e.g. `rediss://` or `redis://user:pass@`. */
  readonly urlPrefix?: string;
  /**
   * A config file, passed first as redis-server requires; a sentinel needs one it can rewrite.
   * The other options still apply, from the command line (which wins over the file).
   */
  readonly configFile?: string;
  /** The log line that says the process serves clients; a sentinel never logs the default one. */
  readonly readyLine?: string;
}

const BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function launch(port: number, options: RedisServerOptions): Promise<ChildProcess> {
  const readyLine = options.readyLine ?? 'Ready to accept connections';
  return new Promise((resolve, reject) => {
    const child = spawn(
      BIN,
      [
        ...(options.configFile === undefined ? [] : [options.configFile]),
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice', '--logfile', ''],
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within 10 s on port ${port}:\n${output}`));
    }, 10_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(readyLine)) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`Cannot run ${BIN} (${err.message}); install it with: apt-get install -y redis-server`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`));
    });
  });
}

function waitExit(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Spawns `redis-server` on a free loopback port (retrying if another process grabs the port). */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      child = await launch(port, options);
      break;
    } catch (err) {
      if (attempt >= 3 || options.port !== undefined) throw err;
      port = await freePort();
    }
  }
  const running = new Set<ChildProcess>([child]);
  const server: RedisServer = {
    port,
    url: `${options.urlPrefix ?? 'redis://'}127.0.0.1:${port}`,
    async start() {
      child = await launch(port, options);
      running.add(child);
    },
    async kill() {
      await waitExit(child, 'SIGKILL');
    },
    async stop() {
      for (const c of running) await waitExit(c, 'SIGTERM');
    },
  };
  return server;
}

/** The `REDIS_URL` to test against as well, when the environment gives one. */
export const externalRedisUrl: string | undefined = process.env.REDIS_URL || undefined;
