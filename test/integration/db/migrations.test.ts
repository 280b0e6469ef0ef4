import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../../src/db/migrate.js';
import { createPgPool, type PgPool } from '../../../src/db/postgres.js';

/** Runs the migrations in a throwaway schema so the shared database is never disturbed. */
describe('PostgreSQL migrations', () => {
  const schema = `migrate_test_${Date.now()}`;
  let admin: PgPool;
  let pool: PgPool;

  beforeAll(async () => {
    admin = createPgPool({
      connectionString: process.env['DATABASE_URL']!,
      maxConnections: 1,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 10_000,
    });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(process.env['DATABASE_URL']!);
    url.searchParams.set('options', `-c search_path=${schema}`);
    pool = createPgPool({
      connectionString: url.toString(),
      maxConnections: 4,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 10_000,
    });
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  it('applies every migration once, then nothing on later runs, even when started concurrently', async () => {
    const first = await runMigrations(pool);
    expect(first).toEqual(
      expect.arrayContaining([
        '001_batches.sql',
        '002_batch_records.sql',
        '003_batch_deletions.sql',
        '004_batch_upload_options.sql',
      ]),
    );
    const again = await Promise.all([runMigrations(pool), runMigrations(pool), runMigrations(pool)]);
    expect(again).toEqual([[], [], []]);
    const { rows } = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'batches',
        'batch_records',
        'batch_invalid_rows',
        'batch_deletions',
        'schema_migrations',
      ]),
    );
    const indexes = await pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'batches'`,
      [schema],
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining(['batches_user_created_idx', 'batches_user_status_created_idx']),
    );
    // The uploader's choices (issue #11): both nullable, the region checked by the database too.
    const columns = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'batches' AND column_name IN ('column_mapping', 'phone_region')
       ORDER BY column_name`,
      [schema],
    );
    expect(columns.rows).toEqual([
      { column_name: 'column_mapping', data_type: 'jsonb', is_nullable: 'YES' },
      { column_name: 'phone_region', data_type: 'text', is_nullable: 'YES' },
    ]);
    // The text encoding chosen and used (issue 22): both nullable text.
    const encodings = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'batches' AND column_name IN ('encoding_override', 'text_encoding')
       ORDER BY column_name`,
      [schema],
    );
    expect(encodings.rows).toEqual([
      { column_name: 'encoding_override', data_type: 'text', is_nullable: 'YES' },
      { column_name: 'text_encoding', data_type: 'text', is_nullable: 'YES' },
    ]);
  });
});
