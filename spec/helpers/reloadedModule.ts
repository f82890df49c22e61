/**
 * A handler module that spec/namespace.spec.ts loads twice (`jest.isolateModules`), as an
 * in-process hot reload re-requires an edited module: each load defines new functions.
 */
import { Idempotent, makeIdempotent } from '../../lib';

export class ReloadedHandler {
  @Idempotent('id')
  async handle(event: { id: string }) {
    return `handled:${event.id}`;
  }
}

export const settle = makeIdempotent(async function reloadedSettle(event: { id: string }) { return `settled:${event.id}`; }, { key: 'id' });
