import { Template } from 'aws-cdk-lib/assertions';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const APP_ROOT = join(__dirname, '..');
export const STACK_NAME = 'PaymentsIdempotency';

/** One synthesized stack: its template and the function's bundle, as `cdk deploy` would upload it. */
export interface Synthesized extends SynthesizedTemplate {
  /** The function asset's `index.js`. */
  readonly bundle: string;
}

export interface TemplateJson {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

interface AssetManifest {
  readonly files: Record<string, { readonly source: { readonly path: string } }>;
}

/** A synthesized stack without its bundle (bundling skipped). */
export interface SynthesizedTemplate {
  readonly template: Template;
  /** The raw template, for what `Template` does not ask directly (references between resources). */
  readonly json: TemplateJson;
  /** The CDK's warnings and errors about the stack (what `cdk synth` prints). */
  readonly warnings: readonly string[];
}

/**
 * What `cdk synth -c key=value` does, without the CLI (which would look for AWS credentials): runs
 * cdk.json's `app` command with the context in `CDK_CONTEXT_JSON` and the cloud assembly directed to
 * a temporary `CDK_OUTDIR`. Offline: the stack is environment-agnostic and does no lookups, and the
 * function is bundled by the local esbuild (a missing esbuild would fall back to Docker, and fail).
 */
export async function synth(context: Record<string, string> = {}): Promise<Synthesized> {
  return runApp(context, (outdir, json) => {
    const assets = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.assets.json`), 'utf8')) as AssetManifest;
    const asset = assets.files[functionAssetHash(json)];
    if (asset === undefined) throw new Error(`No asset for the function in ${outdir}`);
    return { bundle: readFileSync(join(outdir, asset.source.path, 'index.js'), 'utf8') };
  });
}

/** {@link synth} without bundling the function (as `cdk synth --exclusively` skips other stacks' bundling). */
export async function synthTemplate(context: Record<string, string> = {}): Promise<SynthesizedTemplate> {
  return runApp({ ...context, 'aws:cdk:bundling-stacks': [] }, () => ({}));
}

/** Runs the app into a temporary cloud assembly, reads it (`more` reads more), and removes it. */
async function runApp<T>(context: Record<string, unknown>, more: (outdir: string, json: TemplateJson) => T): Promise<SynthesizedTemplate & T> {
  const cdkJson = JSON.parse(readFileSync(join(APP_ROOT, 'cdk.json'), 'utf8')) as { app: string; context?: Record<string, unknown> };
  const outdir = mkdtempSync(join(tmpdir(), 'payments-cdk-'));
  // CDK_VALIDATION=false skips the CDK's own CloudFormation checks at synth (a WASM engine: ~7 s of
  // CPU per synth, the larger part of this test's time); `cdk synth` and `cdk deploy` still run them.
  const env = { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, ...context }), CDK_VALIDATION: 'false' };
  try {
    await promisify(execFile)('sh', ['-c', cdkJson.app], { cwd: APP_ROOT, env, maxBuffer: 16 * 1024 * 1024 });
    const json = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8')) as TemplateJson;
    return { template: Template.fromJSON(json), json, warnings: warningsIn(outdir), ...more(outdir, json) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The CDK's warnings and errors, as the stack's metadata file records them. */
function warningsIn(outdir: string): string[] {
  const metadata = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.metadata.json`), 'utf8')) as Record<string, Array<{ type: string; data: unknown }>>;
  return Object.entries(metadata).flatMap(([path, entries]) =>
    entries.filter((e) => e.type === 'aws:cdk:warning' || e.type === 'aws:cdk:error').map((e) => `${path}: ${JSON.stringify(e.data)}`),
  );
}

/** The hash of the (only) Lambda function's code asset: its S3 key is `<hash>.zip`. */
function functionAssetHash(json: TemplateJson): string {
  const functions = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  if (functions.length !== 1) throw new Error(`Expected one Lambda function, found ${functions.length}`);
  const code = functions[0]?.Properties?.Code as { S3Key?: unknown } | undefined;
  if (typeof code?.S3Key !== 'string') throw new Error('The function has no S3 asset key');
  return code.S3Key.replace(/\.zip$/, '');
}
