/**
 * 1 MiB uploads through the API (multipart -> meter/hash/content check -> SeaweedFS S3 ->
 * PostgreSQL row -> BullMQ job) at concurrency 16, next to the same bytes sent by direct
 * PutObject to the same SeaweedFS at the same concurrency. No worker runs meanwhile (the jobs
 * stay queued and are removed with the queue), so both sides only store bytes.
 */
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { contactsCsv } from '../lib/data.js';
import { startBenchStack, tokenFor, upload } from '../lib/stack.js';
import { bounded, elapsedMs, log, quantile, round, type Results } from '../lib/util.js';

const SIZE = 1024 * 1024;
const CONCURRENCY = 16;

interface Round {
  mibPerS: number;
  latencies: number[];
}

async function measure(count: number, one: (i: number) => Promise<void>): Promise<Round> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await bounded(
    Array.from({ length: count }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const t = process.hrtime.bigint();
      await one(i);
      latencies.push(elapsedMs(t));
    },
  );
  const s = elapsedMs(started) / 1000;
  return { mibPerS: (count * SIZE) / 2 ** 20 / s, latencies };
}

export async function runUpload(opts: { count: number; rounds: number }, results: Results): Promise<void> {
  const file = contactsCsv(SIZE, 7).bytes;
  const body = Buffer.concat([file, Buffer.alloc(SIZE - file.length, 0x0a)]); // pad with newlines
  const stack = await startBenchStack({ worker: false });
  const s3 = new S3Client({
    endpoint: process.env['SEAWEEDFS_ENDPOINT']!,
    region: process.env['SEAWEEDFS_REGION'] ?? 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env['SEAWEEDFS_ACCESS_KEY']!,
      secretAccessKey: process.env['SEAWEEDFS_SECRET_KEY']!,
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = process.env['SEAWEEDFS_BUCKET'] ?? 'templates';
  const rawKeys: string[] = [];
  const user = `bench-upload-${randomUUID()}`;
  const token = await tokenFor(user);
  const api = async () => {
    const r = await upload(stack, token, body, 'contacts.csv');
    if (r.status !== 201) {
      throw new Error(`upload failed: ${r.status} ${r.text}`);
    }
  };
  const put = async () => {
    const Key = `bench/${randomUUID()}.csv`;
    rawKeys.push(Key);
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentType: 'text/csv' }));
  };
  try {
    // Warm-up both paths (connections, JIT).
    await measure(CONCURRENCY * 2, put);
    await measure(CONCURRENCY * 2, api);
    const apiRounds: Round[] = [];
    const rawRounds: Round[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      rawRounds.push(await measure(opts.count, put));
      apiRounds.push(await measure(opts.count, api));
      log(
        `upload round ${r + 1}: API ${apiRounds.at(-1)!.mibPerS.toFixed(1)} MiB/s, raw PUT ${rawRounds.at(-1)!.mibPerS.toFixed(1)} MiB/s`,
      );
    }
    const summarise = (rounds: Round[]) => ({
      mibPerS: rounds.reduce((a, r) => a + r.mibPerS, 0) / rounds.length,
      p50: quantile(
        rounds.flatMap((r) => r.latencies),
        0.5,
      ),
      p99: quantile(
        rounds.flatMap((r) => r.latencies),
        0.99,
      ),
    });
    const a = summarise(apiRounds);
    const p = summarise(rawRounds);
    results['upload_mib_per_s'] = round(a.mibPerS, 1);
    results['upload_p50_ms'] = round(a.p50, 1);
    results['upload_p99_ms'] = round(a.p99, 1);
    results['raw_put_mib_per_s'] = round(p.mibPerS, 1);
    results['raw_put_p50_ms'] = round(p.p50, 1);
    results['raw_put_p99_ms'] = round(p.p99, 1);
    results['upload_count'] = opts.count * opts.rounds;
  } finally {
    // Remove what was stored: the API's batches (rows + objects) and the raw objects.
    const { rows } = await stack.deps.pool.query<{ storage_key: string }>(
      'DELETE FROM batches WHERE user_id = $1 RETURNING storage_key',
      [user],
    );
    await bounded(rows, 16, (row) => stack.deps.storage.delete(row.storage_key).catch(() => undefined));
    await bounded(rawKeys, 16, (Key) =>
      s3.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => undefined),
    );
    s3.destroy();
    await stack.close();
  }
}
