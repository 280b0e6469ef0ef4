import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool, type PgPool } from '../../../src/db/postgres.js';
import { postgresUnavailable } from '../../../src/db/postgresErrors.js';
import { DependencyUnavailableError } from '../../../src/errors.js';
import { CLOSED_PORT, requireEnv } from './env.js';

/** The pg classifier against errors raised by a real PostgreSQL (and a closed port). */
async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

describe('pg classifier, real errors', () => {
  let pool: PgPool;
  beforeAll(() => {
    pool = createPgPool({
      connectionString: requireEnv('DATABASE_URL'),
      maxConnections: 2,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 200,
    });
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('a closed port is an outage of the named dependency', async () => {
    const dead = createPgPool({
      connectionString: `postgres://nobody:nothing@127.0.0.1:${CLOSED_PORT}/none`,
      maxConnections: 1,
      connectTimeoutMs: 1_000,
      statementTimeoutMs: 1_000,
    });
    try {
      const error = await failureOf(() => dead.query('SELECT 1'));
      expect(postgresUnavailable(error, 'database', 'testing')).toMatchObject({ dependency: 'database' });
      expect(postgresUnavailable(error, 'records', 'testing')).toMatchObject({ dependency: 'records' });
    } finally {
      await dead.end();
    }
  });

  it('a query stopped by statement_timeout (57014) is an outage', async () => {
    const error = await failureOf(() => pool.query('SELECT pg_sleep(2)'));
    expect((error as { code?: string }).code).toBe('57014');
    const classified = postgresUnavailable(error, 'database', 'testing');
    expect(classified).toBeInstanceOf(DependencyUnavailableError);
    expect(classified?.cause).toBe(error);
  });

  it('a connection the server terminates (57P01) is an outage', async () => {
    const client = await pool.connect();
    let released = false;
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const killer = createPgPool({
        connectionString: requireEnv('DATABASE_URL'),
        maxConnections: 1,
        connectTimeoutMs: 5_000,
        statementTimeoutMs: 5_000,
      });
      try {
        const waiting = failureOf(() => client.query('SELECT pg_sleep(0.15)'));
        await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        const error = await waiting;
        expect(postgresUnavailable(error, 'database', 'testing')).toMatchObject({ dependency: 'database' });
      } finally {
        await killer.end();
      }
      client.release(true);
      released = true;
    } finally {
      if (!released) {
        client.release(true);
      }
    }
  });

  it('bad SQL and constraint violations are not outages', async () => {
    const syntax = await failureOf(() => pool.query('SELEC 1'));
    expect((syntax as { code?: string }).code).toBe('42601');
    expect(postgresUnavailable(syntax, 'database', 'testing')).toBeUndefined();
    const missing = await failureOf(() => pool.query('SELECT * FROM no_such_table_here'));
    expect(postgresUnavailable(missing, 'database', 'testing')).toBeUndefined();
    const cast = await failureOf(() => pool.query("SELECT 'x'::int"));
    expect(postgresUnavailable(cast, 'database', 'testing')).toBeUndefined();
  });
});
