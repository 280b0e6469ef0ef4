/**
 * Records-store write throughput: 100k generated ContactRecords through each repository, next to
 * the raw driver ceilings on the repository's own workload (bench/lib/repoWorkload.ts: the same
 * statement, unset cells + null_mask, the same single-partition UNLOGGED batches; and
 * executeConcurrent of the same single-row INSERTs). PostgreSQL: unnest upserts.
 *
 *   set -a; source <(npm run -s services -- env); set +a
 *   npx tsx bench/raw-insert.ts [rows=100000]
 *
 * Uses a throwaway keyspace (dropped at the end) and random batch ids (deleted at the end).
 * Results of the issue #6 variants, before the raw rows matched the repository's (no null_mask,
 * null cells as tombstones, fixed-row-count batches) (2026-11-28, 2 vCPU AMD EPYC, 24 GiB, Node 20.20, PostgreSQL and Cassandra 5.0.9
 * (1 GiB heap) on the same VM, other test suites running concurrently, so ±30% run to run;
 * rows ~650 B as Cassandra counts them):
 *   PostgreSQL repository (unnest upsert, chunks of 500-2000)        43k-75k rows/s
 *   Cassandra raw executeConcurrent, single-row INSERT, c=32..256    7k-36k rows/s
 *   Cassandra raw UNLOGGED batches 10 rows (6.5 KiB), c=32..128      17k-76k rows/s
 *   Cassandra raw UNLOGGED batches 25-50 rows (16-32 KiB)            30k-101k rows/s (server warns)
 *   Cassandra repository 'batches' (≤4 KiB, c=64), calls of 5k/100k 45k-62k rows/s
 *   Cassandra repository 'rows' (c=64..128)                          21k-38k rows/s
 *   Cassandra listRecords 1000-row pages ~35k-70k rows/s; countRecords 100k rows in ~0.2-0.3 s
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import cassandra from 'cassandra-driver';
import { createCassandraClient } from '../src/db/cassandra.js';
import { ensureCassandraSchema } from '../src/db/cassandraSchema.js';
import { runMigrations } from '../src/db/migrate.js';
import { createPgPool } from '../src/db/postgres.js';
import { TEXT_FIELDS, type ContactRecord, type TextField } from '../src/contacts/contactSchema.js';
import { createCassandraRecordsRepository } from '../src/repositories/records/cassandraRecordsRepository.js';
import { recordParams } from '../src/repositories/records/cassandraRecordRow.js';
import { createPostgresRecordsRepository } from '../src/repositories/records/postgresRecordsRepository.js';
import type { RecordsRepository } from '../src/repositories/records/recordsRepository.js';
import { countRecords } from '../test/support/recordsCount.js';
import {
  bucketOf,
  deletePartitions,
  insertStatement,
  repositoryBatches,
  REPOSITORY_WRITE,
  writeBatches,
} from './lib/repoWorkload.js';

const ROWS = Number(process.argv[2] ?? 100_000);

function env(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set (source the services env first)`);
  }
  return v;
}

/**
 * One record per row, every field of the contact schema filled (a field added there is written
 * here too: one the bench does not know gets "<field> <row>").
 */
function makeRecords(n: number): ContactRecord[] {
  const out: ContactRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const first = `First${i % 977}`;
    const last = `Last${i % 1013}`;
    const email = `${first}.${last}.${i}@example.com`.toLowerCase();
    const known: Partial<Record<TextField, string | null>> = {
      fullName: `${first} ${last}`,
      firstName: first,
      lastName: last,
      email,
      phone: `+1555${String(i).padStart(7, '0')}`,
      company: i % 3 === 0 ? null : `Company ${i % 211}`,
      title: i % 4 === 0 ? null : 'Sales Manager',
      street: `${i} Main Street`,
      city: 'Springfield',
      region: 'IL',
      postalCode: '62701',
      country: 'US',
    };
    const text = Object.fromEntries(TEXT_FIELDS.map((f) => [f, f in known ? known[f] : `${f} ${i}`]));
    out.push({
      ...(text as Record<TextField, string | null>),
      rowNumber: i,
      original: {
        'First Name': first,
        'Last Name': last,
        'E-mail Address': email,
        'Mobile Phone': `555-${String(i).padStart(7, '0')}`,
        Company: i % 3 === 0 ? '' : `Company ${i % 211}`,
        'Job Title': i % 4 === 0 ? '' : 'Sales Manager',
        Address: `${i} Main Street, Springfield, IL 62701`,
      },
      issues: i % 10 === 0 ? ['phone could not be parsed: 555-x'] : [],
    });
  }
  return out;
}

async function time(label: string, rows: number, fn: () => Promise<unknown>): Promise<void> {
  const start = process.hrtime.bigint();
  await fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(
    `${label.padEnd(62)} ${String(Math.round((rows / ms) * 1000)).padStart(8)} rows/s  (${ms.toFixed(0)} ms)`,
  );
}

async function throughRepository(repo: RecordsRepository, records: ContactRecord[], callSize: number) {
  const batchId = randomUUID();
  await time(`${repo.kind} repository, writeRecords calls of ${callSize}`, records.length, async () => {
    for (let i = 0; i < records.length; i += callSize) {
      await repo.writeRecords(batchId, records.slice(i, i + callSize));
    }
  });
  const counts = await countRecords(repo, batchId);
  if (counts.records !== records.length) {
    throw new Error(`expected ${records.length} rows, counted ${counts.records}`);
  }
  await repo.deleteBatch(batchId);
}

async function main(): Promise<void> {
  const records = makeRecords(ROWS);
  const avgOriginal = JSON.stringify(records[1]).length;
  console.log(
    `${ROWS} rows (~${avgOriginal} B JSON each), node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB; services on the same machine`,
  );

  // ---------------------------------------------------------------- PostgreSQL
  const pool = createPgPool({
    connectionString: env('DATABASE_URL'),
    maxConnections: 8,
    connectTimeoutMs: 5_000,
    statementTimeoutMs: 120_000,
  });
  await runMigrations(pool);
  // RAW_INSERT_PG=0 / RAW_INSERT_SINGLE=0 / RAW_INSERT_REPOSITORY=0 skip those parts (a targeted run).
  for (const chunkSize of process.env['RAW_INSERT_PG'] === '0' ? [] : [500, 1_000, 2_000]) {
    const repo = createPostgresRecordsRepository(pool, { chunkSize });
    await throughRepository(repo, records, 5_000);
    if (chunkSize === 1_000) {
      await throughRepository(repo, records, ROWS);
    }
  }
  await pool.end();

  // ---------------------------------------------------------------- Cassandra
  const keyspace = `batchport_bench_${randomBytes(3).toString('hex')}`;
  const client = createCassandraClient({
    contactPoints: env('CASSANDRA_CONTACT_POINTS').split(','),
    localDataCenter: env('CASSANDRA_LOCAL_DC'),
    requestTimeoutMs: 30_000,
  });
  await client.connect();
  await ensureCassandraSchema(client, keyspace);
  const release = (await client.execute('SELECT release_version FROM system.local'))
    .first()
    ?.get('release_version') as string;
  console.log(`Cassandra ${release}, keyspace ${keyspace}`);
  try {
    // The repository's own statement and parameters (unset cells + null_mask, no tombstones).
    const table = `${keyspace}.batch_records`;
    const insert = insertStatement(table);
    const params = (batchId: string, r: ContactRecord): unknown[] =>
      recordParams(cassandra.types.Uuid.fromString(batchId))(r, bucketOf(r.rowNumber));
    // Warm-up: prepare statements, JIT, memtables.
    await cassandra.concurrent.executeConcurrent(
      client,
      insert,
      records.slice(0, 5_000).map((r) => params(randomUUID(), r)),
      { concurrencyLevel: 64 },
    );

    for (const concurrencyLevel of process.env['RAW_INSERT_SINGLE'] === '0' ? [] : [32, 64, 128, 256]) {
      const batchId = randomUUID();
      const all = records.map((r) => params(batchId, r));
      await time(`raw executeConcurrent, single-row INSERT, concurrency ${concurrencyLevel}`, ROWS, () =>
        cassandra.concurrent.executeConcurrent(client, insert, all, { concurrencyLevel }),
      );
    }
    // Batch size sweep (issue #23): single-partition UNLOGGED batches of N rows, M in flight,
    // by the bare driver, rounds interleaved so machine noise hits every size alike.
    const sizes = (process.env['RAW_INSERT_ROWS'] ?? '1,6,50,100,200,350,500').split(',').map(Number);
    const inFlights = (process.env['RAW_INSERT_IN_FLIGHT'] ?? '16,32,64').split(',').map(Number);
    const rounds = Number(process.env['RAW_INSERT_ROUNDS'] ?? 2);
    for (let round = 1; round <= rounds; round++) {
      for (const maxRows of sizes) {
        for (const inFlight of inFlights) {
          const batchId = randomUUID();
          const batches = repositoryBatches(table, batchId, records, { maxRows, maxBytes: 1 << 20 });
          await time(
            `[round ${round}] raw UNLOGGED batches of ${maxRows} rows, ${inFlight} in flight`,
            ROWS,
            () => writeBatches(client, batches, inFlight),
          );
          await deletePartitions(client, table, batchId, ROWS);
        }
      }
    }
    for (let round = 1; round <= 2; round++) {
      const batchId = randomUUID();
      const batches = repositoryBatches(table, batchId, records);
      await time(
        `raw UNLOGGED batches as the repository cuts them (${REPOSITORY_WRITE.maxBatchRows} rows, ${REPOSITORY_WRITE.inFlight} in flight)`,
        ROWS,
        () => writeBatches(client, batches),
      );
      await deletePartitions(client, table, batchId, ROWS);
    }
    if (process.env['RAW_INSERT_REPOSITORY'] !== '0') {
      for (const round of [1, 2]) {
        const repo = createCassandraRecordsRepository(client, { keyspace, closeClient: false });
        process.stdout.write(`[round ${round}: repository defaults] `);
        await throughRepository(repo, records, 5_000);
      }
    }
    // Read side, for reference: page through 100k rows 1000 at a time.
    const repo = createCassandraRecordsRepository(client, { keyspace, closeClient: false });
    const batchId = randomUUID();
    await repo.writeRecords(batchId, records);
    await time('cassandra listRecords, pages of 1000', ROWS, async () => {
      let cursor: string | undefined;
      do {
        const page = await repo.listRecords(batchId, { limit: 1_000, cursor });
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    });
    await time('cassandra count (every page + invalid stream)', ROWS, () => countRecords(repo, batchId));
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client.shutdown();
  }
}

await main();
