import { callerScope } from '../../../lib/integrations/http';
import { albEvent, albMultiValueEvent, v1Event, v2IamEvent, v2JwtEvent, v2LambdaAuthorizerEvent, v2PublicEvent } from '../../helpers/httpEvents';

/** Which field of each event shape names the caller, and in which order they are tried. */
describe('callerScope', () => {
  it.each([
    ['REST v1 Lambda authorizer', v1Event({}, {}, { authorizer: { principalId: 'user-1', integrationLatency: 12, role: 'admin' } }), 'principal:user-1'],
    ['REST v1 Cognito user pool authorizer', v1Event({}, {}, { authorizer: { claims: { sub: 's-1', email: 'a@example.com' } } }), 'sub:s-1'],
    ['HTTP API v2 JWT authorizer', v2JwtEvent('s-2', {}), 'sub:s-2'],
    ['HTTP API v2 Lambda authorizer', v2LambdaAuthorizerEvent({ userId: 'u-1', tenant: 't' }, {}), 'lambda:{"tenant":"t","userId":"u-1"}'],
    ['HTTP API v2 IAM', v2IamEvent('arn:aws:iam::1:user/ann', {}), 'iam:arn:aws:iam::1:user/ann'],
    ['HTTP API v2 IAM, Cognito identity pool', v2IamEvent('arn:aws:sts::1:assumed-role/Cognito_Auth/CognitoIdentityCredentials', {}, {}, 'eu-west-1:id-1'), 'cognito:eu-west-1:id-1'],
    ['REST v1 IAM', v1Event({}, {}, { identity: { userArn: 'arn:aws:iam::1:user/bob', caller: 'AIDA1' } }), 'iam:arn:aws:iam::1:user/bob'],
    ['REST v1 IAM without userArn', v1Event({}, {}, { identity: { caller: 'AIDA1' } }), 'iam:AIDA1'],
    ['REST v1 IAM, Cognito identity pool', v1Event({}, {}, { identity: { cognitoIdentityId: 'eu-west-1:id-2', userArn: 'arn:aws:sts::1:assumed-role/Cognito_Auth/CognitoIdentityCredentials' } }), 'cognito:eu-west-1:id-2'],
    ['REST v1 API key', v1Event({}, {}, { identity: { apiKeyId: 'k-1' } }), 'apikey:k-1'],
  ])('names the caller of a %s event', (_shape, event, expected) => {
    expect(callerScope(event)).toBe(expected);
  });

  it.each([
    ['a public HTTP API v2 event', v2PublicEvent({})],
    ['a public REST v1 event', v1Event({})],
    ['an ALB event', albEvent({})],
    ['an ALB event with multi-value headers', albMultiValueEvent({})],
    ['an empty Lambda authorizer context', v2LambdaAuthorizerEvent({}, {})],
    ['an empty principal', v1Event({}, {}, { authorizer: { principalId: '' } })],
    ['no event', undefined],
    ['a string', 'event'],
  ])('names no caller for %s', (_shape, event) => {
    expect(callerScope(event)).toBeUndefined();
  });

  it('prefers the authorizer principal over the JWT sub, the sub over IAM, and IAM over the API key', () => {
    const all = { principalId: 'p', claims: { sub: 's' } };
    const identity = { userArn: 'arn:u', apiKeyId: 'k' };
    expect(callerScope(v1Event({}, {}, { authorizer: all, identity }))).toBe('principal:p');
    expect(callerScope(v1Event({}, {}, { authorizer: { claims: { sub: 's' } }, identity }))).toBe('sub:s');
    expect(callerScope(v1Event({}, {}, { identity }))).toBe('iam:arn:u');
  });

  it('reads a Lambda authorizer context the same whatever its key order', () => {
    expect(callerScope(v2LambdaAuthorizerEvent({ b: 1, a: 2 }, {}))).toBe(callerScope(v2LambdaAuthorizerEvent({ a: 2, b: 1 }, {})));
  });

  it('tags each source, so an API key id never equals a JWT subject', () => {
    expect(callerScope(v1Event({}, {}, { identity: { apiKeyId: 'x' } }))).not.toBe(callerScope(v2JwtEvent('x', {})));
  });
});
