import { typecheckSnippet, type DecoratorDialect } from '../helpers/typecheckSnippet';

/**
 * What the compiler says about decorated methods, in both dialects: a method the decorator cannot
 * take gets one error that names the fix, and a decorated method keeps a type that is true at run
 * time (an `@IdempotentHttp` method may answer with a problem response instead of its own result).
 */

const prelude = `
import type { ALBResult, APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult, APIGatewayProxyResultV2 } from 'aws-lambda';
import { Idempotent } from 'lambda-idempotency';
import { IdempotentHttp, type HttpResponse } from 'lambda-idempotency/http';
`;

const dialects: DecoratorDialect[] = ['legacy', 'standard'];

describe.each(dialects)('decorated method types (%s decorators)', (dialect) => {
  const check = (source: string): string[] => typecheckSnippet(source, prelude, dialect);

  it('accepts async methods, instance and static, and keeps their types', () => {
    expect(
      check(`
        class Orders {
          @Idempotent('id') async create(e: { id: string }): Promise<number> { return e.id.length; }
          @Idempotent('id') static async archive(e: { id: string }) { return e.id; }
        }
        const created: Promise<number> = new Orders().create({ id: 'o-1' });
        const archived: Promise<string> = Orders.archive({ id: 'o-1' });
      `),
    ).toEqual([]);
  });

  it('accepts methods that declare their `this` type, and keeps it', () => {
    expect(
      check(`
        class Orders {
          readonly prefix = 'o';
          @Idempotent('id') async create(this: Orders, e: { id: string }): Promise<string> { return this.prefix + e.id; }
          @IdempotentHttp() async answer(this: Orders, _e: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> { return this.prefix; }
        }
        const created: Promise<string> = new Orders().create({ id: '1' });
        // @ts-expect-error: the this type is kept
        const detached = new Orders().create.call({}, { id: '1' });
      `),
    ).toEqual([]);
  });

  it('refuses a method that is not async with one error that says to make it async', () => {
    const errors = check(`
      class Orders {
        @Idempotent('id') create(e: { id: string }) { return e.id.length; }
      }
    `);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^line 3: /);
    expect(errors[0]).toContain('@Idempotent decorates async methods only: declare the method async');
    // One error, not every overload's: the message is a few lines, with the cause in them.
    expect(errors[0]?.split('\n').length).toBeLessThanOrEqual(4);
  });

  it('refuses an @IdempotentHttp method whose result type cannot hold the problem response', () => {
    const errors = check(`
      class Payments {
        @IdempotentHttp() async create(_e: APIGatewayProxyEventV2): Promise<{ paymentId: string }> { return { paymentId: 'p-1' }; }
      }
    `);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('@IdempotentHttp may answer with a problem response');
    expect(errors[0]).toContain('Promise<HttpResponse>');
  });

  it('refuses an @IdempotentHttp method that is not async', () => {
    const errors = check(`
      class Payments {
        @IdempotentHttp() create(_e: APIGatewayProxyEventV2) { return { statusCode: 201, body: '' }; }
      }
    `);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('decorates async methods only');
  });

  it('accepts @IdempotentHttp methods typed as every event source result, HttpResponse, or inferred', () => {
    expect(
      check(`
        class Payments {
          @IdempotentHttp() async v2(_e: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> { return { statusCode: 201, body: '' }; }
          @IdempotentHttp() async v1(_e: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> { return { statusCode: 201, body: '' }; }
          @IdempotentHttp() async alb(_e: { headers?: Record<string, string> }): Promise<ALBResult> { return { statusCode: 201 }; }
          @IdempotentHttp() async own(_e: APIGatewayProxyEventV2): Promise<HttpResponse> { return { statusCode: 201 }; }
          @IdempotentHttp() async inferred(_e: APIGatewayProxyEventV2) { return { statusCode: 201, body: JSON.stringify({ id: 'p-1' }) }; }
        }
        const answer: Promise<APIGatewayProxyResultV2> = new Payments().v2({} as APIGatewayProxyEventV2);
      `),
    ).toEqual([]);
  });

  it('refuses an @IdempotentHttp method whose status is a literal type the problem response does not fit', () => {
    const errors = check(`
      class Payments {
        @IdempotentHttp() async create(_e: APIGatewayProxyEventV2): Promise<{ statusCode: 201; body: string }> { return { statusCode: 201, body: '' }; }
      }
    `);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('@IdempotentHttp may answer with a problem response');
  });
});

describe('decorated method types (legacy decorators, as NestJS)', () => {
  const check = (source: string): string[] => typecheckSnippet(source, prelude, 'legacy');

  it('compose in decorators of your own typed with their interfaces, and through Nest\'s applyDecorators', () => {
    expect(
      check(`
        import { applyDecorators, Post } from '@nestjs/common';
        import type { IdempotentMethodDecorator } from 'lambda-idempotency';
        import type { IdempotentHttpDecorator } from 'lambda-idempotency/http';
        const byOrder = (): IdempotentMethodDecorator => Idempotent('id');
        function httpCreate(): IdempotentHttpDecorator { return IdempotentHttp({ ttlSeconds: 86_400 }); }
        const post = (path: string) => applyDecorators(Post(path), Idempotent('id'));
        class Orders {
          @byOrder() async create(e: { id: string }): Promise<number> { return e.id.length; }
          @httpCreate() async answer(_e: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> { return ''; }
          @post('orders') async posted(e: { id: string }): Promise<number> { return e.id.length; }
          // @ts-expect-error: the check travels with the type
          @byOrder() notAsync(e: { id: string }): number { return e.id.length; }
        }
      `),
    ).toEqual([]);
  });

  it('refuses a property, even one holding an async function', () => {
    const errors = check(`
      class Orders {
        @Idempotent('id') create = async (e: { id: string }) => e.id.length;
        @IdempotentHttp() answer = async (_e: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => '';
      }
    `);
    expect(errors).toHaveLength(2);
  });
});
