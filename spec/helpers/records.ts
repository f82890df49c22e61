import { hashValue } from '../../lib';
import { recordKeyPrefix } from '../../lib/core/key/key';

/**
 * The store key of a record under the default prefix: what the engine writes for `id` in
 * `namespace` (the function's name, or `Class.method`), built with the library's own key format.
 */
export function recordKey(namespace: string, id: string): string {
  return recordKeyPrefix('idempotency', namespace) + hashValue(id);
}
