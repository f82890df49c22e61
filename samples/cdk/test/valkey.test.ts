import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startRedisServer, type RedisServer } from './redisServer';
import { paymentRequest, runBundle, type BundleRun } from './runBundle';
import { synth, synthTemplate, type Synthesized, type SynthesizedTemplate } from './synth';
import { groupId, managedPolicyNames, only, policyStatements, resourcesOfType, target } from './template';

const PARAMETER_NAME = '/PaymentsIdempotency/idempotency/redis-url';

describe('cdk synth -c store=redis', () => {
  let stack: Synthesized;
  let redis: RedisServer;
  let run: BundleRun;
  before(async () => {
    [stack, redis] = await Promise.all([synth({ store: 'redis' }), startRedisServer()]);
    const env = { REDIS_URL_PARAMETER: PARAMETER_NAME, STUB_SSM_PARAMETER_VALUE: `redis://127.0.0.1:${redis.port}` };
    run = await runBundle(stack.bundle, env, paymentRequest('order-1'), []);
  });
  after(() => redis?.stop());

  it('creates ElastiCache Serverless (Valkey) and no table', () => {
    stack.template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { Engine: 'valkey', MajorEngineVersion: '8' });
    stack.template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
    stack.template.resourceCountIs('AWS::DynamoDB::Table', 0);
    assert.deepEqual(stack.warnings, [], 'no CDK warning');
  });

  it('runs the function and the cache in the same private subnets, with no route out of the VPC', () => {
    const [, cache] = only(stack.json, 'AWS::ElastiCache::ServerlessCache');
    const [, fn] = only(stack.json, 'AWS::Lambda::Function');
    const vpcConfig = fn.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
    assert.equal(vpcConfig.SubnetIds.length, 2);
    assert.deepEqual(vpcConfig.SubnetIds, cache.SubnetIds);
    for (const type of ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::Route']) assert.equal(resourcesOfType(stack.json, type).length, 0, type);
  });

  it('lets only the function reach the cache port, and the function only the cache and SSM', () => {
    const [, cache] = only(stack.json, 'AWS::ElastiCache::ServerlessCache');
    const [, fn] = only(stack.json, 'AWS::Lambda::Function');
    const cacheGroup = target((cache.SecurityGroupIds as unknown[])[0]);
    const fnGroup = target((fn.VpcConfig as { SecurityGroupIds: unknown[] }).SecurityGroupIds[0]);
    const [endpointId, endpoint] = only(stack.json, 'AWS::EC2::VPCEndpoint');
    const endpointGroup = target((endpoint.SecurityGroupIds as unknown[])[0]);
    assert.match(JSON.stringify(endpoint.ServiceName), /\.ssm"/, endpointId);

    const rule = (p: Record<string, unknown>) => ({ group: target(p.GroupId), port: `${p.IpProtocol}/${p.FromPort}-${p.ToPort}`, peer: target(p.SourceSecurityGroupId ?? p.DestinationSecurityGroupId) });
    const ingress = resourcesOfType(stack.json, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => rule(r.Properties ?? {}));
    const egress = resourcesOfType(stack.json, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => rule(r.Properties ?? {}));
    const byGroup = (a: { group: string }, b: { group: string }) => a.group.localeCompare(b.group);
    assert.deepEqual(ingress.sort(byGroup), [{ group: cacheGroup, port: 'tcp/6379-6379', peer: fnGroup }, { group: endpointGroup, port: 'tcp/443-443', peer: fnGroup }].sort(byGroup));
    assert.deepEqual(egress.sort(byGroup), [{ group: fnGroup, port: 'tcp/6379-6379', peer: cacheGroup }, { group: fnGroup, port: 'tcp/443-443', peer: endpointGroup }].sort(byGroup));

    // No inline rules either: the only inline egress of the function's and the cache's groups is
    // the CDK's rule that matches no traffic (without it EC2 would allow all traffic out).
    const noTraffic = [{ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', FromPort: 252, IpProtocol: 'icmp', ToPort: 86 }];
    for (const id of [cacheGroup, fnGroup]) {
      const group = stack.json.Resources[id]?.Properties ?? {};
      assert.equal(group.SecurityGroupIngress, undefined, id);
      assert.deepEqual(group.SecurityGroupEgress, noTraffic, id);
    }
    assert.deepEqual(groupId(cacheGroup), (cache.SecurityGroupIds as unknown[])[0]);
  });

  it('puts the Redis URL (rediss://, the cache endpoint) in an SSM parameter the function is told about', () => {
    const [parameterId, parameter] = only(stack.json, 'AWS::SSM::Parameter');
    const [cacheId] = only(stack.json, 'AWS::ElastiCache::ServerlessCache');
    assert.equal(parameter.Name, PARAMETER_NAME);
    assert.equal(parameter.Type, 'String');
    assert.deepEqual(parameter.Value, { 'Fn::Join': ['', ['rediss://', { 'Fn::GetAtt': [cacheId, 'Endpoint.Address'] }, ':', { 'Fn::GetAtt': [cacheId, 'Endpoint.Port'] }]] });
    const [, fn] = only(stack.json, 'AWS::Lambda::Function');
    assert.deepEqual(fn.Environment, { Variables: { REDIS_URL_PARAMETER: { Ref: parameterId } } });
  });

  it('allows the function ssm:GetParameter on that parameter only: no DynamoDB, no KMS', () => {
    const [parameterId] = only(stack.json, 'AWS::SSM::Parameter');
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter', { Ref: parameterId }]] };
    assert.deepEqual(policyStatements(stack.json), [{ Action: 'ssm:GetParameter', Effect: 'Allow', Resource: arn }]);
    assert.deepEqual(managedPolicyNames(stack.json), ['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole']);
    assert.doesNotMatch(JSON.stringify(stack.json), /kms:|dynamodb:/);
  });

  it('runs the bundled function: it reads the URL once, then keeps its records in Redis under PaymentsHandler.create', () => {
    assert.equal(run.error, undefined, JSON.stringify(run.error));
    assert.equal(run.response?.statusCode, 201);
    assert.deepEqual(run.calls, [{ client: 'ssm', command: 'GetParameterCommand', input: { Name: PARAMETER_NAME, WithDecryption: true } }]);
    const keys = execFileSync('redis-cli', ['-p', String(redis.port), '--scan'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(keys.length, 1);
    assert.match(keys[0] ?? '', /^idempotency:PaymentsHandler\.create:/);
  });
});

describe('cdk synth -c store=redis -c redisUrlParameter=/payments/redis-url (a SecureString made outside CloudFormation)', () => {
  let stack: SynthesizedTemplate;
  // Bundling skipped (as `cdk synth --exclusively` does for other stacks): only the wiring changes.
  before(async () => (stack = await synthTemplate({ store: 'redis', redisUrlParameter: '/payments/redis-url' })));

  it('reads that parameter instead of creating one, with ssm:GetParameter on it only', () => {
    assert.equal(resourcesOfType(stack.json, 'AWS::SSM::Parameter').length, 0);
    const [, fn] = only(stack.json, 'AWS::Lambda::Function');
    assert.deepEqual(fn.Environment, { Variables: { REDIS_URL_PARAMETER: '/payments/redis-url' } });
    const statements = policyStatements(stack.json) as Array<{ Action: unknown; Resource: unknown }>;
    assert.equal(statements.length, 1);
    assert.equal(statements[0]?.Action, 'ssm:GetParameter');
    assert.match(JSON.stringify(statements[0]?.Resource), /:parameter\/payments\/redis-url"/);
  });
});
