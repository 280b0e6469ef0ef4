/**
 * End to end: upload request -> `loaded`, through the API over real HTTP on loopback and the
 * in-process worker (S3 storage, Cassandra records), interleaved round by round with the
 * references of bench/sections/references.ts on the same data, so machine noise hits both
 * sides of each ratio alike (A/B/A/B). Every figure is the median of the rounds with its
 * min–max spread.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitlogModeKey } from '../lib/commitlog.js';
import type { GeneratedFile } from '../lib/data.js';
import { parseInMemory } from '../lib/parse.js';
import { deleteBatch, startBenchStack, tokenFor, upload, waitDone, type BenchStack } from '../lib/stack.js';
import { elapsedMs, log } from '../lib/util.js';
import { recordSamples, type Results } from '../lib/verdict.js';
import { openCqlshReference, openInsertReference, rawInsertOnce, rawParseOnce } from './references.js';

export interface IngestRun {
  ms: number;
  rowsRead: number;
  recordsLoaded: number;
  invalidRows: number;
}

export async function ingestOnce(
  stack: BenchStack,
  token: string,
  file: Buffer,
  fileName: string,
): Promise<IngestRun> {
  const started = process.hrtime.bigint();
  const up = await upload(stack, token, file, fileName);
  if (up.status !== 201) {
    throw new Error(`upload of ${fileName} failed: ${up.status} ${up.text}`);
  }
  const done = await waitDone(stack, token, up.id);
  const ms = elapsedMs(started);
  if (done.status !== 'loaded') {
    throw new Error(`${fileName} ended ${done.status}: ${done.errorMessage ?? ''}`);
  }
  await deleteBatch(stack, token, up.id);
  return { ms, rowsRead: done.rowsRead, recordsLoaded: done.recordsLoaded, invalidRows: done.invalidRows };
}

export interface IngestInputs {
  csv: GeneratedFile;
  xlsx: GeneratedFile;
  vcf: GeneratedFile;
  warmup: GeneratedFile;
}

type Samples = Record<string, number[]>;

function push(samples: Samples, key: string, value: number): void {
  (samples[key] ??= []).push(value);
}

export async function runIngest(inputs: IngestInputs, rounds: number, results: Results): Promise<void> {
  const keyspace = process.env['CASSANDRA_KEYSPACE']!;
  const { records } = await parseInMemory(inputs.csv.bytes, 'csv');
  const dir = await mkdtemp(join(tmpdir(), 'batchport-bench-'));
  const stack = await startBenchStack({ worker: true });
  const insertRef = await openInsertReference(keyspace);
  const cqlsh = await openCqlshReference(keyspace, dir);
  results['cqlsh_version'] = cqlsh.version;
  // The node's commit log sync mode, with the last A/B of bench/commitlogAb.ts (issue #23).
  results['commitlog_mode'] = await commitlogModeKey(insertRef.client);
  try {
    const token = await tokenFor(`bench-ingest-${Date.now()}`);
    // Warm-up of every path: JIT, prepared statements, connection pools, memtables.
    await ingestOnce(stack, token, inputs.warmup.bytes, 'warmup.csv');
    await rawParseOnce(inputs.warmup.bytes);
    await rawInsertOnce(insertRef, records.slice(0, 10_000));
    const samples: Samples = {};
    const files: [string, GeneratedFile][] = [
      ['csv', inputs.csv],
      ['xlsx', inputs.xlsx],
      ['vcf', inputs.vcf],
    ];
    for (let round = 1; round <= rounds; round++) {
      for (const [format, file] of files) {
        const run = await ingestOnce(stack, token, file.bytes, `contacts.${format}`);
        push(samples, `ingest_${format}_rows_per_s`, (run.rowsRead / run.ms) * 1000);
        results[`ingest_${format}_rows`] = run.rowsRead;
        results[`ingest_${format}_records`] = run.recordsLoaded;
        results[`ingest_${format}_invalid_rows`] = run.invalidRows;
        results[`ingest_${format}_file_bytes`] = file.bytes.length;
      }
      push(samples, 'raw_parse_rows_per_s', await rawParseOnce(inputs.csv.bytes));
      push(samples, 'raw_insert_rows_per_s', await rawInsertOnce(insertRef, records));
      const copy = await cqlsh.copyOnce(records);
      push(samples, 'cqlsh_copy_rows_per_s', copy.rowsPerS);
      push(samples, 'cqlsh_copy_wall_rows_per_s', copy.wallRowsPerS);
      // Recorded after every round: a later failure still leaves the rounds measured so far.
      for (const [key, values] of Object.entries(samples)) {
        recordSamples(results, key, values);
      }
      log(
        `ingest round ${round}: ` +
          Object.entries(samples)
            .map(([k, v]) => `${k.replace(/_rows_per_s$/, '')} ${Math.round(v.at(-1)!)}`)
            .join(', ') +
          ' rows/s',
      );
    }
    results['raw_insert_records'] = records.length;
    results['ingest_rounds'] = rounds;
  } finally {
    await cqlsh.close();
    await insertRef.close();
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
