import cassandra from 'cassandra-driver';
import type { CassandraClient } from '../db/cassandra.js';
import { assertKeyspaceName } from '../db/cassandraSchema.js';
import { ensureTombstoneGrace } from '../db/tombstoneGrace.js';
import { READ_OPTIONS, WRITE_OPTIONS, guard } from '../repositories/records/cassandraStatements.js';
import { runBounded, type Statement } from '../repositories/records/cassandraWrites.js';
import { contactKeys, shardOf, sightingsOf } from './contactKeys.js';
import type { ContactIndexStore, IndexOwner, Sighting } from './contactIndexStore.js';

export interface CassandraContactIndexOptions {
  keyspace: string;
  /** Partitions per user. Part of the data layout: never change it for existing data. */
  shards?: number;
  /** Requests in flight per call. */
  concurrency?: number;
  /**
   * Rows per write statement (sightings: one UPDATE naming every row; deletes: an UNLOGGED
   * single-partition batch). Either is one mutation (one commit log entry); 1,000 index rows are
   * ~70 KB. A 5,000-record chunk puts ~350-700 sightings in each of 16 shards: one statement each.
   */
  rowsPerBatch?: number;
  /** Keys per read (an IN over one partition's clustering prefix). */
  keysPerRead?: number;
}

/**
 * DDL. `contact_sightings`: partition (user, shard of the key), clustering (key, seq, batch, row),
 * so a chunk's sightings fall into a few partitions, each written by one UPDATE that names all
 * its rows (`seen` exists only because an UPDATE must set a regular column), the first sighting
 * of many keys is ONE read per partition (`key IN … GROUP BY key` returns each key's first row,
 * i.e. the smallest (seq, batch, row)), and a reading's entries are removed by (key, seq, batch)
 * prefix: each reading is written by its own attempt, whose seq no other reading has.
 * `contact_index_readings`: per reading (records key), the user, seq and batch of each attempt
 * that indexed it, because release runs after the batch row is gone from PostgreSQL (or no
 * longer names that reading). Usually one row; a retry whose release of the failed attempt's
 * entries failed leaves two, and release removes both.
 */
export function contactIndexSchemaStatements(keyspace: string): string[] {
  assertKeyspaceName(keyspace);
  return [
    `CREATE TABLE IF NOT EXISTS ${keyspace}.contact_sightings (
       user_id text, shard int, contact_key text, seq bigint, batch_id uuid, row_number int, seen boolean,
       PRIMARY KEY ((user_id, shard), contact_key, seq, batch_id, row_number))`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.contact_index_readings (
       records_key uuid, seq bigint, user_id text, batch_id uuid,
       PRIMARY KEY (records_key, seq))`,
  ];
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const group = groups.get(k);
    if (group) {
      group.push(item);
    } else {
      groups.set(k, [item]);
    }
  }
  return groups;
}

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

/**
 * The sightings of `owner` as few statements as the layout allows: per partition, one UPDATE
 * whose multi-column IN names every row (at most `rowsPerStatement`). Cassandra turns it into
 * one mutation, as it does a single-partition batch of INSERTs, but parses, binds and validates
 * one statement instead of one per row: on the bench CSV's sightings about 30 % less CPU for
 * the node and 45 % less for Cassandra (docs/performance.md). Plain rows, so still idempotent.
 */
function sightingWrites(
  query: string,
  shards: number,
  rowsPerStatement: number,
  owner: IndexOwner,
  sightings: readonly { key: string; row: number }[],
): Statement[] {
  const id = cassandra.types.Uuid.fromString(owner.batchId);
  const seq = cassandra.types.Long.fromNumber(owner.seq);
  const byShard = groupBy(sightings, ({ key }) => shardOf(key, shards));
  return [...byShard].flatMap(([shard, group]) =>
    slices(group, rowsPerStatement).map((slice) => ({
      query,
      params: [
        owner.userId,
        shard,
        slice.map(({ key, row }) => new cassandra.types.Tuple(key, seq, id, row)),
      ],
    })),
  );
}

/** One statement per sighting of `owner` (a delete), grouped into batches by runPerShard. */
function perSighting(
  query: string,
  shards: number,
  owner: IndexOwner,
  sightings: readonly { key: string; row: number }[],
): { key: string; statement: Statement }[] {
  const id = cassandra.types.Uuid.fromString(owner.batchId);
  const seq = cassandra.types.Long.fromNumber(owner.seq);
  return sightings.map(({ key, row }) => ({
    key,
    statement: { query, params: [owner.userId, shardOf(key, shards), key, seq, id, row] },
  }));
}

/**
 * Adds `seen` to a `contact_sightings` created before the index wrote by UPDATE (2026-12-07).
 * Its old rows (INSERTed: a row marker, no `seen`) read, order and delete exactly like new ones.
 * Checked in system_schema first, as ensureTombstoneGrace does: `ADD IF NOT EXISTS` needs
 * Cassandra 4.1, and a schema change per start would make every node agree on one for nothing.
 */
async function ensureSeenColumn(client: CassandraClient, keyspace: string): Promise<void> {
  const hasSeen = async (): Promise<boolean> =>
    (
      await client.execute(
        `SELECT column_name FROM system_schema.columns
         WHERE keyspace_name = ? AND table_name = 'contact_sightings' AND column_name = 'seen'`,
        [keyspace],
        { prepare: true },
      )
    ).rowLength > 0;
  if (await hasSeen()) {
    return;
  }
  try {
    await client.execute(`ALTER TABLE ${keyspace}.contact_sightings ADD seen boolean`, [], {
      prepare: false,
    });
  } catch (error) {
    // Another process starting at the same moment may have added it first: fine if it is there.
    if (!(await hasSeen())) {
      throw error;
    }
  }
}

/** The CQL of the index, for the tables of contactIndexSchemaStatements. */
function statementsOf(keyspace: string) {
  const t = `${keyspace}.contact_sightings`;
  const meta = `${keyspace}.contact_index_readings`;
  return {
    write: `UPDATE ${t} SET seen = true
            WHERE user_id = ? AND shard = ? AND (contact_key, seq, batch_id, row_number) IN ?`,
    first: `SELECT contact_key, seq, batch_id, row_number FROM ${t}
            WHERE user_id = ? AND shard = ? AND contact_key IN ? AND seq < ? GROUP BY contact_key`,
    firstBetween: `SELECT contact_key, seq, batch_id, row_number FROM ${t}
            WHERE user_id = ? AND shard = ? AND contact_key IN ? AND seq > ? AND seq < ? GROUP BY contact_key`,
    deleteBatchKey: `DELETE FROM ${t} WHERE user_id = ? AND shard = ? AND contact_key = ? AND seq = ? AND batch_id = ?`,
    deleteSighting: `DELETE FROM ${t}
            WHERE user_id = ? AND shard = ? AND contact_key = ? AND seq = ? AND batch_id = ? AND row_number = ?`,
    register: `INSERT INTO ${meta} (records_key, seq, user_id, batch_id) VALUES (?, ?, ?, ?)`,
    owners: `SELECT seq, user_id, batch_id FROM ${meta} WHERE records_key = ?`,
    forget: `DELETE FROM ${meta} WHERE records_key = ?`,
    latest: `SELECT seq FROM ${meta} WHERE records_key = ? ORDER BY seq DESC LIMIT 1`,
  };
}

/** The contact index in Cassandra, in the records keyspace (created by the records store's init). */
export function createCassandraContactIndex(
  client: CassandraClient,
  options: CassandraContactIndexOptions,
): ContactIndexStore {
  const { keyspace } = options;
  // Measured with bench/micro/contactIndexCost.ts (20k records, 22k sightings, one loaded node):
  // 64 shards x 40 rows x 100 keys and 16 x 100 x 400 cost the same within the noise of a shared
  // box; fewer shards means fewer statements (less driver work on the worker's cores), while
  // 16 partitions per user keep each one small (1M contacts of a user: ~60k rows of ~70 B).
  const shards = options.shards ?? 16;
  const concurrency = options.concurrency ?? 32;
  // bench/micro/contactIndexCost.ts, 20k records, three interleaved rounds (index write ms):
  // 60 rows 818/734/599, 250 rows 566/384/325, 1,000 rows 483/320/231 (docs/performance.md).
  const rowsPerBatch = options.rowsPerBatch ?? 1_000;
  const keysPerRead = options.keysPerRead ?? 250;
  const q = statementsOf(keyspace);
  const uuid = (id: string) => cassandra.types.Uuid.fromString(id);
  const long = (n: number) => cassandra.types.Long.fromNumber(n);

  /** Statements grouped into single-partition UNLOGGED batches and run with bounded concurrency. */
  async function runPerShard(items: { key: string; statement: Statement }[]): Promise<void> {
    const batches = [...groupBy(items, (i) => shardOf(i.key, shards)).values()].flatMap((group) =>
      slices(
        group.map((i) => i.statement),
        rowsPerBatch,
      ),
    );
    await runBounded(batches, concurrency, (batch) =>
      batch.length === 1
        ? client.execute(batch[0]!.query, batch[0]!.params, WRITE_OPTIONS)
        : client.batch(batch, { ...WRITE_OPTIONS, logged: false }),
    );
  }

  return {
    kind: 'cassandra',
    async init() {
      await guard('creating the contact index', async () => {
        for (const statement of contactIndexSchemaStatements(keyspace)) {
          await client.execute(statement, [], { prepare: false });
        }
        await ensureSeenColumn(client, keyspace);
        // Every release (a deleted batch, a replaced reading) leaves a range tombstone per key,
        // which the reads of those keys walk until it is purged: Cassandra fails a read past
        // 100,000 of them, so ~200 releases of one user's same 4,000-contact list within the
        // default 10 days made every read of those keys fail (docs/performance.md). On a single
        // replica nothing needs them kept that long.
        await ensureTombstoneGrace(client, keyspace, ['contact_sightings', 'contact_index_readings']);
      });
    },
    async register(owner) {
      await guard('registering a batch in the contact index', () =>
        client.execute(
          q.register,
          [uuid(owner.recordsKey), long(owner.seq), owner.userId, uuid(owner.batchId)],
          WRITE_OPTIONS,
        ),
      );
    },
    async write(owner, records) {
      const statements = sightingWrites(q.write, shards, rowsPerBatch, owner, sightingsOf(records));
      await guard('writing the contact index', () =>
        runBounded(statements, concurrency, (st) => client.execute(st.query, st.params, WRITE_OPTIONS)),
      );
    },
    async forget(owner, sightings) {
      await guard('writing the contact index', () =>
        runPerShard(perSighting(q.deleteSighting, shards, owner, sightings)),
      );
    },
    async firstSightings(userId, keys, seq) {
      const first = new Map<string, Sighting>();
      const reads = [...groupBy([...new Set(keys)], (k) => shardOf(k, shards))].flatMap(([shard, group]) =>
        slices(group, keysPerRead).map((slice) => ({ shard, slice })),
      );
      await guard('reading the contact index', () =>
        runBounded(reads, concurrency, async ({ shard, slice }) => {
          const result = await client.execute(
            seq.after === undefined ? q.first : q.firstBetween,
            seq.after === undefined
              ? [userId, shard, slice, long(seq.before)]
              : [userId, shard, slice, long(seq.after), long(seq.before)],
            { ...READ_OPTIONS, fetchSize: keysPerRead },
          );
          for await (const row of result) {
            first.set(row['contact_key'] as string, {
              seq: (row['seq'] as cassandra.types.Long).toNumber(),
              batchId: (row['batch_id'] as cassandra.types.Uuid).toString(),
              row: row['row_number'] as number,
            });
          }
        }),
      );
      return first;
    },
    async release(recordsKey, recordsOf) {
      const key = uuid(recordsKey);
      await guard('releasing a reading from the contact index', async () => {
        const owners = (await client.execute(q.owners, [key], READ_OPTIONS)).rows.map((row) => ({
          userId: row['user_id'] as string,
          seq: row['seq'] as cassandra.types.Long,
          batchId: row['batch_id'] as cassandra.types.Uuid,
        }));
        if (owners.length === 0) {
          return; // never indexed, or already released
        }
        for await (const page of recordsOf()) {
          const keys = [...new Set(page.flatMap((r) => contactKeys(r)))];
          await runPerShard(
            owners.flatMap((o) =>
              keys.map((k) => ({
                key: k,
                statement: {
                  query: q.deleteBatchKey,
                  params: [o.userId, shardOf(k, shards), k, o.seq, o.batchId],
                },
              })),
            ),
          );
        }
        // Last: while it exists, a retried release still finds the entries.
        await client.execute(q.forget, [key], WRITE_OPTIONS);
      });
    },
    async readingSeq(recordsKey) {
      const row = await guard('reading the contact index', async () =>
        (await client.execute(q.latest, [uuid(recordsKey)], READ_OPTIONS)).first(),
      );
      return row ? (row['seq'] as cassandra.types.Long).toNumber() : null;
    },
    async close() {
      await client.shutdown();
    },
  };
}
