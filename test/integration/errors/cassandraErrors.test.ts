import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCassandraClient, type CassandraClient } from '../../../src/db/cassandra.js';
import { cassandraUnavailable } from '../../../src/db/cassandraErrors.js';
import { CLOSED_PORT, requireEnv } from './env.js';

/** The cassandra-driver classifier against errors raised by a real Cassandra (and a closed port). */
async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

describe('cassandra-driver classifier, real errors', () => {
  let client: CassandraClient;
  beforeAll(async () => {
    client = createCassandraClient({
      contactPoints: requireEnv('CASSANDRA_CONTACT_POINTS').split(','),
      localDataCenter: requireEnv('CASSANDRA_LOCAL_DC'),
    });
    await client.connect();
  });
  afterAll(async () => {
    await client?.shutdown();
  });

  it('NoHostAvailable from a closed port is a records outage', async () => {
    const dead = createCassandraClient({
      contactPoints: [`127.0.0.1:${CLOSED_PORT}`],
      localDataCenter: 'datacenter1',
      connectTimeoutMs: 1_000,
    });
    try {
      const error = await failureOf(() => dead.execute('SELECT release_version FROM system.local'));
      expect((error as Error).name).toBe('NoHostAvailableError');
      expect(cassandraUnavailable(error, 'testing')).toMatchObject({ dependency: 'records' });
    } finally {
      await dead.shutdown();
    }
  });

  it('a client-side request timeout is a records outage', async () => {
    // 1 ms for a read of every column of every table: a warm node on a quiet box sometimes
    // answered one such read in time, so 20 go at once and the first that timed out is judged.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        client.execute('SELECT * FROM system_schema.columns', [], { readTimeout: 1, isIdempotent: false }),
      ),
    );
    const timedOut = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(timedOut, 'all 20 reads answered within 1 ms').toBeDefined();
    expect((timedOut!.reason as Error).name).toBe('OperationTimedOutError');
    expect(cassandraUnavailable(timedOut!.reason, 'testing')).toMatchObject({ dependency: 'records' });
  });

  it('syntax errors are not outages', async () => {
    const syntax = await failureOf(() => client.execute('SELEC 1'));
    expect(cassandraUnavailable(syntax, 'testing')).toBeUndefined();
  });

  it('an unknown keyspace or table is an outage (a restarted coordinator still pulling the schema)', async () => {
    // The service only queries the keyspace and tables it creates at start, so on a live cluster
    // this answer means the coordinator has not got the schema (yet), not a wrong query.
    for (const cql of ['SELECT * FROM system.no_such_table', 'SELECT * FROM no_such_keyspace.records']) {
      const error = await failureOf(() => client.execute(cql));
      expect(cassandraUnavailable(error, 'testing')?.dependency, (error as Error).message).toBe('records');
    }
  });
});
