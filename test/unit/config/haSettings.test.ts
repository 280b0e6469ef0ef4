import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { workerRedisOptions } from '../../../src/queue/redisConnection.js';
import { BASE, problems } from './configTestEnv.js';

describe('Redis Sentinel settings', () => {
  it('parses REDIS_SENTINELS with REDIS_SENTINEL_NAME', () => {
    const config = loadConfig({
      ...BASE,
      REDIS_SENTINELS: '127.0.0.1:26379, sentinel-2.internal:26380',
      REDIS_SENTINEL_NAME: 'batchport',
      REDIS_PASSWORD: 'pw',
    });
    expect(config.redis).toEqual({
      host: '127.0.0.1',
      port: 6379,
      password: 'pw',
      sentinels: [
        { host: '127.0.0.1', port: 26379 },
        { host: 'sentinel-2.internal', port: 26380 },
      ],
      sentinelName: 'batchport',
    });
  });

  it('requires both variables or neither', () => {
    expect(problems({ ...BASE, REDIS_SENTINELS: '127.0.0.1:26379' })).toEqual([
      'REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the name the Sentinels monitor)',
    ]);
    expect(problems({ ...BASE, REDIS_SENTINEL_NAME: 'batchport' })).toEqual([
      'REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not',
    ]);
  });

  it('rejects entries that are not host:port, ports out of range and bad names', () => {
    const listProblem = 'REDIS_SENTINELS must be a comma-separated list of host:port';
    for (const bad of ['127.0.0.1', '127.0.0.1:26379,', 'a:0', 'a:70000', 'a b:1']) {
      expect(problems({ ...BASE, REDIS_SENTINELS: bad, REDIS_SENTINEL_NAME: 'x' })).toEqual([listProblem]);
    }
    expect(problems({ ...BASE, REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'my master' })[0]).toMatch(
      /^REDIS_SENTINEL_NAME /,
    );
  });

  it('connects through the Sentinels (not host/port) when they are set', () => {
    const options = workerRedisOptions({
      host: '127.0.0.1',
      port: 6379,
      password: 'pw',
      sentinels: [{ host: '127.0.0.1', port: 26379 }],
      sentinelName: 'batchport',
    });
    expect(options).toMatchObject({
      sentinels: [{ host: '127.0.0.1', port: 26379 }],
      name: 'batchport',
      password: 'pw',
      maxRetriesPerRequest: null,
    });
    expect(options.host).toBeUndefined();
    expect(
      options.reconnectOnError?.(new Error("READONLY You can't write against a read only replica.")),
    ).toBe(2);
    expect(options.reconnectOnError?.(new Error('ERR unknown command'))).toBe(false);
    expect(workerRedisOptions({ host: 'h', port: 1, password: undefined })).toMatchObject({
      host: 'h',
      port: 1,
    });
  });
});

describe('CASSANDRA_CONSISTENCY', () => {
  const CASS = { ...BASE, CASSANDRA_CONTACT_POINTS: '127.0.0.1:9042' };

  it('defaults to LOCAL_QUORUM, which a single node (RF 1) also satisfies', () => {
    expect(loadConfig(CASS).records).toMatchObject({
      kind: 'cassandra',
      consistency: 'LOCAL_QUORUM',
      replicationFactor: 1,
    });
  });

  it('accepts the driver levels by name and rejects anything else', () => {
    expect(loadConfig({ ...CASS, CASSANDRA_CONSISTENCY: 'QUORUM' }).records).toMatchObject({
      consistency: 'QUORUM',
    });
    for (const bad of ['local_quorum', 'TWO', 'ANY']) {
      expect(problems({ ...CASS, CASSANDRA_CONSISTENCY: bad })).toEqual([
        'CASSANDRA_CONSISTENCY must be one of ONE, LOCAL_ONE, QUORUM, LOCAL_QUORUM, EACH_QUORUM, ALL',
      ]);
    }
  });
});
