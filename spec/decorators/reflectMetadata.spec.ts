import 'reflect-metadata';
import { Controller, HttpCode, Post, SetMetadata, UseGuards, type CanActivate } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GUARDS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { Idempotent, MemoryStore } from '../../lib';
import { IdempotentHttp } from '../../lib/integrations/http';

/**
 * NestJS' method decorators (@Post, @UseGuards, @SetMetadata, @HttpCode, @MessagePattern, ...)
 * keep their metadata on the method itself (`descriptor.value`), where Nest reads it
 * (`Reflector.get(key, context.getHandler())`). Written above them, a decorator that replaces the
 * method must carry that metadata over: else the route disappears and, worse, its guards are
 * silently dropped.
 */
class DenyAll implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

const store = new MemoryStore();

@Controller('orders')
class OrdersController {
  @Idempotent({ key: 'id', store })
  @UseGuards(DenyAll)
  @SetMetadata('roles', ['admin'])
  @HttpCode(201)
  @Post()
  async create(order: { id: string }): Promise<string> {
    return order.id;
  }

  @IdempotentHttp({ store })
  @UseGuards(DenyAll)
  @SetMetadata('roles', ['admin'])
  @Post('http')
  async createHttp(_event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
    return { statusCode: 201 };
  }
}

describe('Nest metadata on a method @Idempotent decorates from above', () => {
  const reflector = new Reflector();

  it.each(['create', 'createHttp'] as const)('%s keeps its route, guards and custom metadata where Nest reads them', (method) => {
    const handler = OrdersController.prototype[method];
    expect(reflector.get<string[]>('roles', handler)).toEqual(['admin']);
    expect(Reflect.getMetadata(GUARDS_METADATA, handler)).toEqual([DenyAll]);
    expect(Reflect.getMetadata(PATH_METADATA, handler)).toBe(method === 'create' ? '/' : 'http');
    expect(Reflect.getMetadata(METHOD_METADATA, handler)).toBeDefined();
  });

  it('still runs idempotently', async () => {
    const controller = new OrdersController();
    expect(Reflect.getMetadata(HTTP_CODE_METADATA, controller.create)).toBe(201);
    await expect(controller.create({ id: 'o-1' })).resolves.toBe('o-1');
    await expect(controller.create({ id: 'o-1' })).resolves.toBe('o-1');
  });
});
