import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCassandraContactIndex } from '../../../src/contactIndex/cassandraContactIndex.js';
import { shardOf } from '../../../src/contactIndex/contactKeys.js';
import type { ContactRecord } from '../../../src/contacts/contactSchema.js';
import { createCassandraClient, type CassandraClient } from '../../../src/db/cassandra.js';
import { DEFAULT_GC_GRACE_SECONDS } from '../../../src/db/tombstoneGrace.js';
import { requireEnv } from '../errors/env.js';

/** A client of the stack's node (the index closes the client it is given: one each). */
function connect(): CassandraClient {
  return createCassandraClient({
    contactPoints: requireEnv('CASSANDRA_CONTACT_POINTS').split(','),
    localDataCenter: requireEnv('CASSANDRA_LOCAL_DC'),
    requestTimeoutMs: 30_000,
  });
}

const TABLES = ['contact_index_readings', 'contact_sightings'];

/**
 * Issue #21, the index's deletes. Each release (a deleted batch, a replaced reading) leaves one
 * range tombstone per key; Cassandra fails a read that meets more than 100,000
 * (tombstone_failure_threshold), and a read asks for up to 250 keys of one partition. So one
 * user's same 250-key list, loaded and released 205 times within gc_grace_seconds, made every
 * later read of those keys fail (seen with the default 10 days: "Server failure during read").
 * On a single replica the index's tables purge tombstones at once (gc_grace_seconds 0), and
 * reads skip purgeable tombstones. Real Cassandra (the stack's node), a keyspace of its own.
 */
describe('contact index tombstones (Cassandra)', () => {
  const single = `batchport_tomb_${randomBytes(4).toString('hex')}`;
  const replicated = `batchport_tomb_${randomBytes(4).toString('hex')}`;
  let client: CassandraClient;

  async function graceOf(keyspace: string): Promise<Record<string, number>> {
    const result = await client.execute(
      'SELECT table_name, gc_grace_seconds FROM system_schema.tables WHERE keyspace_name = ? AND table_name IN ?',
      [keyspace, TABLES],
      { prepare: true },
    );
    return Object.fromEntries(result.rows.map((r) => [r['table_name'], r['gc_grace_seconds']]));
  }

  beforeAll(async () => {
    client = connect();
    await client.connect();
    for (const [keyspace, rf] of [
      [single, 1],
      [replicated, 2],
    ] as const) {
      await client.execute(
        `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${rf}}`,
      );
    }
  });
  afterAll(async () => {
    for (const keyspace of [single, replicated]) {
      await client?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    }
    await client?.shutdown();
  });

  it('init gives the index tables gc_grace_seconds 0 on a single replica, the default on more', async () => {
    const start = async (keyspace: string) => {
      const index = createCassandraContactIndex(connect(), { keyspace });
      await index.init();
      await index.close();
    };
    await start(single);
    await start(replicated);
    expect(await graceOf(single)).toEqual({ contact_index_readings: 0, contact_sightings: 0 });
    expect(await graceOf(replicated)).toEqual({
      contact_index_readings: DEFAULT_GC_GRACE_SECONDS,
      contact_sightings: DEFAULT_GC_GRACE_SECONDS,
    });
    // A keyspace whose replication was raised since gets the default back at the next start.
    await client.execute(`ALTER TABLE ${replicated}.contact_sightings WITH gc_grace_seconds = 0`);
    await start(replicated);
    expect((await graceOf(replicated))['contact_sightings']).toBe(DEFAULT_GC_GRACE_SECONDS);
  });

  it(
    'reads still answer after one user released the same 250 keys 205 times',
    { timeout: 180_000 },
    async () => {
      const index = createCassandraContactIndex(connect(), { keyspace: single });
      await index.init();
      try {
        // 250 e-mails of one index partition: one read asks for all of them.
        const emails = Array.from({ length: 8_000 }, (_, i) => `person${i}@example.com`)
          .filter((e) => shardOf(`e:${e}`, 16) === 0)
          .slice(0, 250);
        expect(emails).toHaveLength(250);
        const records = emails.map((email, i) => ({ email, phone: null, rowNumber: i + 2 }) as ContactRecord);
        const userId = `tomb-${randomUUID()}`;
        const rounds = 205; // 205 x 250 keys x 2 bounds = 102,500 tombstone markers
        for (let seq = 1; seq <= rounds; seq++) {
          const batchId = randomUUID();
          const owner = { userId, batchId, seq, recordsKey: batchId };
          await index.register(owner);
          await index.write(owner, records);
          await index.release(batchId, () => Readable.from([records]));
        }
        const kept = randomUUID();
        await index.register({ userId, batchId: kept, seq: rounds + 1, recordsKey: kept });
        await index.write({ userId, batchId: kept, seq: rounds + 1, recordsKey: kept }, records.slice(0, 1));
        const first = await index.firstSightings(
          userId,
          emails.map((e) => `e:${e}`),
          { before: rounds + 2 },
        );
        expect([...first.keys()]).toEqual([`e:${emails[0]!}`]);
        expect(first.get(`e:${emails[0]!}`)).toEqual({ seq: rounds + 1, batchId: kept, row: 2 });
      } finally {
        await index.close();
      }
    },
  );
});
