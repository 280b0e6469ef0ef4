/**
 * Raw parse throughput of the parse pool: `files` copies of the bench's 10 MB CSV parsed at once
 * through a pool of 1, 2 and 4 threads (one file is one task, so a single file uses one thread;
 * a worker scales with the jobs it runs at once). Aggregate rows/s, median of `runs`:
 *
 *   tsx bench/micro/poolParse.ts [files=4] [runs=3] [megabytes=10]
 */
import { Readable } from 'node:stream';
import { createParsePool } from '../../src/worker/parsePool.js';
import { contactsCsv } from '../lib/data.js';

const files = Number(process.argv[2] ?? 4);
const runs = Number(process.argv[3] ?? 3);
const csv = contactsCsv(Number(process.argv[4] ?? 10) * 1_000_000);

function chunks(bytes: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 64 * 1024) {
    parts.push(bytes.subarray(i, i + 64 * 1024));
  }
  return Readable.from(parts);
}

for (const threads of [1, 2, 4]) {
  const pool = createParsePool(threads);
  const options = {
    format: 'csv' as const,
    maxRows: 1_000_000,
    maxUncompressedBytes: 64 * 1024 * 1024,
    defaultRegion: 'US',
    totalBytes: csv.bytes.length,
  };
  // Warm-up: every thread loads the parser once.
  await Promise.all(
    Array.from({ length: threads }, async () => {
      for await (const _ of pool.open(chunks(csv.bytes.subarray(0, 100_000)), options).rows) {
        // discard
      }
    }),
  );
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = process.hrtime.bigint();
    const counts = await Promise.all(
      Array.from({ length: files }, async () => {
        let n = 0;
        for await (const _ of pool.open(chunks(csv.bytes), options).rows) {
          n++;
        }
        return n;
      }),
    );
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = counts.reduce((a, b) => a + b, 0);
    rates.push(Math.round(rows / s));
    console.log(
      `threads=${threads} run ${r + 1}: ${rows} rows in ${s.toFixed(1)} s = ${rates.at(-1)} rows/s`,
    );
  }
  rates.sort((a, b) => a - b);
  console.log(
    `threads=${threads}: median ${rates[Math.floor(rates.length / 2)]} rows/s (${files} files at once)`,
  );
  await pool.close();
}
