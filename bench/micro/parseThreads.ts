/**
 * Raw parse scaling of the worker's parse pool (issue #13 item 3): the same `files` copies of
 * the bench's 10 MB CSV parsed at once through pools of 1, 2 and 4 threads, exactly as the worker
 * opens them (src/worker/parsePool.ts: decode, parse, normalise, phone check, batches of rows back
 * to this thread). One file is one task, so one file uses one thread: a worker scales with the
 * jobs it runs at once. Rounds are interleaved (1, 2, 4, 1, 2, 4, …) so drift hits every size.
 *
 *   npm run bench -- --only=parse_threads              # as a section of the bench
 *   tsx bench/micro/parseThreads.ts [files=4] [rounds=3] [megabytes=10]
 *
 * Writes `raw_parse_{1,2,4}_thread(s)_rows_per_s` with spreads; the bench judges
 * `ratio_raw_parse_2_vs_1_threads` against its goal.
 */
import { pathToFileURL } from 'node:url';
import { createParsePool, type ParsePool } from '../../src/worker/parsePool.js';
import { contactsCsv, type GeneratedFile } from '../lib/data.js';
import { storageChunks } from '../lib/parse.js';
import { log, round } from '../lib/util.js';
import { recordSamples, type Results } from '../lib/verdict.js';

const THREADS = [1, 2, 4] as const;

function parseOptions(bytes: Buffer) {
  return {
    format: 'csv' as const,
    maxRows: 1_000_000,
    maxUncompressedBytes: 64 * 1024 * 1024,
    defaultRegion: 'US',
    totalBytes: bytes.length,
  };
}

async function parseAll(pool: ParsePool, bytes: Buffer): Promise<number> {
  let rows = 0;
  for await (const _ of pool.open(storageChunks(bytes), parseOptions(bytes)).rows) {
    rows++;
  }
  return rows;
}

/** Rows per second over `files` files parsed at once. */
async function measure(pool: ParsePool, bytes: Buffer, files: number, expectedRows: number): Promise<number> {
  const started = process.hrtime.bigint();
  const counts = await Promise.all(Array.from({ length: files }, () => parseAll(pool, bytes)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const wrong = counts.find((n) => n !== expectedRows);
  if (wrong !== undefined) {
    throw new Error(`the pool parsed ${wrong} rows of a ${expectedRows}-row file`);
  }
  return (files * expectedRows) / seconds;
}

const key = (threads: number) => `raw_parse_${threads}_${threads === 1 ? 'thread' : 'threads'}_rows_per_s`;

export async function runParseThreads(
  csv: GeneratedFile,
  results: Results,
  options: { files?: number; rounds?: number } = {},
): Promise<void> {
  const files = options.files ?? 4;
  const rounds = options.rounds ?? 3;
  const pools = new Map(THREADS.map((t) => [t, createParsePool(t)] as const));
  try {
    // Warm-up: every thread of every pool loads the parser and the phone metadata once.
    const head = csv.bytes.subarray(0, csv.bytes.indexOf(10, 100_000) + 1);
    for (const [threads, pool] of pools) {
      await Promise.all(Array.from({ length: threads }, () => parseAll(pool, head)));
    }
    const samples = new Map<number, number[]>(THREADS.map((t) => [t, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [threads, pool] of pools) {
        const rate = await measure(pool, csv.bytes, files, csv.rows);
        samples.get(threads)!.push(rate);
        log(`parse_threads: ${threads} thread(s), round ${r + 1}: ${Math.round(rate)} rows/s`);
      }
    }
    for (const [threads, rates] of samples) {
      recordSamples(results, key(threads), rates);
    }
    results['parse_threads_files_at_once'] = files;
    results['parse_threads_rows_per_file'] = csv.rows;
    results['parse_threads_rounds'] = rounds;
    results['ratio_raw_parse_4_vs_1_threads'] = round(
      (results[key(4)] as number) / (results[key(1)] as number),
      2,
    );
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.close()));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const files = Number(process.argv[2] ?? 4);
  const rounds = Number(process.argv[3] ?? 3);
  const csv = contactsCsv(Number(process.argv[4] ?? 10) * 1_000_000);
  const results: Results = {};
  await runParseThreads(csv, results, { files, rounds });
  console.log(JSON.stringify(results, null, 2));
}
