import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { BASE, problems } from './configTestEnv.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(BASE);
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000, requestTimeoutMs: 120_000, trustProxy: [] });
    expect(config.ops).toEqual({ host: '127.0.0.1', port: 3002 });
    expect(config.auth.maxAgeSeconds).toBe(24 * 3600);
    expect(config.auth.clockSkewSeconds).toBe(30);
    expect(config.limits.authFailureLimitPerMinute).toBe(30);
    expect(config.limits.maxUncompressedBytes).toBe(64 * 1024 * 1024);
    expect(config.storage).toEqual({ kind: 'local', rootDir: '.data/storage' });
    expect(config.records).toEqual({ kind: 'postgres' });
    expect(config.redis).toEqual({ host: '127.0.0.1', port: 6379, password: undefined });
    expect(config.limits.maxFileSize).toBe(10 * 1024 * 1024);
    expect(config.worker.defaultPhoneRegion).toBe('US');
    expect(config.worker.parseThreads).toBe(availableParallelism());
    expect(loadConfig({ ...BASE, WORKER_PARSE_THREADS: '0' }).worker.parseThreads).toBe(0);
    expect(config.worker.parseThreadHeapMb).toBe(256);
    expect(loadConfig({ ...BASE, WORKER_PARSE_THREAD_HEAP_MB: '512' }).worker.parseThreadHeapMb).toBe(512);
  });

  it('picks Cassandra records when contact points are configured', () => {
    const config = loadConfig({ ...BASE, CASSANDRA_CONTACT_POINTS: '10.0.0.1:9042, cass2' });
    expect(config.records).toMatchObject({ kind: 'cassandra', contactPoints: ['10.0.0.1:9042', 'cass2'] });
    expect(
      loadConfig({ ...BASE, CASSANDRA_CONTACT_POINTS: 'x', RECORDS_STORE: 'postgres' }).records.kind,
    ).toBe('postgres');
  });

  it('builds S3 storage settings from the SEAWEEDFS_* variables', () => {
    const config = loadConfig({
      ...BASE,
      USE_LOCAL_STORAGE: 'false',
      SEAWEEDFS_ENDPOINT: 'http://127.0.0.1:8333',
      SEAWEEDFS_ACCESS_KEY: 'a',
      SEAWEEDFS_SECRET_KEY: 'b',
    });
    expect(config.storage).toMatchObject({
      kind: 's3',
      endpoint: 'http://127.0.0.1:8333',
      bucket: 'templates',
    });
  });

  it.each([
    [{ DATABASE_URL: undefined }, 'DATABASE_URL is required'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a URL (postgres: or postgresql:)'],
    [{ PORT: 'abc' }, 'PORT must be a number'],
    [{ PORT: '70000' }, 'PORT must be at most 65535'],
    [{ USE_LOCAL_STORAGE: 'maybe' }, 'USE_LOCAL_STORAGE must be true or false'],
    [{ MAX_FILE_SIZE: '0' }, 'MAX_FILE_SIZE must be at least 1'],
    [{ MAX_FILE_SIZE: '1.5' }, 'MAX_FILE_SIZE must be a whole number'],
    [{ REDIS_PORT: '-1' }, 'REDIS_PORT must be at least 1'],
    [{ SEAWEEDFS_BUCKET: 'Bad_Bucket' }, 'SEAWEEDFS_BUCKET must be a valid S3 bucket name'],
    [{ SEAWEEDFS_ENDPOINT: 'not a url' }, 'SEAWEEDFS_ENDPOINT must be a URL (http: or https:)'],
    [{ DEFAULT_PHONE_REGION: 'usa' }, 'DEFAULT_PHONE_REGION must be a two-letter ISO country code, e.g. US'],
    [{ CASSANDRA_KEYSPACE: 'Bad-Name' }, 'CASSANDRA_KEYSPACE must be a lowercase CQL identifier'],
    [{ RECORDS_STORE: 'mongo' }, 'RECORDS_STORE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY must be at least 1'],
    [{ WORKER_PARSE_THREADS: '-1' }, 'WORKER_PARSE_THREADS must be at least 0'],
    [{ WORKER_PARSE_THREADS: 'all' }, 'WORKER_PARSE_THREADS must be a number'],
    [{ WORKER_PARSE_THREAD_HEAP_MB: '16' }, 'WORKER_PARSE_THREAD_HEAP_MB must be at least 32'],
    [{ QUEUE_NAME: 'a:b' }, 'QUEUE_NAME may only contain letters, digits, _ and -'],
  ])('names the variable and the problem: %o', (override, message) => {
    const found = problems({ ...BASE, ...override });
    expect(found.some((p) => p.startsWith(message))).toBe(true);
  });

  it('requires S3 credentials when local storage is off', () => {
    expect(problems({ ...BASE, USE_LOCAL_STORAGE: 'false' })).toEqual([
      'SEAWEEDFS_ENDPOINT is required when USE_LOCAL_STORAGE=false',
      'SEAWEEDFS_ACCESS_KEY is required when USE_LOCAL_STORAGE=false',
      'SEAWEEDFS_SECRET_KEY is required when USE_LOCAL_STORAGE=false',
    ]);
  });

  it('requires contact points when Cassandra is chosen, and validates them', () => {
    expect(problems({ ...BASE, RECORDS_STORE: 'cassandra' })).toEqual([
      'CASSANDRA_CONTACT_POINTS is required when RECORDS_STORE=cassandra',
    ]);
    expect(problems({ ...BASE, CASSANDRA_CONTACT_POINTS: 'host:port:x' })[0]).toMatch(/comma-separated list/);
  });

  it('requires JWT settings, a long secret, and a real secret in production', () => {
    expect(problems({ DATABASE_URL: BASE.DATABASE_URL })[0]).toMatch(
      /JWT_SECRET or JWT_JWKS_URL is required/,
    );
    expect(problems({ ...BASE, JWT_SECRET: 'short' })).toEqual(['JWT_SECRET must be at least 32 characters']);
    expect(
      problems({
        ...BASE,
        NODE_ENV: 'production',
        JWT_SECRET: 'batchport-dev-only-jwt-secret-do-not-use-in-production',
        JWT_ISSUER: 'https://idp',
        JWT_AUDIENCE: 'batchport',
      }),
    ).toEqual(['JWT_SECRET is a development or placeholder secret; production needs a real one']);
    expect(() =>
      loadConfig({
        DATABASE_URL: BASE.DATABASE_URL,
        NODE_ENV: 'production',
        JWT_JWKS_URL: 'https://idp/jwks',
        JWT_ISSUER: 'https://idp',
        JWT_AUDIENCE: 'batchport',
      }),
    ).not.toThrow();
  });

  it('requires an issuer and an audience to check tokens against in production', () => {
    expect(problems({ ...BASE, NODE_ENV: 'production' })).toEqual([
      'JWT_ISSUER is required when NODE_ENV=production',
      'JWT_AUDIENCE is required when NODE_ENV=production',
    ]);
    expect(problems({ ...BASE, NODE_ENV: 'production', JWT_ISSUER: 'https://idp' })).toEqual([
      'JWT_AUDIENCE is required when NODE_ENV=production',
    ]);
    expect(() => loadConfig({ ...BASE, NODE_ENV: 'development' })).not.toThrow();
  });

  it('bounds the token lifetime and clock skew settings', () => {
    expect(loadConfig({ ...BASE, JWT_MAX_AGE: '3600', JWT_CLOCK_SKEW: '5' }).auth).toMatchObject({
      maxAgeSeconds: 3600,
      clockSkewSeconds: 5,
    });
    expect(problems({ ...BASE, JWT_MAX_AGE: '0' })).toEqual(['JWT_MAX_AGE must be at least 60']);
    expect(problems({ ...BASE, JWT_MAX_AGE: String(31 * 24 * 3600) })).toEqual([
      'JWT_MAX_AGE must be at most 2592000',
    ]);
    expect(problems({ ...BASE, JWT_CLOCK_SKEW: '3600' })).toEqual(['JWT_CLOCK_SKEW must be at most 300']);
  });

  it('reads the trusted proxies as addresses or CIDR ranges, and nothing else', () => {
    expect(loadConfig({ ...BASE, TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,::1' }).http.trustProxy).toEqual([
      '10.0.0.1',
      '10.1.0.0/16',
      '::1',
    ]);
    for (const bad of ['true', 'loopback', '10.0.0.0/33', '10.0.0.1/8/2', 'example.com']) {
      expect(problems({ ...BASE, TRUST_PROXY: bad }), bad).toEqual([
        'TRUST_PROXY must be a comma-separated list of IP addresses or CIDR ranges',
      ]);
    }
  });

  it('formats every problem on its own line in the error message', () => {
    try {
      loadConfig({ PORT: 'x' });
    } catch (error) {
      expect((error as Error).message).toMatch(/^Invalid configuration:\n {2}- /);
      return;
    }
    throw new Error('expected an error');
  });
});
