import { canonicalJson } from '../../core/key/key';

/**
 * Who sent an HTTP request, as API Gateway's authorizers put it in the event: the default scope of
 * an `Idempotency-Key`, so one caller's key never replays another caller's response (the IETF
 * draft's security considerations; Stripe scopes keys per account).
 */

type Fields = Readonly<Record<string, unknown>>;

function fieldsAt(value: unknown, name: string): Fields | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const next = (value as Fields)[name];
  return next !== null && typeof next === 'object' && !Array.isArray(next) ? (next as Fields) : undefined;
}

function textAt(value: Fields | undefined, name: string): string | undefined {
  const text = value?.[name];
  return typeof text === 'string' && text !== '' ? text : undefined;
}

/** A Lambda authorizer's context (HTTP API v2 has no principal field): all of it, canonically. */
function contextOf(lambda: Fields | undefined): string | undefined {
  return lambda === undefined || Object.keys(lambda).length === 0 ? undefined : canonicalJson(lambda);
}

/**
 * The caller named by an API Gateway event, tagged with where it came from (`sub:…`, `iam:…`), or
 * `undefined` when the event names none (a public endpoint, ALB, a function URL without auth).
 * The first of these that is present and non-empty wins:
 *
 * 1. `requestContext.authorizer.principalId`: a REST API (v1) Lambda authorizer's principal
 *    (also an HTTP API JWT authorizer's, when API Gateway fills it in);
 * 2. the JWT `sub`: `authorizer.claims.sub` (v1 Cognito user pool authorizer),
 *    `authorizer.jwt.claims.sub` (v2 JWT authorizer);
 * 3. `authorizer.lambda`, the whole context of an HTTP API (v2) Lambda authorizer, as canonical JSON;
 * 4. the Cognito identity (identity pool callers under IAM auth, whose role ARN is shared):
 *    `authorizer.iam.cognitoIdentity.identityId` (v2), `identity.cognitoIdentityId` (v1);
 * 5. the IAM caller: `authorizer.iam.userArn`, then `.callerId` (v2); `identity.userArn`, then
 *    `identity.caller` (v1);
 * 6. the API key: `identity.apiKeyId` (v1; an API key may be shared by many users, hence last).
 *
 * @example
 * ```ts
 * callerScope({ requestContext: { authorizer: { jwt: { claims: { sub: 'alice' } } } } }); // 'sub:alice'
 * ```
 */
export function callerScope(event: unknown): string | undefined {
  const context = fieldsAt(event, 'requestContext');
  const authorizer = fieldsAt(context, 'authorizer');
  const identity = fieldsAt(context, 'identity');
  const iam = fieldsAt(authorizer, 'iam');
  return (
    tag('principal', textAt(authorizer, 'principalId')) ??
    tag('sub', textAt(fieldsAt(authorizer, 'claims'), 'sub') ?? textAt(fieldsAt(fieldsAt(authorizer, 'jwt'), 'claims'), 'sub')) ??
    tag('lambda', contextOf(fieldsAt(authorizer, 'lambda'))) ??
    tag('cognito', textAt(fieldsAt(iam, 'cognitoIdentity'), 'identityId') ?? textAt(identity, 'cognitoIdentityId')) ??
    tag('iam', textAt(iam, 'userArn') ?? textAt(iam, 'callerId') ?? textAt(identity, 'userArn') ?? textAt(identity, 'caller')) ??
    tag('apikey', textAt(identity, 'apiKeyId'))
  );
}

// The source is part of the scope, so an API key id can never equal a JWT subject.
function tag(source: string, id: string | undefined): string | undefined {
  return id === undefined ? undefined : `${source}:${id}`;
}
