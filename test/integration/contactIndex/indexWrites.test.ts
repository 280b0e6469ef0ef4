import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCassandraContactIndex } from '../../../src/contactIndex/cassandraContactIndex.js';
import { shardOf } from '../../../src/contactIndex/contactKeys.js';
import type { ContactRecord } from '../../../src/contacts/contactSchema.js';
import { createCassandraClient, type CassandraClient } from '../../../src/db/cassandra.js';
import { requireEnv } from '../errors/env.js';

/** A client of the stack's node (the index closes the client it is given: one each). */
function connect(): CassandraClient {
  return createCassandraClient({
    contactPoints: requireEnv('CASSANDRA_CONTACT_POINTS').split(','),
    localDataCenter: requireEnv('CASSANDRA_LOCAL_DC'),
    requestTimeoutMs: 30_000,
  });
}

const contact = (email: string, phone: string | null, rowNumber: number): ContactRecord =>
  ({ email, phone, rowNumber }) as ContactRecord;

/**
 * Issue #21, how the Cassandra index writes: one UPDATE per partition names all of a chunk's rows
 * there (a multi-column IN), on a table that has a `seen` column for it. Tables created before
 * that have rows INSERTed without `seen`: `init` adds the column, and old and new rows read,
 * order and release together. Real Cassandra (the stack's node), a keyspace of its own.
 */
describe('contact index writes (Cassandra)', () => {
  const keyspace = `batchport_idxw_${randomBytes(4).toString('hex')}`;
  let client: CassandraClient;

  const hasSeen = async (): Promise<boolean> =>
    (
      await client.execute(
        `SELECT column_name FROM system_schema.columns
         WHERE keyspace_name = ? AND table_name = 'contact_sightings' AND column_name = 'seen'`,
        [keyspace],
        { prepare: true },
      )
    ).rowLength === 1;

  beforeAll(async () => {
    client = connect();
    await client.connect();
    await client.execute(
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
  });
  afterAll(async () => {
    await client?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client?.shutdown();
  });

  it('a table of the earlier layout gets its column, and its rows count with the new ones', async () => {
    // contact_sightings as the index created it before it wrote by UPDATE, with one sighting.
    await client.execute(`CREATE TABLE ${keyspace}.contact_sightings (
      user_id text, shard int, contact_key text, seq bigint, batch_id uuid, row_number int,
      PRIMARY KEY ((user_id, shard), contact_key, seq, batch_id, row_number))`);
    const userId = `idxw-${randomUUID()}`;
    const a = randomUUID();
    const shared = 'ada@example.com';
    await client.execute(
      `INSERT INTO ${keyspace}.contact_sightings (user_id, shard, contact_key, seq, batch_id, row_number)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [userId, shardOf(`e:${shared}`, 16), `e:${shared}`, cassandra.types.Long.fromNumber(1), a, 5],
      { prepare: true },
    );
    expect(await hasSeen()).toBe(false);

    // Two processes starting at once: both must come up, and the column be there once.
    const indexes = [
      createCassandraContactIndex(connect(), { keyspace }),
      createCassandraContactIndex(connect(), { keyspace }),
    ];
    await Promise.all(indexes.map((i) => i.init()));
    const [index, other] = indexes as [(typeof indexes)[0], (typeof indexes)[0]];
    await other.close();
    try {
      expect(await hasSeen()).toBe(true);
      await index.init(); // and again, with the column there

      const ownerA = { userId, batchId: a, seq: 1, recordsKey: a };
      await index.register(ownerA);
      const b = randomUUID();
      const ownerB = { userId, batchId: b, seq: 2, recordsKey: b };
      await index.register(ownerB);
      await index.write(ownerB, [contact(shared, '+4915112345678', 2), contact('bo@example.com', null, 3)]);

      const keys = [`e:${shared}`, 'p:+4915112345678', 'e:bo@example.com'];
      const first = await index.firstSightings(userId, keys, { before: 3 });
      expect(Object.fromEntries(first)).toEqual({
        [`e:${shared}`]: { seq: 1, batchId: a, row: 5 }, // the old row is still the first
        'p:+4915112345678': { seq: 2, batchId: b, row: 2 },
        'e:bo@example.com': { seq: 2, batchId: b, row: 3 },
      });

      // Releasing the old batch removes its INSERTed row; B's UPDATEd rows become the first.
      await index.release(a, () => Readable.from([[contact(shared, null, 5)]]));
      const after = await index.firstSightings(userId, keys, { before: 3 });
      expect(after.get(`e:${shared}`)).toEqual({ seq: 2, batchId: b, row: 2 });
      // And B's own rows go with B's release.
      await index.release(b, () =>
        Readable.from([[contact(shared, '+4915112345678', 2), contact('bo@example.com', null, 3)]]),
      );
      expect((await index.firstSightings(userId, keys, { before: 3 })).size).toBe(0);
    } finally {
      await index.close();
    }
  });

  it('a chunk with more rows per partition than one statement takes writes every sighting', async () => {
    const index = createCassandraContactIndex(connect(), { keyspace, rowsPerBatch: 100 });
    await index.init();
    try {
      const userId = `idxw-${randomUUID()}`;
      const batchId = randomUUID();
      const owner = { userId, batchId, seq: 1, recordsKey: batchId };
      // 2,000 records with an e-mail and a phone: 4,000 sightings, ~250 per partition, so
      // each partition's rows are split over three statements.
      const records = Array.from({ length: 2_000 }, (_, i) =>
        contact(`p${i}@example.com`, `+49151${String(i).padStart(7, '0')}`, i + 2),
      );
      await index.register(owner);
      await index.write(owner, records);
      const keys = records.flatMap((r) => [`e:${r.email!}`, `p:${r.phone!}`]);
      const first = await index.firstSightings(userId, keys, { before: 2 });
      expect(first.size).toBe(4_000);
      expect(first.get('e:p1999@example.com')).toEqual({ seq: 1, batchId, row: 2_001 });
      expect(first.get('p:+491510000000')).toEqual({ seq: 1, batchId, row: 2 });
      let stored = 0;
      for (let shard = 0; shard < 16; shard++) {
        const result = await client.execute(
          `SELECT count(*) AS n FROM ${keyspace}.contact_sightings WHERE user_id = ? AND shard = ?`,
          [userId, shard],
          { prepare: true },
        );
        stored += Number(result.first()['n']);
      }
      expect(stored).toBe(4_000);
    } finally {
      await index.close();
    }
  });
});
