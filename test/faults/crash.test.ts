import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userStoragePrefix } from '../../src/storage/storageKey.js';
import { createSweeper } from '../../src/worker/sweeper.js';
import { sweeperDeps } from '../../src/workerComposition.js';
import { contactsCsv } from '../support/contactsCsv.js';
import { api, newUser, startStack, uploadForm, type TestStack } from '../support/testStack.js';
import {
  checkExactRecords,
  saveResults,
  seededRandom,
  sleep,
  startWorkerProcess,
  type WorkerProcess,
} from './support.js';
import { countRecords } from '../support/recordsCount.js';

const ROWS = 50_000;
const BATCHES = 2;
const KILLS = 6;
const LOCK_MS = 2_000;
const WORKER_ENV = { WORKER_LOCK_DURATION_MS: String(LOCK_MS) };

/**
 * Real worker processes on the production stack (SeaweedFS + Cassandra) are SIGKILLed at random
 * points (while booting, while parsing at a random progress, while flushing the last writes) of
 * two 50k-row batches processed at once. BullMQ hands a stalled job to the next worker after the
 * lock (WORKER_LOCK_DURATION_MS) lapses (KILLS stays below maxStalledCount, 10, past which a
 * file counts as poison and ends in `error`); the sweeper runs as production runs it on its
 * interval. Every batch must end `loaded` with rows 1..n exactly once.
 */
describe('workers SIGKILLed at random points of 50k-row batches', () => {
  let stack: TestStack;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({
      storage: 's3',
      records: 'cassandra',
      worker: false,
      env: { WORKER_LOCK_DURATION_MS: String(LOCK_MS), WORKER_CONCURRENCY: String(BATCHES) },
    });
  });
  afterAll(async () => {
    for (const w of workers) {
      await w.kill();
    }
    await stack?.close();
  });

  it('ends every batch loaded with exactly the right records, no duplicates', async () => {
    const rng = seededRandom('crash');
    const user = await newUser('crash');
    const ids: string[] = [];
    const uploadBatch = async () => {
      const up = await api(stack, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm(contactsCsv(ROWS), `crash-${ids.length}.csv`),
      });
      expect(up.status).toBe(201);
      ids.push(up.body.id as string);
    };
    for (let i = 0; i < BATCHES; i++) {
      await uploadBatch();
    }
    const snapshot = async () =>
      Promise.all(
        ids.map(async (id) => {
          const b = await stack.batches.findById(id);
          return { status: b!.status, progress: b!.progress };
        }),
      );

    const started = Date.now();
    let requeued = 0;
    const kills: Array<{ mode: string; afterMs: number; batches: string }> = [];
    const lastProgress: number[] = [];
    // Bounded: at most KILLS + 4 rounds; a round whose batches all finished adds one more batch.
    for (let round = 0; round < KILLS + 4 && kills.length < KILLS; round++) {
      let now = await snapshot();
      if (now.every((s) => s.status === 'loaded')) {
        await uploadBatch();
        now = await snapshot();
      }
      now.forEach((s, i) => (lastProgress[i] ??= s.progress));
      const worker = startWorkerProcess(stack, WORKER_ENV, 'crash');
      workers.push(worker);
      const t0 = Date.now();
      const mode = rng.next() < 0.25 ? 'time' : 'progress';
      if (mode === 'time') {
        // Anywhere from booting to early in the batch.
        await sleep(300 + Math.floor(rng.next() * 3_500));
      } else {
        // A random progress level a little above where an unfinished batch is now (up to 99:
        // the last flush after `parsed`).
        const open = now.flatMap((s, i) => (s.status === 'loaded' ? [] : [i]));
        const target = open[Math.floor(rng.next() * open.length)]!;
        const from = now[target]!.progress;
        const threshold = Math.min(
          99,
          from + 1 + Math.floor(rng.next() * Math.min(30, Math.max(1, 99 - from))),
        );
        const deadline = Date.now() + 90_000;
        for (;;) {
          const s = (await snapshot())[target]!;
          if (s.status === 'loaded' || s.progress >= threshold) {
            break;
          }
          if (Date.now() > deadline) {
            throw new Error(`batch ${target} never reached ${threshold}% (now ${JSON.stringify(s)})`);
          }
          await sleep(20);
        }
      }
      const before = await snapshot();
      await worker.kill();
      before.forEach((s, i) => {
        // Progress never goes down, whatever was killed.
        expect(s.progress).toBeGreaterThanOrEqual(lastProgress[i]!);
        lastProgress[i] = s.progress;
      });
      const line = before.map((s) => `${s.status}@${s.progress}`).join(' ');
      console.log(`[faults] crash: kill (${mode}) after ${Date.now() - t0} ms: ${line}`);
      if (before.some((s) => s.status !== 'loaded')) {
        kills.push({ mode, afterMs: Date.now() - t0, batches: line });
      }
    }
    expect(kills.length).toBeGreaterThanOrEqual(KILLS);

    // One last worker, and the sweeper on a short interval as production runs it.
    workers.push(startWorkerProcess(stack, WORKER_ENV, 'crash'));
    // Scoped to this test's user, so it never touches rows other test files left in the shared
    // database; the wrapper counts this test's re-queues.
    const queue = {
      ...stack.queue,
      enqueueBatch: (id: string, attempt: number) => {
        if (ids.includes(id)) {
          requeued += 1;
        }
        return stack.queue.enqueueBatch(id, attempt);
      },
    };
    const sweeper = createSweeper(
      { ...sweeperDeps(stack.components), queue },
      { graceMs: 3 * LOCK_MS, keyPrefix: userStoragePrefix(user.email) },
    );
    const deadline = Date.now() + 240_000;
    for (;;) {
      const s = await snapshot();
      if (s.every((b) => b.status === 'loaded' || b.status === 'error')) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(`batches not terminal after 240 s: ${JSON.stringify(s)}`);
      }
      await sweeper.sweep();
      await sleep(1_000);
    }
    const elapsedS = (Date.now() - started) / 1000;

    let lost = 0;
    let duplicated = 0;
    for (const id of ids) {
      const status = await api(stack, `/api/batches/${id}/status`, { token: user.token });
      expect(status.body).toMatchObject({
        status: 'loaded',
        progress: 100,
        rowsRead: ROWS,
        recordsLoaded: ROWS,
        invalidRows: 0,
      });
      expect(await countRecords(stack.records, id)).toEqual({ records: ROWS, invalidRows: 0 });
      const exact = await checkExactRecords(stack, id, ROWS);
      expect(exact).toEqual({ listed: ROWS, distinct: ROWS, missing: 0, duplicated: 0 });
      lost += exact.missing;
      duplicated += exact.duplicated;
    }
    saveResults('crash', {
      seed: rng.seed,
      kills: kills.length,
      batches: ids.length,
      rowsPerBatch: ROWS,
      sweeperRequeued: requeued,
      lost,
      duplicated,
      elapsedS,
      killLog: kills,
    });
  });
});
