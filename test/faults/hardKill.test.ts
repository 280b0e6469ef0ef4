/**
 * Hard kills: each real service is SIGKILLed (its whole process group: PostgreSQL with its
 * backends mid-transaction of uploads and ingests, Redis, Cassandra, `weed`) while clients keep
 * uploading and a separate worker process keeps ingesting, then restarted with the project's own
 * services code (scripts/services) from whatever state the kill left. When it is back: every
 * upload answered 201 ends `loaded` with exactly its records (none lost, none twice); every
 * upload answered otherwise left neither a row nor a file; no request hung. The figures (kind,
 * uploads, lost, duplicated, worst request, recovery) are printed and saved for
 * docs/reliability.md. Runs on a private stack only: it kills services.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, kill, up, type ServiceName } from '../../scripts/services/index.js';
import { userStoragePrefix } from '../../src/storage/storageKey.js';
import { createSweeper } from '../../src/worker/sweeper.js';
import { sweeperDeps } from '../../src/workerComposition.js';
import { contactsCsv } from '../support/contactsCsv.js';
import { api, newUser, startStack, uploadForm, waitForStatus, type TestStack } from '../support/testStack.js';
import {
  checkExactRecords,
  objectsOf,
  rowsOf,
  saveResults,
  sleep,
  startWorkerProcess,
  type WorkerProcess,
} from './support.js';

const CLIENTS = 3;
const ROWS = 40;
const BEFORE_MS = 2_000;
const AFTER_MS = 3_000;
/** The client gives up after this; an answer that never came is a failure of the test. */
const CLIENT_TIMEOUT_MS = 20_000;
const ORDER: ServiceName[] = ['postgres', 'redis', 'seaweedfs', 'cassandra'];

interface Sample {
  at: number;
  status: number;
  ms: number;
  id?: string;
}

interface KindFigures {
  kind: ServiceName;
  uploads: number;
  accepted: number;
  byStatus: Record<string, number>;
  lost: number;
  duplicated: number;
  worstRequestMs: number;
  /** From the kill until the service answered again (restarted by scripts/services). */
  restartS: number;
  /** From the kill until every accepted batch was `loaded`. */
  recoveryS: number;
}

describe('services SIGKILLed mid-traffic and restarted', () => {
  let stack: TestStack;
  let worker: WorkerProcess;
  const table: KindFigures[] = [];

  beforeAll(async () => {
    await up(ORDER);
    stack = await startStack({
      storage: 's3',
      records: 'cassandra',
      worker: false,
      // The default retry window (15 min) carries jobs through every restart; the short lock
      // resumes a job whose worker connection died mid-write.
      env: { JOB_BACKOFF_MS: '500', WORKER_LOCK_DURATION_MS: '5000' },
    });
    // The dev node runs with -Dcassandra.unsafesystem=true (schema changes are not synced), and
    // this stack has just created its keyspace and tables: a SIGKILL now would take their schema
    // with it, and the restarted node would skip every acknowledged write to them while replaying
    // its commit log ("Skipped N mutations from unknown CF"). A graceful stop drains (flushes) the
    // schema first; the API reconnects, which the warm-up below proves. The worker process starts
    // after it: one starting meanwhile exits when it cannot reach the records store (exit 69).
    await down(['cassandra']);
    await up(['cassandra']);
    worker = startWorkerProcess(stack, {}, 'hardKill');
    const user = await newUser('kill-warmup');
    const res = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(contactsCsv(ROWS), 'warmup.csv'),
    });
    expect(res.status).toBe(201);
    expect((await waitForStatus(stack, user.token, res.body.id, undefined, 60_000)).status).toBe('loaded');
  }, 300_000); // a Cassandra restart on a loaded 2-core box takes up to ~70 s
  afterAll(async () => {
    await up(ORDER);
    await worker?.kill();
    await stack?.close();
    if (table.length > 0) {
      console.table(
        table.map((f) => ({
          kind: f.kind,
          uploads: f.uploads,
          accepted: f.accepted,
          lost: f.lost,
          duplicated: f.duplicated,
          'worst request (ms)': f.worstRequestMs,
          'restart (s)': f.restartS,
          'recovery (s)': f.recoveryS,
        })),
      );
      saveResults('hardKill', { kinds: table });
    }
  });

  async function upload(token: string, start: number): Promise<Sample> {
    const t0 = performance.now();
    let status = -1; // the client timed out or the connection broke
    let id: string | undefined;
    try {
      const res = await fetch(`${stack.baseUrl}/api/batches/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: uploadForm(contactsCsv(ROWS, start), `kill-${start}.csv`),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      status = res.status;
      const body = (await res.json().catch(() => undefined)) as { id?: string } | undefined;
      id = status === 201 ? body?.id : undefined;
    } catch {
      status = -1;
    }
    return { at: Date.now(), status, ms: performance.now() - t0, ...(id ? { id } : {}) };
  }

  /** Every accepted batch terminal; the sweeper (as production runs it) re-queues stranded ones. */
  async function waitTerminal(userId: string, email: string, kind: ServiceName): Promise<void> {
    const sweeper = createSweeper(sweeperDeps(stack.components), {
      graceMs: 2_000,
      keyPrefix: userStoragePrefix(email),
    });
    const deadline = Date.now() + 240_000;
    for (;;) {
      const open = (await rowsOf(stack, userId)).filter((r) => r.status !== 'loaded' && r.status !== 'error');
      if (open.length === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${kind}: ${open.length} batches not terminal 240 s after restart: ${JSON.stringify(open.slice(0, 3))}`,
        );
      }
      await sweeper.sweep();
      await sleep(1_000);
    }
  }

  it.each(ORDER)('%s SIGKILLed and restarted', async (kind) => {
    const user = await newUser(`kill-${kind}`);
    const samples: Sample[] = [];
    let stop = false;
    let seq = 0;
    const client = async () => {
      while (!stop) {
        samples.push(await upload(user.token, 1 + seq++ * ROWS));
        await sleep(50);
      }
    };
    const clients = Array.from({ length: CLIENTS }, () => client());
    await sleep(BEFORE_MS);
    expect(worker.child.exitCode, 'worker process alive before the kill').toBeNull();
    const killedAt = Date.now();
    expect(await kill(kind)).toBe('killed');
    await up([kind]); // the project's own start-up, from the state the kill left
    const restartS = (Date.now() - killedAt) / 1000;
    await sleep(AFTER_MS);
    stop = true;
    await Promise.all(clients);

    const accepted = samples.filter((s) => s.id !== undefined).map((s) => s.id!);
    const byStatus: Record<string, number> = {};
    for (const s of samples) {
      byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    }
    // Every request was answered (none hung past the client's timeout), with 201 or 503 only.
    expect(samples.filter((s) => s.status === -1)).toEqual([]);
    expect(Object.keys(byStatus).filter((k) => k !== '201' && k !== '503')).toEqual([]);
    expect(samples.filter((s) => s.at < killedAt && s.status !== 201)).toEqual([]);
    expect(accepted.length).toBeGreaterThan(0);

    // Nothing left behind by a refused upload: rows are exactly the 201s, files exactly the rows.
    const rows = await rowsOf(stack, user.id);
    expect(rows.map((r) => r.id).sort()).toEqual([...accepted].sort());
    const objects = await objectsOf(stack, user.email);
    expect(objects.sort()).toEqual(rows.map((r) => r.storage_key).sort());

    await waitTerminal(user.id, user.email, kind);
    const recoveryS = (Date.now() - killedAt) / 1000;
    const final = await rowsOf(stack, user.id);
    expect(final.filter((r) => r.status !== 'loaded')).toEqual([]);
    let lost = 0;
    let duplicated = 0;
    for (const id of accepted) {
      const exact = await checkExactRecords(stack, id, ROWS);
      lost += exact.missing;
      duplicated += exact.duplicated;
    }
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(worker.child.exitCode).toBeNull(); // the worker rode out the kill

    const figures: KindFigures = {
      kind,
      uploads: samples.length,
      accepted: accepted.length,
      byStatus,
      lost,
      duplicated,
      worstRequestMs: Math.round(Math.max(...samples.map((s) => s.ms))),
      restartS,
      recoveryS,
    };
    table.push(figures);
    console.log(`[faults] hard kill ${kind}: ${JSON.stringify(figures)}`);
  });
});
