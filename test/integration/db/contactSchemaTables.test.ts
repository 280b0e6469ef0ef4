import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_LIST, KIND_COLUMN_TYPES } from '../../../src/contacts/contactSchema.js';
import { createCassandraClient, type CassandraClient } from '../../../src/db/cassandra.js';
import {
  RECORD_TABLE_COLUMNS,
  ensureCassandraSchema,
  liveRecordColumns,
} from '../../../src/db/cassandraSchema.js';
import { runMigrations } from '../../../src/db/migrate.js';
import { createPgPool, type PgPool } from '../../../src/db/postgres.js';
import { recordColumnProblems } from '../../../src/repositories/records/postgresRecordsRepository.js';
import { requireEnv } from '../errors/env.js';

/** The live tables (migrated PostgreSQL, DDL'd Cassandra) agree with the contact schema. */
describe('contact schema vs live tables', () => {
  const schema = `contact_schema_test_${Date.now()}`;
  const keyspace = `batchport_schema_${randomBytes(4).toString('hex')}`;
  let admin: PgPool;
  let pool: PgPool;
  let cassandra: CassandraClient;

  beforeAll(async () => {
    const databaseUrl = requireEnv('DATABASE_URL');
    admin = createPgPool({
      connectionString: databaseUrl,
      maxConnections: 1,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 10_000,
    });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    pool = createPgPool({
      connectionString: url.toString(),
      maxConnections: 2,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 10_000,
    });
    await runMigrations(pool);
    cassandra = createCassandraClient({
      contactPoints: requireEnv('CASSANDRA_CONTACT_POINTS').split(','),
      localDataCenter: requireEnv('CASSANDRA_LOCAL_DC'),
    });
    await cassandra.connect();
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
    await cassandra?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await cassandra?.shutdown();
  });

  it('PostgreSQL: the migrations create every schema column with its type', async () => {
    const { rows } = await pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'batch_records'`,
      [schema],
    );
    const live = Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
    for (const { spec } of FIELD_LIST) {
      expect(live[spec.postgres], spec.postgres).toBe(KIND_COLUMN_TYPES[spec.kind].postgres);
    }
    expect(Object.keys(live).sort()).toEqual(['batch_id', ...FIELD_LIST.map((f) => f.spec.postgres)].sort());
    expect(await recordColumnProblems(pool)).toEqual([]);
  });

  it('PostgreSQL: a column the migrations lack is reported by name', async () => {
    await pool.query('ALTER TABLE batch_records DROP COLUMN country');
    expect(await recordColumnProblems(pool)).toEqual([
      'batch_records.country: expected text, found no column',
    ]);
  });

  it('Cassandra: the DDL creates every schema column, and adds one an older table lacks', async () => {
    await ensureCassandraSchema(cassandra, keyspace);
    const live = await liveRecordColumns(cassandra, keyspace);
    expect(Object.fromEntries(live)).toEqual(Object.fromEntries(RECORD_TABLE_COLUMNS));
    for (const { spec } of FIELD_LIST) {
      expect(live.get(spec.cassandra), spec.cassandra).toBe(KIND_COLUMN_TYPES[spec.kind].cassandra);
    }
    // An older table (say, from before a field was added): the next start adds the column.
    await cassandra.execute(`ALTER TABLE ${keyspace}.batch_records DROP country`);
    expect((await liveRecordColumns(cassandra, keyspace)).has('country')).toBe(false);
    await ensureCassandraSchema(cassandra, keyspace);
    expect((await liveRecordColumns(cassandra, keyspace)).get('country')).toBe('text');
  });
});
