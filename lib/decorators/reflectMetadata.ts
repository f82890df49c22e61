/**
 * reflect-metadata (loaded by NestJS, not needed by this library) as far as it is used here: the
 * metadata a decorator kept on a function. Absent when no one loaded it.
 */
interface MetadataReflect {
  getOwnMetadataKeys(target: object): unknown[];
  getOwnMetadata(key: unknown, target: object): unknown;
  defineMetadata(key: unknown, value: unknown, target: object): void;
}

function metadataReflect(): MetadataReflect | undefined {
  const candidate = Reflect as Partial<MetadataReflect>;
  const complete = typeof candidate.getOwnMetadataKeys === 'function' && typeof candidate.getOwnMetadata === 'function' && typeof candidate.defineMetadata === 'function';
  return complete ? (candidate as MetadataReflect) : undefined;
}

/**
 * Copies the reflect-metadata kept on `original` to `replacement`, the function that takes its
 * place on the class. NestJS' method decorators (`@Post`, `@UseGuards`, `@SetMetadata`,
 * `@HttpCode`, `@MessagePattern`, ...) keep theirs on the method itself, where Nest reads it
 * (`Reflector.get(key, context.getHandler())`); a decorator written above them that replaced the
 * method without it would drop the route and, silently, its guards. Does nothing without
 * reflect-metadata. Internal.
 *
 * @example
 * ```ts
 * descriptor.value = carryMetadata(descriptor.value, wrapped);
 * ```
 */
export function carryMetadata<T extends object>(original: object, replacement: T): T {
  const reflect = metadataReflect();
  if (reflect === undefined) return replacement;
  for (const key of reflect.getOwnMetadataKeys(original)) {
    reflect.defineMetadata(key, reflect.getOwnMetadata(key, original), replacement);
  }
  return replacement;
}
