import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { join } from 'node:path';

/** A VPC placement for the function (the Valkey option). */
export interface FunctionNetwork {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly securityGroup: ISecurityGroup;
}

const APP_ROOT = join(__dirname, '..');

/**
 * The payments function (`lambda/payments.ts`, handler `create`), bundled by esbuild on this
 * machine (the app's own `esbuild` dev dependency: no Docker), minified as most teams ship it. Every
 * record key holds the record namespace `ClassName.method`; a minifier renames classes in every
 * build, and the library refuses a name it cannot trust, so the bundle keeps names
 * (`keepNames`): the namespace stays `PaymentsHandler.create` from build to build.
 *
 * @example
 * ```ts
 * const fn = paymentsFunction(stack, 'Payments');
 * ```
 */
export function paymentsFunction(scope: Construct, id: string, network?: FunctionNetwork): NodejsFunction {
  return new NodejsFunction(scope, id, {
    entry: join(APP_ROOT, 'lambda/payments.ts'),
    handler: 'create',
    depsLockFilePath: join(APP_ROOT, 'package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: 512,
    timeout: Duration.seconds(10),
    logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY }),
    bundling: {
      minify: true,
      keepNames: true,
      // This app's tsconfig (legacy decorators, as the sample is written), not the repository's,
      // whose `paths` would point the library at its TypeScript source instead of the built package.
      tsconfig: join(APP_ROOT, 'tsconfig.json'),
      // The Node.js 22 runtime provides the AWS SDK v3 (client-dynamodb, client-ssm).
      externalModules: ['@aws-sdk/*'],
    },
    ...(network && { vpc: network.vpc, vpcSubnets: network.subnets, securityGroups: [network.securityGroup] }),
  });
}
