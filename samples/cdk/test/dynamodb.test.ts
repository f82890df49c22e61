import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { paymentRequest, runBundle, type BundleRun } from './runBundle';
import { synth, type Synthesized } from './synth';
import { managedPolicyNames, only, policyStatements, REPO_ROOT, storeActions, target } from './template';

/** The handler's `ttlSeconds` (samples/payments/PaymentsHandler.ts). */
const HANDLER_TTL_SECONDS = 86_400;

describe('cdk synth (default: -c store=dynamodb)', () => {
  let stack: Synthesized;
  let run: BundleRun;
  let startedS: number;
  before(async () => {
    stack = await synth();
    startedS = Date.now() / 1000;
    const commands = storeActions().map((action) => `${action.replace('dynamodb:', '')}Command`);
    run = await runBundle(stack.bundle, { IDEMPOTENCY_TABLE: 'payments-idempotency' }, paymentRequest('order-1'), commands);
  });

  it('runs the bundled function against the table: 201, claim and completion written', () => {
    assert.equal(run.error, undefined, JSON.stringify(run.error));
    assert.equal(run.response?.statusCode, 201);
    assert.deepEqual(run.calls.map((c) => c.command), ['PutItemCommand', 'PutItemCommand']);
    assert.ok(run.calls.every((c) => c.input.TableName === 'payments-idempotency'));
  });

  it('keys the table and expires its items by the attributes the bundled DynamoDBStore writes', () => {
    assert.equal(run.calls.length, 2, 'a claim and a completion');
    for (const { input } of run.calls) {
      const item = Object.entries(input.Item as Record<string, { S?: string; N?: string }>);
      // The store's own choice, read from what it wrote: the record key, and its expiry in epoch
      // seconds (what DynamoDB's TTL reads), a day after the call.
      const keys = item.filter(([, value]) => value.S?.startsWith('idempotency:PaymentsHandler.create:'));
      const expiries = item.filter(([, value]) => Number.isInteger(Number(value.N)) && Math.abs(Number(value.N) - startedS - HANDLER_TTL_SECONDS) < 60);
      assert.equal(keys.length, 1, JSON.stringify(input.Item));
      assert.equal(expiries.length, 1, JSON.stringify(input.Item));
      const [keyAttribute] = keys[0] as [string, unknown];
      const [ttlAttribute] = expiries[0] as [string, unknown];
      stack.template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: keyAttribute, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: keyAttribute, AttributeType: 'S' }],
        TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
      });
    }
    stack.template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('allows the function only the DynamoDB actions the store sends, on its table, and no KMS', () => {
    const [tableId] = only(stack.json, 'AWS::DynamoDB::Table');
    assert.deepEqual(storeActions(), ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    assert.deepEqual(policyStatements(stack.json), [{ Action: storeActions(), Effect: 'Allow', Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } }]);
    assert.deepEqual(managedPolicyNames(stack.json), ['AWSLambdaBasicExecutionRole']);
    assert.ok(run.calls.length > 0);
    assert.ok(run.calls.every((c) => storeActions().includes(`dynamodb:${c.command.replace(/Command$/, '')}`)));
    assert.doesNotMatch(JSON.stringify(stack.json), /kms:/);
  });

  it('synthesizes without a CDK warning', () => {
    assert.deepEqual(stack.warnings, []);
  });

  it('tells the function its table, and keeps it out of any VPC', () => {
    const [tableId] = only(stack.json, 'AWS::DynamoDB::Table');
    const [, fn] = only(stack.json, 'AWS::Lambda::Function');
    assert.deepEqual(fn.Environment, { Variables: { IDEMPOTENCY_TABLE: { Ref: tableId } } });
    assert.equal(fn.VpcConfig, undefined);
    assert.equal(target(fn.Role), only(stack.json, 'AWS::IAM::Role')[0]);
  });

  it('ships a minified bundle of the built package', () => {
    const dist = readFileSync(join(REPO_ROOT, 'dist/cjs/stores/dynamodb/DynamoDBStore.js'), 'utf8');
    assert.ok(dist.includes('ITEM_OVERHEAD_BYTES'), 'the built store names its constant');
    assert.ok(stack.bundle.includes('ReturnValuesOnConditionCheckFailure'), 'the store is in the bundle');
    assert.ok(!stack.bundle.includes('ITEM_OVERHEAD_BYTES'), 'identifiers are renamed');
    // One copy of the library (each copy brands its errors once under this key): without the
    // app's tsconfig, esbuild follows the repository tsconfig's `paths` from samples/payments to
    // lib/, and the bundle holds the TypeScript source besides the package. The copy is the
    // package's ES-module build (tree-shaken), not its CommonJS one (`exports.X = X`).
    assert.equal(stack.bundle.split('Symbol.for("lambda-idempotency:error-class:v1")').length - 1, 1, 'one copy of the library');
    assert.ok(!/\.IdempotencyConfigError=[\w$]+[;,]/.test(stack.bundle), 'the library comes from dist/esm, not dist/cjs');
    const lines = stack.bundle.split('\n').length;
    assert.ok(stack.bundle.length / lines > 1000, `whitespace is removed (${lines} lines for ${stack.bundle.length} bytes)`);
  });

  it('keeps the record namespace PaymentsHandler.create though the minifier renamed the class', () => {
    assert.ok(!/\b(?:class|let|var|const) PaymentsHandler\b/.test(stack.bundle), 'the minifier renames the class');
    assert.ok(stack.bundle.includes('"PaymentsHandler"'), 'keepNames keeps its name, as a string');
    const namespaces = run.calls.map((c) => ((c.input.Item as { id: { S: string } }).id.S.split(':')[1]));
    assert.deepEqual(namespaces, ['PaymentsHandler.create', 'PaymentsHandler.create']);
  });
});
