import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_STATUSES, type BatchStats } from '../../../src/domain/batch.js';
import { runMigrations } from '../../../src/db/migrate.js';
import { createPgPool, type PgPool } from '../../../src/db/postgres.js';
import { createBatchDeletionRepository } from '../../../src/repositories/batchDeletionRepository.js';
import { createBatchRepository, type NewBatch } from '../../../src/repositories/batchRepository.js';
import { requireEnv } from '../errors/env.js';

const MIGRATIONS = fileURLToPath(new URL('../../../src/db/migrations/', import.meta.url));

function newBatch(userId: string): NewBatch {
  const id = randomUUID();
  return {
    id,
    userId,
    userEmail: `${userId}@example.com`,
    fileName: 'contacts.csv',
    fileSize: 10,
    fileFormat: 'csv',
    mimeType: 'text/csv',
    storageKey: `${userId}/${id}.csv`,
    sha256: 'a'.repeat(64),
    idempotencyKey: null,
    store: { backend: 'local', store: 'test' },
  };
}

/** The truth: the user's batches counted, as the stats page once did on every request. */
async function counted(pool: PgPool, userId: string): Promise<BatchStats> {
  const { rows } = await pool.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM batches WHERE user_id = $1 GROUP BY status',
    [userId],
  );
  const stats: BatchStats = { total: 0, uploaded: 0, parsing: 0, parsed: 0, loaded: 0, error: 0 };
  for (const r of rows) {
    stats[r.status as keyof BatchStats] = Number(r.n);
    stats.total += Number(r.n);
  }
  return stats;
}

/**
 * batch_counts (migration 015): the per-user, per-status counts the list total and the stats
 * read instead of counting, kept by triggers. They must equal a count of the rows after any mix
 * of concurrent inserts, status changes (single and multi-row) and deletes, and rolled-back
 * writes must not move them.
 */
describe('batch counts kept by the database', () => {
  const schema = `batch_counts_test_${Date.now()}`;
  let admin: PgPool;
  let pool: PgPool;
  let url: URL;

  beforeAll(async () => {
    const databaseUrl = requireEnv('DATABASE_URL');
    admin = createPgPool({
      connectionString: databaseUrl,
      maxConnections: 1,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 10_000,
    });
    await admin.query(`CREATE SCHEMA ${schema}`);
    url = new URL(databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    pool = createPgPool({
      connectionString: url.toString(),
      maxConnections: 12,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 20_000,
    });
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  it('counts the batches that existed before the migration (backfill)', async () => {
    // Every migration before 015, then batches, then 015.
    const before = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      await cp(MIGRATIONS, before, {
        recursive: true,
        filter: (src) => !src.endsWith('015_batch_counts.sql'),
      });
      await runMigrations(pool, before);
    } finally {
      await rm(before, { recursive: true, force: true });
    }
    const repo = createBatchRepository(pool);
    const user = `pre-${randomUUID()}`;
    for (let i = 0; i < 5; i++) {
      await repo.insert(newBatch(user));
    }
    await pool.query(
      `UPDATE batches SET status = 'loaded' WHERE user_id = $1 AND ctid IN (SELECT ctid FROM batches WHERE user_id = $1 LIMIT 2)`,
      [user],
    );
    await runMigrations(pool);
    expect(await repo.stats(user)).toEqual({
      total: 5,
      uploaded: 3,
      parsing: 0,
      parsed: 0,
      loaded: 2,
      error: 0,
    });
    expect(await counted(pool, user)).toEqual(await repo.stats(user));
  });

  it('stay exact under concurrent inserts, status changes, multi-row updates and deletes', async () => {
    const repo = createBatchRepository(pool);
    const deletions = createBatchDeletionRepository(pool);
    const users = [`a-${randomUUID()}`, `b-${randomUUID()}`];
    // 80 batches over two users, inserted 12 at a time.
    const ids = await Promise.all(
      Array.from({ length: 80 }, async (_, i) => {
        const batch = await repo.insert(newBatch(users[i % 2]!));
        return { id: batch.id, userId: batch.userId };
      }),
    );
    // Every batch goes through its own path at the same time as the others: the worker's
    // transitions, a retry, a delete, and per-user multi-row updates in between.
    let step = 0;
    await Promise.all([
      ...ids.map(async ({ id, userId }, i) => {
        await repo.markParsing(id, 1);
        if (i % 5 === 0) {
          await deletions.deleteWithCleanup(id, userId);
          return;
        }
        await repo.markParsed(id, 1, { rowsRead: 3, recordsLoaded: 0, invalidRows: 0 }, 100);
        if (i % 3 === 0) {
          await repo.markError(id, 1, 'broken');
          if (i % 2 === 0) {
            await repo.resetForRetry(id, userId);
          }
          return;
        }
        await repo.markLoaded(id, 1, { rowsRead: 3, recordsLoaded: 3, invalidRows: 0 });
      }),
      ...users.map(async (userId) => {
        for (let k = 0; k < 5; k++) {
          step++;
          await pool.query(
            `UPDATE batches SET status = 'error', error_message = 'swept' WHERE user_id = $1 AND status = 'parsing'`,
            [userId],
          );
        }
      }),
    ]);
    expect(step).toBe(10);
    for (const user of users) {
      const truth = await counted(pool, user);
      expect(await repo.stats(user)).toEqual(truth);
      expect((await repo.list(user, { page: 1, limit: 5 })).total).toBe(truth.total);
      for (const status of BATCH_STATUSES) {
        expect((await repo.list(user, { status, page: 1, limit: 5 })).total, status).toBe(truth[status]);
      }
    }
    // Not a trivially empty truth: batches of more than one status are left. (Which ones depends
    // on how the concurrent sweeps interleave with the transitions: a batch swept to error
    // before markParsed never loads, so "some loaded" is not certain on a busy machine.)
    const all = await counted(pool, users[0]!);
    expect(all.total).toBeGreaterThan(0);
    expect(BATCH_STATUSES.filter((status) => all[status] > 0).length).toBeGreaterThan(1);
  });

  it('insert answers the batch as a read of its row would (only the generated columns come back)', async () => {
    const repo = createBatchRepository(pool);
    const inserted = await repo.insert({
      ...newBatch(`ins-${randomUUID()}`),
      idempotencyKey: 'key-1',
      mapping: { Name: 'fullName', Junk: null },
      phoneRegion: 'DE',
      encodingOverride: 'windows-1252',
    });
    expect(inserted).toEqual(await repo.findById(inserted.id));
    const plain = await repo.insert(newBatch(`ins-${randomUUID()}`));
    expect(plain).toEqual(await repo.findById(plain.id));
  });

  it('a rolled-back write moves no count', async () => {
    const repo = createBatchRepository(pool);
    const user = `rb-${randomUUID()}`;
    const batch = await repo.insert(newBatch(user));
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE batches SET status = 'loaded' WHERE id = $1`, [batch.id]);
      await client.query('DELETE FROM batches WHERE user_id = $1', [user]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await repo.stats(user)).toEqual({
      total: 1,
      uploaded: 1,
      parsing: 0,
      parsed: 0,
      loaded: 0,
      error: 0,
    });
  });
});
