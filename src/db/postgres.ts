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

/**
 * Runs `work` on one client of the pool (a transaction needs one connection). While a client is
 * checked out the pool does not listen for its errors, and a server that ends the connection
 * meanwhile (restart, failover, pg_terminate_backend) makes it emit 'error' once the socket
 * closes — with no listener, an uncaught exception that takes the process down. The listener
 * here absorbs it (the failed query already reports the outage), and a client whose work failed
 * is destroyed rather than handed to the next caller.
 */
export async function withClient<T>(pool: PgPool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const absorb = () => undefined;
  client.on('error', absorb);
  let failure: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(failure);
    client.removeListener('error', absorb);
  }
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
