import { App } from 'aws-cdk-lib/core';
import { PaymentsStack, storeKindFrom } from '../lib/PaymentsStack';

// No `env`: an environment-agnostic stack, synthesized without credentials or lookups; `cdk deploy`
// takes the account and region from the AWS profile.
const app = new App();
const redisUrlParameterName: unknown = app.node.tryGetContext('redisUrlParameter');
new PaymentsStack(app, 'PaymentsIdempotency', {
  store: storeKindFrom(app.node.tryGetContext('store')),
  ...(typeof redisUrlParameterName === 'string' && { redisUrlParameterName }),
});
