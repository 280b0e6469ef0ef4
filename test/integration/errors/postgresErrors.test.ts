import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool, withClient, type PgPool } from '../../../src/db/postgres.js';
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

  it('a connection the server terminates (57P01) is an outage, and does not crash the process', async () => {
    // Its own pool: the shared one's 200 ms statement timeout would end the query before the kill.
    const victims = createPgPool({
      connectionString: requireEnv('DATABASE_URL'),
      maxConnections: 1,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 30_000,
    });
    try {
      await withClient(victims, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const closed = new Promise((resolve) => client.once('end', resolve));
        const waiting = failureOf(() => client.query('SELECT pg_sleep(10)'));
        await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        const error = await waiting;
        expect((error as { code?: string }).code).toBe('57P01');
        expect(postgresUnavailable(error, 'database', 'testing')).toMatchObject({ dependency: 'database' });
        // The socket closes while the client is still checked out: the client emits 'error'
        // then, which withClient must absorb (without it this is an uncaught exception).
        await closed;
      });
      // The dead client was not handed back: the next query gets a fresh connection.
      expect((await victims.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      await victims.end();
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
