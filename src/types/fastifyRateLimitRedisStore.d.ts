/**
 * @fastify/rate-limit (11.x) keeps its Redis store in store/RedisStore.js without typings; the
 * package has no "exports" map, so the file is importable. Only what
 * src/http/plugins/rateLimitStore.ts uses is declared.
 */
declare module '@fastify/rate-limit/store/RedisStore.js' {
  import type { FastifyRateLimitStore } from '@fastify/rate-limit';
  import type { Redis } from 'ioredis';

  const RedisStore: new (
    continueExceeding: boolean,
    exponentialBackoff: boolean,
    redis: Redis,
    key: string,
  ) => FastifyRateLimitStore;
  export default RedisStore;
}
