import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createCassandraClient } from '../../../src/db/cassandra.js';
import { base } from '../../../src/queue/redisConnection.js';
import { BASE, problems } from './configTestEnv.js';

/**
 * Credentials and TLS for Redis (ACL user, Sentinels) and Cassandra: validated at start and
 * handed to the drivers. The Redis ACL user is also proven on the real Redis
 * (test/integration/db/redisAclUser.test.ts).
 */
const dir = mkdtempSync(join(tmpdir(), 'batchport-ca-'));
const CA_FILE = join(dir, 'ca.pem');
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
writeFileSync(CA_FILE, CA_PEM);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SENTINELS = { REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'primary' };
const CASSANDRA = { RECORDS_STORE: 'cassandra', CASSANDRA_CONTACT_POINTS: 'db1:9042' };

describe('Redis credentials and TLS', () => {
  it('hands the ACL user, the Sentinels’ credentials and TLS with the CA to ioredis', () => {
    const config = loadConfig({
      ...BASE,
      ...SENTINELS,
      REDIS_USERNAME: 'batchport',
      REDIS_PASSWORD: 'data-pw',
      REDIS_SENTINEL_USERNAME: 'sentinel-user',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: CA_FILE,
    });
    const options = base(config.redis);
    expect(options).toMatchObject({
      username: 'batchport',
      password: 'data-pw',
      sentinelUsername: 'sentinel-user',
      sentinelPassword: 'sentinel-pw',
      enableTLSForSentinelMode: true,
      tls: { rejectUnauthorized: true },
      sentinelTLS: { rejectUnauthorized: true },
    });
    expect(String(options.tls?.ca)).toBe(CA_PEM);
    expect(base(loadConfig(BASE).redis)).not.toHaveProperty('tls');
  });

  it('refuses settings that do not go together, and a CA file that cannot be read', () => {
    expect(problems({ ...BASE, REDIS_USERNAME: 'u' })).toEqual([
      "REDIS_USERNAME needs REDIS_PASSWORD (the ACL user's password)",
    ]);
    expect(problems({ ...BASE, REDIS_SENTINEL_PASSWORD: 'x' })).toEqual([
      'REDIS_SENTINEL_USERNAME/REDIS_SENTINEL_PASSWORD are set but REDIS_SENTINELS is not',
    ]);
    expect(problems({ ...BASE, ...SENTINELS, REDIS_SENTINEL_USERNAME: 'u' })).toEqual([
      'REDIS_SENTINEL_USERNAME needs REDIS_SENTINEL_PASSWORD',
    ]);
    expect(problems({ ...BASE, REDIS_TLS_CA_FILE: CA_FILE })).toEqual([
      'REDIS_TLS_CA_FILE is set but REDIS_TLS is not true',
    ]);
    expect(problems({ ...BASE, REDIS_TLS: 'true', REDIS_TLS_CA_FILE: join(dir, 'missing.pem') })).toEqual([
      `REDIS_TLS_CA_FILE ${join(dir, 'missing.pem')} is not a readable file`,
    ]);
  });
});

describe('Cassandra credentials and TLS', () => {
  it('hands the credentials and TLS with the CA to the driver', async () => {
    const config = loadConfig({
      ...BASE,
      ...CASSANDRA,
      CASSANDRA_USERNAME: 'batchport',
      CASSANDRA_PASSWORD: 'cql-pw',
      CASSANDRA_TLS: 'true',
      CASSANDRA_TLS_CA_FILE: CA_FILE,
    });
    expect(config.records.kind).toBe('cassandra');
    const records = config.records as Extract<typeof config.records, { kind: 'cassandra' }>;
    const client = createCassandraClient({ ...records, localDataCenter: 'dc1' });
    // The driver keeps the options it was built with (not in its typings).
    const { options } = client as unknown as {
      options: { credentials?: unknown; sslOptions?: { rejectUnauthorized: boolean; ca: Buffer[] } };
    };
    expect(options.credentials).toEqual({ username: 'batchport', password: 'cql-pw' });
    expect(options.sslOptions?.rejectUnauthorized).toBe(true);
    expect(options.sslOptions?.ca.map(String)).toEqual([CA_PEM]);
    await client.shutdown();
  });

  it('refuses a username without its password (and the reverse) and a CA without TLS', () => {
    expect(problems({ ...BASE, ...CASSANDRA, CASSANDRA_USERNAME: 'u' })).toEqual([
      'CASSANDRA_USERNAME and CASSANDRA_PASSWORD go together: set both or neither',
    ]);
    expect(problems({ ...BASE, ...CASSANDRA, CASSANDRA_PASSWORD: 'p' })).toEqual([
      'CASSANDRA_USERNAME and CASSANDRA_PASSWORD go together: set both or neither',
    ]);
    expect(problems({ ...BASE, ...CASSANDRA, CASSANDRA_TLS_CA_FILE: CA_FILE })).toEqual([
      'CASSANDRA_TLS_CA_FILE is set but CASSANDRA_TLS is not true',
    ]);
  });
});
