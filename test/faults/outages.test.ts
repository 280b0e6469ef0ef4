import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, isRunning, up, type ServiceName } from '../../scripts/services/index.js';
import { userStoragePrefix } from '../../src/storage/storageKey.js';
import { createSweeper } from '../../src/worker/sweeper.js';
import { sweeperDeps } from '../../src/workerComposition.js';
import { contactsCsv } from '../support/contactsCsv.js';
import { api, newUser, startStack, uploadForm, waitForStatus, type TestStack } from '../support/testStack.js';
import {
  objectsOf,
  percentile,
  rowsOf,
  saveResults,
  sleep,
  startWorkerProcess,
  type WorkerProcess,
} from './support.js';
import { countRecords } from '../support/recordsCount.js';

const CLIENTS = 4;
const ROWS = 40;
const BEFORE_MS = 2_000;
const OUTAGE_MS = 6_000;
const AFTER_MS = 3_000;
/** The longest any request may take, outage or not: failures must be fast, never hangs. */
const MAX_REQUEST_MS = 5_000;
const ORDER: ServiceName[] = ['postgres', 'redis', 'seaweedfs', 'cassandra'];

interface Sample {
  phase: 'before' | 'during' | 'after';
  /** When the answer came (Date.now()). */
  at: number;
  kind: 'upload' | 'status';
  status: number;
  ms: number;
  id?: string;
}

/**
 * Each real service is stopped (through the services manager, on the stack this suite runs on)
 * while clients keep uploading and reading, and a separate worker process keeps ingesting. When
 * it is back: every upload answered 201 ends `loaded` with all its records (the sweeper, run as
 * production runs it, recovers stranded batches); every upload answered otherwise left neither
 * a row nor a file; no request took more than a few seconds; the worker process survived.
 */
describe('dependency outages during uploads and ingests', () => {
  let stack: TestStack;
  let worker: WorkerProcess;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    await up(ORDER);
    stack = await startStack({
      storage: 's3',
      records: 'cassandra',
      worker: false,
      // A retry budget (0.5+1+2+…+32 s) longer than the outages, as production's (2+4+8+16 s) is
      // longer than a restart; the lock is short so a job stuck in a dead connection is resumed.
      env: { JOB_ATTEMPTS: '8', JOB_BACKOFF_MS: '500', WORKER_LOCK_DURATION_MS: '5000' },
    });
    worker = startWorkerProcess(stack, {}, 'outages');
    // The worker connects to everything at start and refuses to start without it; make sure it
    // is up and ingesting before anything is stopped.
    const user = await newUser('outage-warmup');
    const res = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(contactsCsv(ROWS), 'warmup.csv'),
    });
    expect(res.status).toBe(201);
    expect((await waitForStatus(stack, user.token, res.body.id, undefined, 60_000)).status).toBe('loaded');
  });
  afterAll(async () => {
    await up(ORDER);
    await worker?.kill();
    await stack?.close();
    if (Object.keys(figures).length > 0) {
      saveResults('outages', figures);
    }
  });

  async function timed(kind: Sample['kind'], phase: Sample['phase'], run: () => Promise<Response>) {
    const t0 = performance.now();
    let status = 0;
    let body: any;
    try {
      const res = await run();
      status = res.status;
      body = await res.json().catch(() => undefined);
    } catch {
      status = -1; // aborted by the client timeout, or the connection broke
    }
    const sample: Sample = { phase, kind, status, ms: performance.now() - t0, at: Date.now() };
    if (kind === 'upload' && status === 201) {
      sample.id = body.id as string;
    }
    return sample;
  }

  it.each(ORDER)('%s stopped and restarted', async (service) => {
    const user = await newUser(`outage-${service}`);
    const samples: Sample[] = [];
    let phase: Sample['phase'] = 'before';
    let stop = false;
    let seq = 0;
    const accepted: string[] = [];
    const client = async () => {
      for (let i = 0; !stop && i < 10_000; i++) {
        const start = 1 + seq++ * ROWS;
        const s = await timed('upload', phase, () =>
          fetch(`${stack.baseUrl}/api/batches/upload`, {
            method: 'POST',
            headers: { authorization: `Bearer ${user.token}` },
            body: uploadForm(contactsCsv(ROWS, start), `outage-${start}.csv`),
            signal: AbortSignal.timeout(15_000),
          }),
        );
        samples.push(s);
        if (s.id) {
          accepted.push(s.id);
        }
        const known = accepted[Math.floor(Math.random() * accepted.length)];
        if (known) {
          samples.push(
            await timed('status', phase, () =>
              fetch(`${stack.baseUrl}/api/batches/${known}/status`, {
                headers: { authorization: `Bearer ${user.token}` },
                signal: AbortSignal.timeout(15_000),
              }),
            ),
          );
        }
        await sleep(50);
      }
    };
    const clients = Array.from({ length: CLIENTS }, () => client());
    const t0 = Date.now();
    await sleep(BEFORE_MS);
    phase = 'during';
    const downAt = Date.now();
    expect(worker.child.exitCode, 'worker process alive before the outage').toBeNull();
    await down([service]);
    expect(isRunning(service)).toBe(false);
    await sleep(OUTAGE_MS);
    await up([service]);
    const outageMs = Date.now() - downAt;
    phase = 'after';
    await sleep(AFTER_MS);
    stop = true;
    await Promise.all(clients);

    // Nothing hung: every answer (including failures) came fast, and none was a broken connection.
    const slowest = Math.max(...samples.map((s) => s.ms));
    expect(samples.filter((s) => s.status === -1)).toEqual([]);
    expect(slowest).toBeLessThan(MAX_REQUEST_MS);
    const uploads = samples.filter((s) => s.kind === 'upload');
    const byStatus: Record<string, number> = {};
    for (const s of uploads) {
      byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    }
    // Only 201, or 503 for a dependency that is down: never a 500.
    expect(Object.keys(byStatus).filter((k) => k !== '201' && k !== '503')).toEqual([]);
    // Everything answered before the service went down succeeded.
    expect(uploads.filter((s) => s.at < downAt && s.status !== 201)).toEqual([]);
    expect(byStatus['201'] ?? 0).toBeGreaterThan(0);

    // Before any sweeping: rows are exactly the acknowledged uploads, and files match rows.
    const rows = await rowsOf(stack, user.id);
    expect(rows.map((r) => r.id).sort()).toEqual([...accepted].sort());
    const objects = await objectsOf(stack, user.email);
    expect(objects.sort()).toEqual(rows.map((r) => r.storage_key).sort());

    // Recovery: the worker and the sweeper (short grace, as its interval would) finish everything.
    let requeued = 0;
    const queue = {
      ...stack.queue,
      enqueueBatch: (id: string, attempt: number) => {
        requeued += accepted.includes(id) ? 1 : 0;
        return stack.queue.enqueueBatch(id, attempt);
      },
    };
    const sweeper = createSweeper(
      { ...sweeperDeps(stack.components), queue },
      { graceMs: 2_000, keyPrefix: userStoragePrefix(user.email) },
    );
    const deadline = Date.now() + 180_000;
    for (;;) {
      const now = await rowsOf(stack, user.id);
      const open = now.filter((r) => r.status !== 'loaded' && r.status !== 'error');
      if (open.length === 0) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${open.length} batches not terminal 180 s after ${service} returned: ${JSON.stringify(open.slice(0, 3))}`,
        );
      }
      await sweeper.sweep();
      await sleep(1_000);
    }
    const recoveredS = (Date.now() - t0 - BEFORE_MS - outageMs - AFTER_MS) / 1000;
    const final = await rowsOf(stack, user.id);
    expect(final.filter((r) => r.status !== 'loaded')).toEqual([]);
    for (const id of accepted) {
      expect(await countRecords(stack.records, id)).toEqual({ records: ROWS, invalidRows: 0 });
    }
    expect(worker.child.exitCode).toBeNull(); // the worker rode out the outage

    const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
    figures[service] = {
      outageMs,
      uploads: uploads.length,
      byStatus,
      requests: samples.length,
      p50Ms: Math.round(percentile(ms, 50)),
      p99Ms: Math.round(percentile(ms, 99)),
      maxMs: Math.round(slowest),
      loaded: final.length,
      lost: accepted.length - final.filter((r) => r.status === 'loaded').length,
      orphanFiles: objects.length - rows.length,
      sweeperRequeued: requeued,
      recoveredAfterS: recoveredS,
    };
    console.log(`[faults] outage ${service}: ${JSON.stringify(figures[service])}`);
  });
});
