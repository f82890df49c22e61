import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib/core';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { IdempotencyTable } from './IdempotencyTable';
import { paymentsFunction } from './paymentsFunction';
import { ValkeyCache } from './ValkeyCache';

/** Where the idempotency records live: `-c store=dynamodb` (the default) or `-c store=redis`. */
export const StoreKind = { DynamoDB: 'dynamodb', Redis: 'redis' } as const;
export type StoreKind = (typeof StoreKind)[keyof typeof StoreKind];

/**
 * Reads the `store` context value.
 *
 * @example
 * ```ts
 * storeKindFrom(app.node.tryGetContext('store')); // 'dynamodb' when unset
 * ```
 */
export function storeKindFrom(value: unknown): StoreKind {
  if (value === undefined) return StoreKind.DynamoDB;
  const kinds: readonly unknown[] = Object.values(StoreKind);
  if (kinds.includes(value)) return value as StoreKind;
  throw new Error(`Expected -c store=dynamodb or -c store=redis, got ${JSON.stringify(value)}.`);
}

/** Options of {@link PaymentsStack}. */
export interface PaymentsStackProps extends StackProps {
  readonly store: StoreKind;
  /** With `store: 'redis'`: an existing SSM parameter (SecureString) holding the Redis URL. */
  readonly redisUrlParameterName?: string;
}

/**
 * The payments sample, deployable: the function behind a function URL (IAM auth, so each caller's
 * keys are scoped to its IAM identity), and its idempotency store: a DynamoDB table, or
 * ElastiCache Serverless (Valkey) in a VPC.
 *
 * @example
 * ```ts
 * new PaymentsStack(new App(), 'PaymentsIdempotency', { store: StoreKind.Redis });
 * ```
 */
export class PaymentsStack extends Stack {
  constructor(scope: Construct, id: string, props: PaymentsStackProps) {
    super(scope, id, props);
    const valkey = props.store === StoreKind.Redis ? new ValkeyCache(this, 'Valkey', props.redisUrlParameterName ? { urlParameterName: props.redisUrlParameterName } : {}) : undefined;
    const fn = paymentsFunction(this, 'Payments', valkey?.functionNetwork());
    (valkey ?? new IdempotencyTable(this, 'Idempotency')).connect(fn);
    const url = fn.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    new CfnOutput(this, 'PaymentsUrl', { value: url.url, description: 'POST a payment here, signed with SigV4 (service lambda)' });
  }
}
