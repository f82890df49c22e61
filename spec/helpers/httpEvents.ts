import type {
  ALBEvent,
  APIGatewayEventIdentity,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyEventV2WithLambdaAuthorizer,
} from 'aws-lambda';
import { httpEvent } from './lambda';

/**
 * Events in the shapes API Gateway (REST v1, HTTP API v2) and ALB send, per @types/aws-lambda,
 * with the caller fields each authorizer fills in. Bodies are JSON.
 */

/** API Gateway HTTP API (v2) with a JWT authorizer (Cognito user pool, Auth0...): the caller is `sub`. */
export function v2JwtEvent(sub: string, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const base = httpEvent(body, headers);
  return {
    ...base,
    requestContext: {
      ...base.requestContext,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: { sub, iss: 'https://issuer.example' }, scopes: null } },
    },
  };
}

/** API Gateway HTTP API (v2) with a Lambda authorizer: no principal field, only its context. */
export function v2LambdaAuthorizerEvent(context: Record<string, unknown>, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>> {
  const base = httpEvent(body, headers);
  return { ...base, requestContext: { ...base.requestContext, authorizer: { lambda: context } } };
}

/** API Gateway HTTP API (v2) or a function URL with IAM auth. */
export function v2IamEvent(userArn: string, body: unknown, headers: Record<string, string> = {}, cognitoIdentityId?: string): APIGatewayProxyEventV2WithIAMAuthorizer {
  const base = httpEvent(body, headers);
  const cognitoIdentity = cognitoIdentityId === undefined ? null : { amr: ['authenticated'], identityId: cognitoIdentityId, identityPoolId: 'eu-west-1:pool' };
  return {
    ...base,
    requestContext: {
      ...base.requestContext,
      authorizer: {
        iam: {
          accessKey: 'ASIA0000',
          accountId: '123456789012',
          callerId: `AROA0000:${userArn.split('/').pop() ?? ''}`,
          // @types/aws-lambda types it null; API Gateway fills it in for Cognito identity pool callers.
          cognitoIdentity: cognitoIdentity as null,
          principalOrgId: 'o-1',
          userArn,
          userId: 'AROA0000',
        },
      },
    },
  };
}

/** A v2 event without any authorizer: a public endpoint. */
export function v2PublicEvent(body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return httpEvent(body, headers);
}

function identity(fields: Partial<APIGatewayEventIdentity> = {}): APIGatewayEventIdentity {
  return {
    accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
    cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
    cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: '127.0.0.1', user: null,
    userAgent: 'jest', userArn: null, ...fields,
  };
}

/**
 * API Gateway REST API (v1): `headers` holds the last value of each header, `multiValueHeaders`
 * all of them. `authorizer` is what the authorizer put there (Lambda: principalId and context;
 * Cognito: claims).
 */
export function v1Event(
  body: unknown,
  multiValueHeaders: Record<string, string[]> = {},
  caller: { authorizer?: Record<string, unknown>; identity?: Partial<APIGatewayEventIdentity> } = {},
): APIGatewayProxyEvent {
  const all = { 'content-type': ['application/json'], ...multiValueHeaders };
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(all)) headers[name] = values[values.length - 1] as string;
  return {
    body: JSON.stringify(body),
    headers,
    multiValueHeaders: all,
    httpMethod: 'POST',
    isBase64Encoded: false,
    path: '/payments',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    resource: '/payments',
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      authorizer: caller.authorizer,
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      identity: identity(caller.identity),
      path: '/prod/payments',
      stage: 'prod',
      requestId: 'r',
      requestTimeEpoch: 1795000000000,
      resourceId: 'res',
      resourcePath: '/payments',
    },
  };
}

/**
 * ALB with `lambda.multi_value_headers.enabled`: only `multiValueHeaders`, never `headers`.
 */
export function albMultiValueEvent(body: unknown, multiValueHeaders: Record<string, string[]> = {}): ALBEvent {
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/payments/0123456789abcdef' } },
    httpMethod: 'POST',
    path: '/payments',
    multiValueQueryStringParameters: {},
    multiValueHeaders: { 'content-type': ['application/json'], ...multiValueHeaders },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** ALB without multi-value headers: `headers` only, the last value of each. */
export function albEvent(body: unknown, headers: Record<string, string> = {}): ALBEvent {
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/payments/0123456789abcdef' } },
    httpMethod: 'POST',
    path: '/payments',
    queryStringParameters: {},
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}
