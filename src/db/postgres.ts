import pg from 'pg';
import { postgresUnavailable } from './postgresErrors.js';

export type PgPool = pg.Pool;

export interface PostgresOptions {
  connectionString: string;
  maxConnections: number;
  /** Fail fast instead of queueing forever when the server is unreachable. */
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export function createPgPool(options: PostgresOptions): PgPool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (server restart) emits here; without a listener the
  // process would crash. The pool replaces the client on next use.
  pool.on('error', () => undefined);
  return pool;
}

/** `pool.query` whose availability failures become DependencyUnavailableError naming `dependency`. */
export function guardedQuery(pool: PgPool, dependency: 'database' | 'records') {
  return async function query<R extends pg.QueryResultRow>(
    statement: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await pool.query<R>(statement as string, values);
    } catch (error) {
      throw postgresUnavailable(error, dependency, 'querying PostgreSQL') ?? error;
    }
  };
}
