import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsCsv } from '../support/contactsCsv.js';
import { newUser, startStack, uploadForm, type TestStack } from '../support/testStack.js';
import { percentile, saveResults, sleep, startWorkerProcess, type WorkerProcess } from './support.js';
import { countRecords } from '../support/recordsCount.js';

const UPLOADS = 1_000;
const CLIENTS = 32;
const ROWS = 20;

/**
 * 1,000 uploads from 32 concurrent clients over loopback to the API (SeaweedFS + Cassandra), with
 * a separate worker process ingesting meanwhile, as in production. Zero 5xx, zero lost: every
 * acknowledged batch ends `loaded` with all its records. Prints and saves throughput and latency.
 */
describe('load: 1,000 uploads from 32 clients', () => {
  let stack: TestStack;
  let worker: WorkerProcess;

  beforeAll(async () => {
    stack = await startStack({ storage: 's3', records: 'cassandra', worker: false });
    worker = startWorkerProcess(stack, { WORKER_CONCURRENCY: '4' }, 'load');
  });
  afterAll(async () => {
    await worker?.kill();
    await stack?.close();
  });

  it('accepts every upload without a 5xx and loads every batch', async () => {
    const users = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => newUser(`load${i}`)));
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const ids: string[] = [];
    let next = 0;
    const client = async (c: number) => {
      const user = users[c]!;
      // Bounded: the shared counter stops every client after UPLOADS requests in total.
      for (let n = next++; n < UPLOADS; n = next++) {
        const body = uploadForm(contactsCsv(ROWS, 1 + n * ROWS), `load-${n}.csv`);
        const t0 = performance.now();
        const res = await fetch(`${stack.baseUrl}/api/batches/upload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${user.token}` },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const json = (await res.json()) as { id?: string };
        latencies.push(performance.now() - t0);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 201 && json.id) {
          ids.push(json.id);
        }
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const uploadS = (performance.now() - t0) / 1000;

    expect(statuses).toEqual({ 201: UPLOADS });
    expect(new Set(ids).size).toBe(UPLOADS);

    // Every batch terminal, then every one loaded with all its records.
    const deadline = Date.now() + 300_000;
    let counts: Record<string, number> = {};
    for (;;) {
      const { rows } = await stack.db.query<{ status: string; n: string }>(
        'SELECT status, count(*) AS n FROM batches WHERE id = ANY($1) GROUP BY status',
        [ids],
      );
      counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      if ((counts['loaded'] ?? 0) + (counts['error'] ?? 0) === UPLOADS) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(`not all batches terminal after 300 s: ${JSON.stringify(counts)}`);
      }
      await sleep(250);
    }
    const totalS = (performance.now() - t0) / 1000;
    expect(counts).toEqual({ loaded: UPLOADS });
    const { rows } = await stack.db.query<{ n: string }>(
      'SELECT sum(records_loaded) AS n FROM batches WHERE id = ANY($1)',
      [ids],
    );
    expect(Number(rows[0]!.n)).toBe(UPLOADS * ROWS);
    // Spot-check the records store itself for a sample of batches.
    for (const id of ids.filter((_, i) => i % 50 === 0)) {
      expect(await countRecords(stack.records, id)).toEqual({ records: ROWS, invalidRows: 0 });
    }

    latencies.sort((a, b) => a - b);
    saveResults('load', {
      uploads: UPLOADS,
      clients: CLIENTS,
      rowsPerUpload: ROWS,
      status201: statuses[201] ?? 0,
      status5xx: Object.entries(statuses)
        .filter(([s]) => Number(s) >= 500)
        .reduce((a, [, n]) => a + n, 0),
      lost: UPLOADS - (counts['loaded'] ?? 0),
      uploadSeconds: Number(uploadS.toFixed(2)),
      uploadsPerSecond: Number((UPLOADS / uploadS).toFixed(1)),
      p50Ms: Number(percentile(latencies, 50).toFixed(1)),
      p99Ms: Number(percentile(latencies, 99).toFixed(1)),
      maxMs: Number(latencies.at(-1)!.toFixed(1)),
      allLoadedSeconds: Number(totalS.toFixed(2)),
      batchesPerSecondEndToEnd: Number((UPLOADS / totalS).toFixed(1)),
    });
  });
});
