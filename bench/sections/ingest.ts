/**
 * End to end: upload request -> `loaded`, through the API over real HTTP on loopback and the
 * in-process worker (S3 storage, Cassandra records), like the test stack. Also how the cost grows
 * with the file size (1, 4, 10 MB CSVs).
 */
import type { FileFormat } from '../../src/parsing/types.js';
import type { GeneratedFile } from '../lib/data.js';
import { deleteBatch, startBenchStack, tokenFor, upload, waitDone, type BenchStack } from '../lib/stack.js';
import { elapsedMs, log, median, round, type Results } from '../lib/util.js';

export interface IngestRun {
  ms: number;
  uploadMs: number;
  rowsRead: number;
  recordsLoaded: number;
  invalidRows: number;
  status: string;
}

export async function ingestOnce(
  stack: BenchStack,
  token: string,
  file: Buffer,
  fileName: string,
  cleanup = true,
): Promise<IngestRun> {
  const started = process.hrtime.bigint();
  const up = await upload(stack, token, file, fileName);
  const uploadMs = elapsedMs(started);
  if (up.status !== 201) {
    throw new Error(`upload of ${fileName} failed: ${up.status} ${up.text}`);
  }
  const done = await waitDone(stack, token, up.id);
  const ms = elapsedMs(started);
  if (done.status !== 'loaded') {
    throw new Error(`${fileName} ended ${done.status}: ${done.errorMessage ?? ''}`);
  }
  if (cleanup) {
    await deleteBatch(stack, token, up.id);
  }
  return {
    ms,
    uploadMs,
    rowsRead: done.rowsRead,
    recordsLoaded: done.recordsLoaded,
    invalidRows: done.invalidRows,
    status: done.status,
  };
}

export interface IngestInputs {
  csv: GeneratedFile;
  xlsx: GeneratedFile;
  vcf: GeneratedFile;
  csv1: GeneratedFile;
  csv4: GeneratedFile;
}

export async function runIngest(inputs: IngestInputs, iterations: number, results: Results): Promise<void> {
  const stack = await startBenchStack({ worker: true });
  try {
    const token = await tokenFor(`bench-ingest-${Date.now()}`);
    // Warm-up: JIT, prepared statements, connection pools, Cassandra memtables.
    await ingestOnce(stack, token, inputs.csv1.bytes, 'warmup.csv');
    await ingestOnce(stack, token, inputs.csv1.bytes, 'warmup.csv');

    const formats: [string, FileFormat, GeneratedFile][] = [
      ['csv', 'csv', inputs.csv],
      ['xlsx', 'xlsx', inputs.xlsx],
      ['vcf', 'vcf', inputs.vcf],
    ];
    for (const [key, format, file] of formats) {
      const runs: IngestRun[] = [];
      for (let i = 0; i < iterations; i++) {
        const run = await ingestOnce(stack, token, file.bytes, `contacts.${format}`);
        log(
          `ingest ${key} ${(file.bytes.length / 1e6).toFixed(1)} MB: ${run.rowsRead} rows in ${run.ms.toFixed(0)} ms ` +
            `(upload ${run.uploadMs.toFixed(0)} ms) = ${Math.round((run.rowsRead / run.ms) * 1000)} rows/s`,
        );
        runs.push(run);
      }
      const ms = median(runs.map((r) => r.ms));
      const rows = runs[0]!.rowsRead;
      results[`ingest_${key}_rows_per_s`] = round((rows / ms) * 1000);
      results[`ingest_${key}_ms`] = round(ms);
      results[`ingest_${key}_upload_ms`] = round(median(runs.map((r) => r.uploadMs)));
      results[`ingest_${key}_rows`] = rows;
      results[`ingest_${key}_records`] = runs[0]!.recordsLoaded;
      results[`ingest_${key}_invalid_rows`] = runs[0]!.invalidRows;
      results[`ingest_${key}_file_bytes`] = file.bytes.length;
    }

    // Size scaling (CSV): 1, 4, 10 MB.
    const sizes: [string, GeneratedFile][] = [
      ['1mb', inputs.csv1],
      ['4mb', inputs.csv4],
      ['10mb', inputs.csv],
    ];
    for (const [key, file] of sizes) {
      const runs: IngestRun[] = [];
      for (let i = 0; i < iterations; i++) {
        runs.push(await ingestOnce(stack, token, file.bytes, `size-${key}.csv`));
      }
      const ms = median(runs.map((r) => r.ms));
      results[`scale_csv_${key}_ms`] = round(ms);
      results[`scale_csv_${key}_rows`] = runs[0]!.rowsRead;
      results[`scale_csv_${key}_rows_per_s`] = round((runs[0]!.rowsRead / ms) * 1000);
      log(`size scaling ${key}: ${runs[0]!.rowsRead} rows in ${ms.toFixed(0)} ms`);
    }
  } finally {
    await stack.close();
  }
}
