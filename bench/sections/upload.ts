/**
 * 1 MiB uploads through the API (multipart -> meter: size, hash, content check -> SeaweedFS S3
 * -> PostgreSQL row -> BullMQ job) at concurrency 16, sent from a worker thread, next to the same bytes stored by a bare
 * PutObject at the same concurrency, rounds alternating (A/B/A/B). The raw client comes from the
 * storage adapter's own factory (createS3Client: same retries, timeouts, checksum settings) and
 * sends what the adapter sends: one buffer of known length. No worker runs meanwhile (the jobs
 * stay queued and are removed with the queue), so both sides only store bytes.
 *
 * The reference is the fastest honest PUT (issue #23): no client checksums (WHEN_REQUIRED), no
 * `Expect: 100-continue` wait (expectContinueHeader: false in createS3Client; it applies from
 * 2 MiB), keep-alive connections (the SDK's agent: keepAlive, 50 sockets for 16 in flight), one
 * PutObject per body (no multipart parts), and each body hashed once (SigV4's payload hash; the
 * API path hashes once too, in its upload meter, and signs with that hash).
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { createS3Client } from '../../src/storage/s3Storage.js';
import { contactsCsv } from '../lib/data.js';
import { startBenchStack, tokenFor } from '../lib/stack.js';
import { runUploadLoad } from '../lib/uploadLoad.js';
import { bounded, elapsedMs, log, quantile } from '../lib/util.js';
import { recordSamples, type Results } from '../lib/verdict.js';

const SIZE = 1024 * 1024;
const CONCURRENCY = 16;

interface Round {
  mibPerS: number;
  p50: number;
  p99: number;
}

function summary(count: number, seconds: number, latencies: number[]): Round {
  return {
    mibPerS: (count * SIZE) / 2 ** 20 / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

async function measure(count: number, one: () => Promise<void>): Promise<Round> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await bounded(
    Array.from({ length: count }, (_, i) => i),
    CONCURRENCY,
    async () => {
      const t = process.hrtime.bigint();
      await one();
      latencies.push(elapsedMs(t));
    },
  );
  return summary(count, elapsedMs(started) / 1000, latencies);
}

export async function runUpload(opts: { count: number; rounds: number }, results: Results): Promise<void> {
  const file = contactsCsv(SIZE, 7).bytes;
  const body = Buffer.concat([file, Buffer.alloc(SIZE - file.length, 0x0a)]); // pad with newlines
  const stack = await startBenchStack({ worker: false });
  const storage = stack.config.storage;
  if (storage.kind !== 's3') {
    throw new Error('the upload section needs S3 storage');
  }
  const s3 = createS3Client(storage);
  const Bucket = storage.bucket;
  const rawKeys: string[] = [];
  const user = `bench-upload-${randomUUID()}`;
  const token = await tokenFor(user);
  // The API's client runs in a worker thread (bench/lib/uploadLoad.ts), off the server's loop.
  const apiRound = async (count: number): Promise<Round> => {
    const r = await runUploadLoad({
      baseUrl: stack.baseUrl,
      token,
      file: body,
      count,
      concurrency: CONCURRENCY,
    });
    if (r.failures.length > 0) {
      throw new Error(`${r.failures.length} uploads failed, first: ${r.failures[0]!}`);
    }
    return summary(count, r.seconds, r.latencies);
  };
  const put = async () => {
    const Key = `bench/${randomUUID()}.csv`;
    rawKeys.push(Key);
    await s3.send(
      new PutObjectCommand({ Bucket, Key, Body: body, ContentLength: body.length, ContentType: 'text/csv' }),
    );
  };
  try {
    // Warm-up both paths (connections, JIT).
    await measure(CONCURRENCY * 2, put);
    await apiRound(CONCURRENCY * 2);
    const apiRounds: Round[] = [];
    const rawRounds: Round[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      // Alternate which side goes first, so neither always follows the other's leftovers.
      const raw = async () => rawRounds.push(await measure(opts.count, put));
      const api = async () => apiRounds.push(await apiRound(opts.count));
      for (const side of r % 2 === 0 ? [raw, api] : [api, raw]) {
        await side();
      }
      log(
        `upload round ${r + 1}: API ${apiRounds.at(-1)!.mibPerS.toFixed(1)} MiB/s p99 ${apiRounds.at(-1)!.p99.toFixed(0)} ms, ` +
          `raw PUT ${rawRounds.at(-1)!.mibPerS.toFixed(1)} MiB/s p99 ${rawRounds.at(-1)!.p99.toFixed(0)} ms`,
      );
    }
    for (const [prefix, rounds] of [
      ['upload', apiRounds],
      ['raw_put', rawRounds],
    ] as const) {
      recordSamples(
        results,
        `${prefix}_mib_per_s`,
        rounds.map((r) => r.mibPerS),
        1,
      );
      recordSamples(
        results,
        `${prefix}_p50_ms`,
        rounds.map((r) => r.p50),
        1,
      );
      recordSamples(
        results,
        `${prefix}_p99_ms`,
        rounds.map((r) => r.p99),
        1,
      );
    }
    results['upload_count_per_round'] = opts.count;
    results['upload_rounds'] = opts.rounds;
  } finally {
    // Remove what was stored: the API's batches (rows + objects) and the raw objects.
    const { rows } = await stack.db.query<{ storage_key: string }>(
      'DELETE FROM batches WHERE user_id = $1 RETURNING storage_key',
      [user],
    );
    await bounded(rows, 16, (row) => stack.storage.delete(row.storage_key).catch(() => undefined));
    await bounded(rawKeys, 16, (Key) =>
      s3.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => undefined),
    );
    s3.destroy();
    await stack.close();
  }
}
