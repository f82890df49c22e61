import { RedisStore } from '../lib';
(async () => {
  const store = new RedisStore('redis://127.0.0.1:1', { commandTimeoutMs: 4000 });
  const s = Date.now();
  await store.claim('k', { token: 't', leaseMs: 1, ttlMs: 1 }).catch((e) => console.log('failed after', Date.now() - s, e.message));
  await store.close();
  const t = Date.now();
  process.on('exit', () => console.log('exit after', Date.now() - t));
})();
