import { Stack } from 'aws-cdk-lib/core';
import { CfnSecurityGroup, Connections, InterfaceVpcEndpointAwsService, Port, SecurityGroup, SubnetType, Vpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { CfnServerlessCache } from 'aws-cdk-lib/aws-elasticache';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { StringParameter, type IStringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { StoreEnvironment } from '../lambda/environment';
import type { FunctionNetwork } from './paymentsFunction';

/** The serverless cache's primary endpoint port (6380, its read-only port, is never used). */
export const VALKEY_PORT = 6379;

/** Options of {@link ValkeyCache}. */
export interface ValkeyCacheProps {
  /**
   * An existing SSM parameter holding the Redis URL, for a URL with an ACL password: a
   * SecureString, which CloudFormation cannot create (`aws ssm put-parameter --type SecureString`).
   * @default a String parameter created here with the cache's endpoint (the URL holds no secret)
   */
  readonly urlParameterName?: string;
}

/**
 * ElastiCache Serverless (Valkey 8) for the idempotency records, in a VPC of its own: two private
 * subnets without a route to the internet (no NAT gateway), where the function runs too. Only the
 * function's security group reaches the cache port; an SSM interface endpoint lets the function read
 * the Redis URL. TLS is always on for a serverless cache, hence `rediss://`.
 *
 * @example
 * ```ts
 * const valkey = new ValkeyCache(stack, 'Valkey');
 * const fn = paymentsFunction(stack, 'Payments', valkey.functionNetwork());
 * valkey.connect(fn);
 * ```
 */
export class ValkeyCache extends Construct {
  readonly vpc: Vpc;
  readonly cache: CfnServerlessCache;
  readonly urlParameter: IStringParameter;
  /** The function's security group: its only ways out are the cache port and the SSM endpoint. */
  readonly clientSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: ValkeyCacheProps = {}) {
    super(scope, id);
    this.vpc = new Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'private', subnetType: SubnetType.PRIVATE_ISOLATED }] });
    this.clientSecurityGroup = new SecurityGroup(this, 'ClientSecurityGroup', { vpc: this.vpc, allowAllOutbound: false, description: 'Payments function: to Valkey and the SSM endpoint only' });
    keepNoTrafficEgress(this.clientSecurityGroup);
    const cacheSecurityGroup = new SecurityGroup(this, 'CacheSecurityGroup', { vpc: this.vpc, allowAllOutbound: false, description: 'Valkey: from the payments function only' });
    new Connections({ securityGroups: [cacheSecurityGroup] }).allowFrom(this.clientSecurityGroup, Port.tcp(VALKEY_PORT), 'Payments function to Valkey');

    this.cache = new CfnServerlessCache(this, 'Cache', {
      serverlessCacheName: cacheName(Stack.of(this).stackName),
      engine: 'valkey',
      majorEngineVersion: '8',
      subnetIds: this.vpc.isolatedSubnets.map((subnet) => subnet.subnetId),
      securityGroupIds: [cacheSecurityGroup.securityGroupId],
      description: 'Idempotency records of the payments function',
    });

    const ssm = this.vpc.addInterfaceEndpoint('SsmEndpoint', { service: InterfaceVpcEndpointAwsService.SSM, open: false });
    ssm.connections.allowDefaultPortFrom(this.clientSecurityGroup, 'Payments function reads the Redis URL');
    this.urlParameter = props.urlParameterName
      ? StringParameter.fromSecureStringParameterAttributes(this, 'RedisUrl', { parameterName: props.urlParameterName })
      : new StringParameter(this, 'RedisUrl', {
          parameterName: `/${Stack.of(this).stackName}/idempotency/redis-url`,
          stringValue: `rediss://${this.cache.attrEndpointAddress}:${this.cache.attrEndpointPort}`,
          description: 'Redis URL of the idempotency cache (read by the payments function at start-up)',
        });
  }

  /** Where the function runs: the cache's private subnets, with its own security group. */
  functionNetwork(): FunctionNetwork {
    const subnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_ISOLATED };
    return { vpc: this.vpc, subnets, securityGroup: this.clientSecurityGroup };
  }

  /**
   * Lets the function read the URL: `ssm:GetParameter` on that one parameter, nothing else (not
   * `grantRead`, which adds `GetParameters`, `GetParameterHistory`, `DescribeParameters`). No
   * `kms:Decrypt`: a String needs none, and a SecureString under the AWS managed key `aws/ssm` is
   * decrypted by SSM for any principal of the account allowed to read it. A SecureString under a
   * customer managed key needs `key.grantDecrypt(fn)` as well.
   */
  connect(fn: LambdaFunction): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.urlParameter.parameterArn] }));
    fn.addEnvironment(StoreEnvironment.RedisUrlParameter, this.urlParameter.parameterName);
  }
}

/**
 * Rules towards another security group are separate resources (`AWS::EC2::SecurityGroupEgress`),
 * and the CDK then drops the group's inline "no traffic" rule. CloudFormation gives a group created
 * without inline egress rules EC2's default rule (all traffic out), which the separate rules do not
 * remove. Kept inline, the no-traffic rule leaves only the separate rules.
 */
function keepNoTrafficEgress(group: SecurityGroup): void {
  const noTraffic = { CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 };
  (group.node.defaultChild as CfnSecurityGroup).addPropertyOverride('SecurityGroupEgress', [noTraffic]);
}

/** A serverless cache's name: lowercase letters, digits and hyphens, at most 40 characters. */
function cacheName(stackName: string): string {
  return `${stackName}-idempotency`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
}
