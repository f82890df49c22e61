import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TemplateJson } from './synth';

/** The repository root: the library's source and its build (`dist/`, which the function bundles). */
export const REPO_ROOT = join(__dirname, '../../..');

type Resource = TemplateJson['Resources'][string];

/** The resources of one type, by logical id. */
export function resourcesOfType(json: TemplateJson, type: string): Array<[string, Resource]> {
  return Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
}

/** The only resource of a type. */
export function only(json: TemplateJson, type: string): [string, Record<string, unknown>] {
  const found = resourcesOfType(json, type);
  if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0] as [string, Resource];
  return [id, resource.Properties ?? {}];
}

/** Every statement of every IAM policy in the template. */
export function policyStatements(json: TemplateJson): unknown[] {
  return resourcesOfType(json, 'AWS::IAM::Policy').flatMap(([, policy]) => (policy.Properties?.PolicyDocument as { Statement: unknown[] }).Statement);
}

/** The AWS managed policies attached to the template's roles, by name. */
export function managedPolicyNames(json: TemplateJson): string[] {
  return resourcesOfType(json, 'AWS::IAM::Role')
    .flatMap(([, role]) => (role.Properties?.ManagedPolicyArns as unknown[] | undefined) ?? [])
    .map((arn) => JSON.stringify(arn).replace(/.*:policy\/(?:service-role\/)?([\w-]+).*/, '$1'))
    .sort();
}

/** `{ "Fn::GetAtt": [id, "GroupId"] }` of a security group. */
export const groupId = (logicalId: string): unknown => ({ 'Fn::GetAtt': [logicalId, 'GroupId'] });

/** The logical id a `GetAtt` or `Ref` points at. */
export function target(reference: unknown): string {
  const r = reference as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  const id = r['Fn::GetAtt']?.[0] ?? r.Ref;
  if (id === undefined) throw new Error(`Not a reference: ${JSON.stringify(reference)}`);
  return id;
}

/**
 * The DynamoDB actions `DynamoDBStore` needs: one per command class it imports from the SDK
 * (`PutItemCommand` → `dynamodb:PutItem`), read from the store's source, so a command added to the
 * store fails this test until the stack allows it.
 */
export function storeActions(): string[] {
  const source = readFileSync(join(REPO_ROOT, 'lib/stores/dynamodb/DynamoDBStore.ts'), 'utf8');
  const imported = /import \{([^}]*)\} from '@aws-sdk\/client-dynamodb'/.exec(source)?.[1];
  if (imported === undefined) throw new Error('DynamoDBStore.ts no longer imports @aws-sdk/client-dynamodb: update this test');
  const commands = imported.split(',').map((name) => /^\s*(\w+)Command\s*$/.exec(name)?.[1]).filter((name): name is string => name !== undefined);
  return commands.map((name) => `dynamodb:${name}`).sort();
}
