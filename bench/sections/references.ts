/**
 * The references the pipeline is compared with, each on the same 10 MB CSV:
 * - raw parse: openContactParser over the bytes in memory, nothing else;
 * - raw insert: the parsed records written to the same Cassandra table (batchport.batch_records)
 *   by a bare driver loop: executeConcurrent of prepared single-row INSERTs (concurrency sweep),
 *   and single-partition UNLOGGED batches (what the repository does) for comparison;
 * - cqlsh COPY FROM: the same CSV (with key columns prepended) into an equivalent table.
 */
import cassandra from 'cassandra-driver';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCassandraClient, type CassandraClient } from '../../src/db/cassandra.js';
import { ensureCassandraSchema } from '../../src/db/cassandraSchema.js';
import { ensurePythonTool } from '../../scripts/lib/pythonVenv.js';
import type { ContactRecord } from '../../src/parsing/types.js';
import { cqlshCsv, type GeneratedFile } from '../lib/data.js';
import { parseInMemory } from '../lib/parse.js';
import { elapsedMs, log, median, round, type Results } from '../lib/util.js';

const run = promisify(execFile);
const BUCKET = 10_000;
const { unset } = cassandra.types;
const NULLABLE: (keyof ContactRecord)[] = [
  'fullName',
  'firstName',
  'lastName',
  'email',
  'phone',
  'company',
  'title',
  'street',
  'city',
  'region',
  'postalCode',
  'country',
];

export async function runRawParse(
  csv: GeneratedFile,
  iterations: number,
  results: Results,
): Promise<ContactRecord[]> {
  await parseInMemory(csv.bytes, 'csv', { keep: false }); // warm-up
  const times: number[] = [];
  for (let i = 0; i < Math.max(2, iterations); i++) {
    const r = await parseInMemory(csv.bytes, 'csv', { keep: false });
    times.push(r.ms);
  }
  const parsed = await parseInMemory(csv.bytes, 'csv');
  const ms = median(times);
  results['raw_parse_rows_per_s'] = round((parsed.rows / ms) * 1000);
  results['raw_parse_ms'] = round(ms);
  results['raw_parse_mib_per_s'] = round(csv.bytes.length / 2 ** 20 / (ms / 1000), 1);
  log(`raw parse: ${parsed.rows} rows in ${ms.toFixed(0)} ms`);
  return parsed.records;
}

function cassandraClient(): CassandraClient {
  return createCassandraClient({
    contactPoints: process.env['CASSANDRA_CONTACT_POINTS']!.split(','),
    localDataCenter: process.env['CASSANDRA_LOCAL_DC'] ?? 'datacenter1',
    requestTimeoutMs: 30_000,
  });
}

/** Same columns and null handling (unset + null_mask) as cassandraRecordsRepository. */
function params(batchId: string, r: ContactRecord): unknown[] {
  const out: unknown[] = [batchId, Math.floor(r.rowNumber / BUCKET), r.rowNumber];
  let mask = 0;
  NULLABLE.forEach((field, bit) => {
    const v = r[field] as string | null;
    if (v === null) {
      mask |= 1 << bit;
    }
    out.push(v ?? unset);
  });
  if (r.issues.length === 0) {
    mask |= 1 << NULLABLE.length;
  }
  out.push(JSON.stringify(r.original), r.issues.length === 0 ? unset : r.issues, mask);
  return out;
}

export async function runRawInsert(
  records: readonly ContactRecord[],
  opts: { concurrencies: number[]; rounds: number },
  results: Results,
): Promise<void> {
  const keyspace = process.env['CASSANDRA_KEYSPACE'] ?? 'batchport';
  const client = cassandraClient();
  await client.connect();
  await ensureCassandraSchema(client, keyspace);
  const insert = `INSERT INTO ${keyspace}.batch_records (batch_id, bucket, row_number, full_name, first_name,
    last_name, email, phone, company, title, street, city, region, postal_code, country, original, issues,
    null_mask) VALUES (${Array.from({ length: 18 }, () => '?').join(', ')})`;
  const written: string[] = [];
  const buckets = Math.floor((records.at(-1)?.rowNumber ?? 0) / BUCKET) + 1;
  try {
    const warm = randomUUID();
    written.push(warm);
    await cassandra.concurrent.executeConcurrent(
      client,
      insert,
      records.slice(0, 20_000).map((r) => params(warm, r)),
      { concurrencyLevel: 128 },
    );
    const single: Record<number, number[]> = {};
    const batched: number[] = [];
    for (let round_ = 0; round_ < opts.rounds; round_++) {
      for (const concurrencyLevel of opts.concurrencies) {
        const batchId = randomUUID();
        written.push(batchId);
        const all = records.map((r) => params(batchId, r));
        const started = process.hrtime.bigint();
        await cassandra.concurrent.executeConcurrent(client, insert, all, { concurrencyLevel });
        const ms = elapsedMs(started);
        (single[concurrencyLevel] ??= []).push((records.length / ms) * 1000);
        log(
          `raw insert executeConcurrent c=${concurrencyLevel}: ${Math.round((records.length / ms) * 1000)} rows/s`,
        );
      }
      // Single-partition UNLOGGED batches of ~4 KiB (6 rows of these contacts), concurrency 64.
      const batchId = randomUUID();
      written.push(batchId);
      const groups: { query: string; params: unknown[] }[][] = [];
      let current: { query: string; params: unknown[] }[] = [];
      for (const r of records) {
        const p = params(batchId, r);
        if (current.length > 0 && (current.length >= 6 || p[1] !== current[0]!.params[1])) {
          groups.push(current);
          current = [];
        }
        current.push({ query: insert, params: p });
      }
      if (current.length > 0) {
        groups.push(current);
      }
      const started = process.hrtime.bigint();
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < groups.length) {
            const g = groups[next++]!;
            await client.batch(g, { prepare: true, logged: false });
          }
        }),
      );
      const ms = elapsedMs(started);
      batched.push((records.length / ms) * 1000);
      log(`raw insert UNLOGGED batches of 6 rows, c=64: ${Math.round((records.length / ms) * 1000)} rows/s`);
    }
    let best = 0;
    let bestC = 0;
    for (const [c, rates] of Object.entries(single)) {
      const m = median(rates);
      results[`raw_insert_c${c}_rows_per_s`] = round(m);
      if (m > best) {
        best = m;
        bestC = Number(c);
      }
    }
    results['raw_insert_rows_per_s'] = round(best);
    results['raw_insert_best_concurrency'] = bestC;
    results['raw_insert_batched_rows_per_s'] = round(median(batched));
  } finally {
    for (const id of written) {
      for (let b = 0; b < buckets; b++) {
        await client
          .execute(`DELETE FROM ${keyspace}.batch_records WHERE batch_id = ? AND bucket = ?`, [id, b], {
            prepare: true,
          })
          .catch(() => undefined);
      }
    }
    await client.shutdown();
  }
}

/** cqlsh from PyPI in `.tools/cqlsh-venv` (installed on first use). */
function ensureCqlsh(): Promise<string> {
  return ensurePythonTool({ venv: 'cqlsh-venv', bin: 'cqlsh', pipArgs: ['cqlsh'], log });
}

/** cqlsh COPY FROM of the same contacts, keyed (batch_id, bucket) / row_number like batch_records. */
export async function runCqlshCopy(csv: GeneratedFile, rounds: number, results: Results): Promise<void> {
  const keyspace = process.env['CASSANDRA_KEYSPACE'] ?? 'batchport';
  const [host, port] = process.env['CASSANDRA_CONTACT_POINTS']!.split(',')[0]!.split(':');
  const table = `${keyspace}.bench_cqlsh_copy`;
  const client = cassandraClient();
  const dir = await mkdtemp(join(tmpdir(), 'batchport-cqlsh-'));
  try {
    const cqlsh = await ensureCqlsh();
    const version = (await run(cqlsh, ['--version'])).stdout.trim();
    results['cqlsh_version'] = version;
    await client.connect();
    await client.execute(
      `CREATE TABLE IF NOT EXISTS ${table} (batch_id uuid, bucket int, row_number int, first_name text,
        last_name text, email text, mobile_phone text, company text, job_title text, city text,
        PRIMARY KEY ((batch_id, bucket), row_number))`,
    );
    const columns =
      'batch_id, bucket, row_number, first_name, last_name, email, mobile_phone, company, job_title, city';
    const rates: number[] = [];
    const walls: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const file = join(dir, `contacts-${i}.csv`);
      await writeFile(file, cqlshCsv(csv.contacts, randomUUID(), BUCKET));
      const started = process.hrtime.bigint();
      // Defaults (NUMPROCESSES = cores - 1, CHUNKSIZE 5000, MAXBATCHSIZE 20, INGESTRATE 100000).
      const { stdout } = await run(
        cqlsh,
        [
          host!,
          port ?? '9042',
          '--request-timeout=60',
          '-e',
          `COPY ${table} (${columns}) FROM '${file}' WITH HEADER = false`,
        ],
        { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
      );
      const wall = elapsedMs(started);
      // "100012 rows imported from 1 files in 0 day, 0 hour, 0 minute, and 3.012 seconds (0 skipped)."
      const m = /(\d+) rows imported from \d+ files? in (.*?) seconds/.exec(stdout);
      const parts = (m?.[2]?.match(/[\d.]+/g) ?? []).map(Number).reverse(); // s, min, h, d
      const seconds =
        (parts[0] ?? NaN) + (parts[1] ?? 0) * 60 + (parts[2] ?? 0) * 3600 + (parts[3] ?? 0) * 86400;
      if (!m || Number(m[1]) !== csv.rows || !(seconds > 0)) {
        throw new Error(`unexpected cqlsh output: ${stdout.slice(-300)}`);
      }
      rates.push(Number(m[1]) / seconds);
      walls.push(wall);
      log(
        `cqlsh COPY: ${m[1]} rows in ${seconds.toFixed(2)} s (wall incl. start-up ${(wall / 1000).toFixed(1)} s)`,
      );
      await client.execute(`TRUNCATE ${table}`);
    }
    results['cqlsh_copy_rows_per_s'] = round(median(rates));
    results['cqlsh_copy_wall_rows_per_s'] = round((csv.rows / median(walls)) * 1000);
  } catch (error) {
    results['cqlsh_copy_error'] = (error as Error).message.slice(0, 500);
    log(`cqlsh COPY failed: ${(error as Error).message}`);
  } finally {
    await client.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await client.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}
