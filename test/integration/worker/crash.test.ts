import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerProcess, type WorkerProcess } from '../../faults/support.js';
import { contactsCsv } from '../../support/contactsCsv.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';
import { countRecords } from '../../support/recordsCount.js';

const ROWS = 80_000;

/**
 * Real worker processes (`src/bin/worker.ts`) killed with SIGKILL mid-batch. BullMQ's stalled-job
 * check hands the job to the next worker, which redoes it; upserts keyed by row make the result
 * exact.
 */
describe('a worker killed mid-batch', () => {
  let stack: TestStack;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      worker: false,
      env: { WORKER_LOCK_DURATION_MS: '2000', WORKER_CONCURRENCY: '1' },
    });
  });
  afterAll(async () => {
    for (const w of workers) {
      await w.kill();
    }
    await stack?.close();
  });

  it('ends loaded with exactly the right records after repeated kills', async () => {
    const user = await newUser();
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(contactsCsv(ROWS), 'crash.csv'),
    });
    expect(up.status).toBe(201);
    const id = up.body.id as string;

    let kills = 0;
    let lastProgress = -1;
    for (const threshold of [3, 15, 30]) {
      const worker = startWorkerProcess(stack, {}, `integration-crash-${workers.length}`);
      workers.push(worker);
      const status = await waitForStatus(
        stack,
        user.token,
        id,
        (s) => s === 'loaded' || s === 'error',
        1,
      ).catch(() => null);
      if (status) {
        break;
      }
      // Wait until this worker has made real progress past the threshold, then kill it.
      await expect
        .poll(
          async () => (await api(stack, `/api/batches/${id}/status`, { token: user.token })).body.progress,
          {
            timeout: 60_000,
            interval: 50,
          },
        )
        .toBeGreaterThanOrEqual(threshold);
      const progress = (await api(stack, `/api/batches/${id}/status`, { token: user.token })).body
        .progress as number;
      expect(progress).toBeGreaterThanOrEqual(lastProgress); // never goes down within the attempt
      lastProgress = progress;
      await worker.kill();
      kills++;
      expect((await api(stack, `/api/batches/${id}/status`, { token: user.token })).body.status).not.toBe(
        'loaded',
      );
    }
    expect(kills).toBe(3);

    workers.push(startWorkerProcess(stack, {}, 'integration-crash-last'));
    const done = await waitForStatus(stack, user.token, id, undefined, 120_000);
    expect(done).toMatchObject({
      status: 'loaded',
      progress: 100,
      rowsRead: ROWS,
      recordsLoaded: ROWS,
      invalidRows: 0,
    });
    expect(await countRecords(stack.records, id)).toEqual({ records: ROWS, invalidRows: 0 });
    const { rows } = await stack.db.query(
      'SELECT count(DISTINCT row_number) AS n, min(row_number) AS lo, max(row_number) AS hi FROM batch_records WHERE batch_id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ n: String(ROWS), lo: 1, hi: ROWS });
  }, 300_000);
});
