import { execFile } from 'node:child_process';

/**
 * Runs a command to completion (bounded), returning its stdout; rejects with stderr on failure.
 * The command inherits this process's environment (silent Powertools logging, see
 * spec/helpers/setupEnv.ts), with `options.env` over it: a test that wants another level sets it there.
 */
export function run(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed (exit code ${String(err.code)}): ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The last line of output that parses as a JSON object. */
export function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON line in output:\n${stdout}`);
  return JSON.parse(line) as Record<string, unknown>;
}
