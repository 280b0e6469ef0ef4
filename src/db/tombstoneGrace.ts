import type { CassandraClient } from './cassandra.js';

/** Cassandra's default gc_grace_seconds (10 days): how long a tombstone outlives its delete. */
export const DEFAULT_GC_GRACE_SECONDS = 864_000;

/**
 * How many nodes hold each row of a keyspace, from its `system_schema.keyspaces` replication
 * map: SimpleStrategy's `replication_factor`, or the sum of NetworkTopologyStrategy's per-DC
 * factors. `'3/1'` (transient replicas) counts 3. null when the map says neither.
 */
export function replicasOf(replication: Readonly<Record<string, string>>): number | null {
  const factors = Object.entries(replication)
    .filter(([key]) => key !== 'class')
    .map(([, value]) => Number.parseInt(value, 10));
  if (factors.length === 0 || factors.some((f) => !Number.isInteger(f) || f < 0)) {
    return null;
  }
  return factors.reduce((sum, f) => sum + f, 0);
}

/**
 * gc_grace_seconds for tables whose rows are deleted and re-read often (the contact index). A
 * tombstone is kept that long so that a replica which missed the delete can learn it from a
 * repair before the tombstone is purged; with a single replica there is none to miss it, so
 * the tombstone (and what it deletes) may go at the next compaction. Anything else, or a
 * replication Cassandra's map does not spell as expected, keeps the default.
 */
export function gcGraceFor(replicas: number | null): number {
  return replicas === 1 ? 0 : DEFAULT_GC_GRACE_SECONDS;
}

/**
 * Sets gc_grace_seconds of `tables` in `keyspace` from the keyspace's live replication (so a
 * keyspace whose replication was raised since gets the default back at the next start).
 * Altered only where the value differs: a schema change per start would make every node agree
 * on a new schema version for nothing.
 */
export async function ensureTombstoneGrace(
  client: CassandraClient,
  keyspace: string,
  tables: readonly string[],
): Promise<void> {
  const keyspaceRow = (
    await client.execute(
      'SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?',
      [keyspace],
      { prepare: true },
    )
  ).first();
  const replication = (keyspaceRow?.['replication'] ?? {}) as Record<string, string>;
  const grace = gcGraceFor(replicasOf(replication));
  const live = await client.execute(
    'SELECT table_name, gc_grace_seconds FROM system_schema.tables WHERE keyspace_name = ? AND table_name IN ?',
    [keyspace, [...tables]],
    { prepare: true },
  );
  for (const row of live.rows) {
    if (row['gc_grace_seconds'] !== grace) {
      await client.execute(
        `ALTER TABLE ${keyspace}.${row['table_name'] as string} WITH gc_grace_seconds = ${grace}`,
        [],
        { prepare: false },
      );
    }
  }
}
