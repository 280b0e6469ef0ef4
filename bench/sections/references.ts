/**
 * The references the ingest is compared with, each on the same 10 MB CSV, one run per call so
 * the ingest section can interleave them with the pipeline (A/B/A/B):
 * - raw parse: openContactParser over the bytes in memory, nothing else;
 * - raw insert: the parsed records written by the bare driver as the repository writes them
 *   (bench/lib/repoWorkload.ts: same statement, unset cells + null_mask, same UNLOGGED batches);
 * - cqlsh COPY FROM (pinned cqlsh): the same records, as the repository would write them, into a
 *   table of the same shape as batch_records.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createCassandraClient, type CassandraClient } from '../../src/db/cassandra.js';
import { ensureCassandraSchema } from '../../src/db/cassandraSchema.js';
import { RECORD_COLUMNS } from '../../src/repositories/records/cassandraRecordRow.js';
import { ensurePythonTool } from '../../scripts/lib/pythonVenv.js';
import type { ContactRecord } from '../../src/parsing/types.js';
import { parseInMemory } from '../lib/parse.js';
import {
  cqlshCsvLine,
  deletePartitions,
  recordTableDdl,
  repositoryBatches,
  writeBatches,
} from '../lib/repoWorkload.js';
import { elapsedMs, log } from '../lib/util.js';

const run = promisify(execFile);

/** The pinned tool: cqlsh and its driver, in their own venv. */
export const CQLSH_PINS = ['cqlsh==6.2.2', 'cassandra-driver==3.30.1'] as const;

/** Rows per second of openContactParser over `bytes` (64 KiB chunks, in memory). */
export async function rawParseOnce(bytes: Buffer): Promise<number> {
  const r = await parseInMemory(bytes, 'csv', { keep: false });
  return (r.rows / r.ms) * 1000;
}

export function benchCassandraClient(): CassandraClient {
  return createCassandraClient({
    contactPoints: process.env['CASSANDRA_CONTACT_POINTS']!.split(','),
    localDataCenter: process.env['CASSANDRA_LOCAL_DC'] ?? 'datacenter1',
    requestTimeoutMs: 30_000,
  });
}

export interface InsertReference {
  client: CassandraClient;
  table: string;
  close(): Promise<void>;
}

/** A driver client on the bench keyspace's batch_records (created if needed). */
export async function openInsertReference(keyspace: string): Promise<InsertReference> {
  const client = benchCassandraClient();
  await client.connect();
  await ensureCassandraSchema(client, keyspace);
  return { client, table: `${keyspace}.batch_records`, close: () => client.shutdown() };
}

/** Rows per second of the repository's write workload by the bare driver; cleans up after. */
export async function rawInsertOnce(
  ref: InsertReference,
  records: readonly ContactRecord[],
): Promise<number> {
  const batchId = randomUUID();
  const batches = repositoryBatches(ref.table, batchId, records); // built before the clock starts
  const started = process.hrtime.bigint();
  try {
    await writeBatches(ref.client, batches);
    return (records.length / elapsedMs(started)) * 1000;
  } finally {
    await deletePartitions(ref.client, ref.table, batchId, records.at(-1)?.rowNumber ?? 0);
  }
}

export interface CqlshReference {
  version: string;
  /** One COPY of the records; its own reported rate and the wall time including start-up. */
  copyOnce(records: readonly ContactRecord[]): Promise<{ rowsPerS: number; wallRowsPerS: number }>;
  close(): Promise<void>;
}

/**
 * cqlsh from PyPI, pinned, in `.tools/cqlsh-6.2.2`. It is run through the venv's python rather
 * than its script's shebang: `.tools` is shared between checkouts, and a shebang names the
 * checkout that created the venv.
 */
async function pinnedCqlsh(): Promise<{ python: string; script: string }> {
  const script = await ensurePythonTool({ venv: 'cqlsh-6.2.2', bin: 'cqlsh', pipArgs: CQLSH_PINS, log });
  return { python: join(dirname(script), 'python3'), script };
}

/** COPY FROM into `<keyspace>.bench_cqlsh_copy`, shaped like batch_records (dropped on close). */
export async function openCqlshReference(keyspace: string, dir: string): Promise<CqlshReference> {
  const { python, script } = await pinnedCqlsh();
  const version = (await run(python, [script, '--version'])).stdout.trim();
  const [host, port] = process.env['CASSANDRA_CONTACT_POINTS']!.split(',')[0]!.split(':');
  const table = `${keyspace}.bench_cqlsh_copy`;
  const client = benchCassandraClient();
  await client.connect();
  await ensureCassandraSchema(client, keyspace);
  await client.execute(recordTableDdl(table));
  const columns = ['batch_id', 'bucket', ...RECORD_COLUMNS].join(', ');
  return {
    version,
    async copyOnce(records) {
      const batchId = randomUUID();
      const file = join(dir, `cqlsh-${batchId}.csv`);
      await writeFile(file, records.map((r) => cqlshCsvLine(batchId, r)).join('\n') + '\n');
      const started = process.hrtime.bigint();
      try {
        // Defaults: NUMPROCESSES = cores - 1, CHUNKSIZE 5000, MAXBATCHSIZE 20, INGESTRATE 100000.
        const { stdout } = await run(
          python,
          [
            script,
            host!,
            port ?? '9042',
            '--request-timeout=60',
            '-e',
            `COPY ${table} (${columns}) FROM '${file}' WITH HEADER = false`,
          ],
          { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
        );
        const wall = elapsedMs(started);
        const seconds = copySeconds(stdout, records.length);
        return { rowsPerS: records.length / seconds, wallRowsPerS: (records.length / wall) * 1000 };
      } finally {
        await deletePartitions(client, table, batchId, records.at(-1)?.rowNumber ?? 0);
      }
    },
    async close() {
      await client.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await client.shutdown();
    },
  };
}

/** cqlsh's own elapsed time from "N rows imported from 1 files in 0 day, 0 hour, 0 minute, and 3.012 seconds". */
export function copySeconds(stdout: string, expectedRows: number): number {
  const m = /(\d+) rows imported from \d+ files? in (.*?) seconds/.exec(stdout);
  const parts = (m?.[2]?.match(/[\d.]+/g) ?? []).map(Number).reverse(); // s, min, h, d
  const seconds = (parts[0] ?? NaN) + (parts[1] ?? 0) * 60 + (parts[2] ?? 0) * 3600 + (parts[3] ?? 0) * 86400;
  if (!m || Number(m[1]) !== expectedRows || !(seconds > 0)) {
    throw new Error(`cqlsh COPY did not import ${expectedRows} rows: ${stdout.slice(-300)}`);
  }
  return seconds;
}
