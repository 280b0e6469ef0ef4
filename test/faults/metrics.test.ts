import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, up } from '../../scripts/services/index.js';
import { sweeperDeps } from '../../src/workerComposition.js';
import { userStoragePrefix } from '../../src/storage/storageKey.js';
import { createSweeper } from '../../src/worker/sweeper.js';
import { contactsCsv } from '../support/contactsCsv.js';
import { fixture } from '../unit/parsing/helpers.js';
import { api, newUser, startStack, uploadForm, waitForStatus, type TestStack } from '../support/testStack.js';
import { startWorkerProcess, type WorkerProcess } from './support.js';

/** `name{labels} value` lines of a Prometheus text exposition, summed per name+labels (minus role). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') {
      continue;
    }
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) {
      continue;
    }
    const labels = (m[2] ?? '')
      .replace(/^\{|\}$/g, '')
      .split(',')
      .filter((l) => l !== '' && !l.startsWith('role='))
      .sort()
      .join(',');
    const key = labels ? `${m[1]}{${labels}}` : m[1]!;
    out.set(key, (out.get(key) ?? 0) + Number(m[3]));
  }
  return out;
}

/**
 * Every metric the operations docs promise is really counted: each one is read from /metrics
 * before and after the events that should move it (real uploads, jobs, a real SeaweedFS outage,
 * a sweep), in the combined process and in a worker-only process.
 */
describe('metrics move with what they count', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage: 's3', records: 'cassandra', worker: true });
  });
  afterAll(async () => {
    await up(['seaweedfs']);
    await stack?.close();
  });

  const scrape = async (base = stack.opsUrl) => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    return parseMetrics(await res.text());
  };

  it('uploads by outcome, bytes, jobs by outcome and duration, rows, invalid rows, sweeper, queue, 503s', async () => {
    const before = await scrape();
    const delta = (after: Map<string, number>, key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    const user = await newUser('metrics');
    const good = contactsCsv(30);
    const mixed = fixture('mixed-good-bad.csv');
    const bad = 'Name,Email\n,\n,\n';

    const accepted = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(good, 'good.csv'),
      headers: { 'idempotency-key': 'metrics-1' },
    });
    expect(accepted.status).toBe(201);
    const replayed = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(good, 'good.csv'),
      headers: { 'idempotency-key': 'metrics-1' },
    });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const mixedUp = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(mixed, 'mixed.csv'),
    });
    const badUp = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(bad, 'bad.csv'),
    });
    const rejected = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm('x', 'evil.exe'),
    });
    expect(rejected.status).toBe(400);
    for (const id of [accepted.body.id, mixedUp.body.id, badUp.body.id]) {
      await waitForStatus(stack, user.token, id as string, undefined, 60_000);
    }
    const mixedStatus = (await api(stack, `/api/batches/${mixedUp.body.id}/status`, { token: user.token }))
      .body;
    expect(mixedStatus.status).toBe('loaded');

    await down(['seaweedfs']);
    try {
      const failed = await api(stack, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm(good, 'good.csv'),
      });
      expect(failed.status).toBe(503);
    } finally {
      await up(['seaweedfs']);
    }

    await stack.storage.put(
      `${userStoragePrefix(user.email)}00000000-0000-4000-8000-00000000abcd-orphan.csv`,
      Readable.from([Buffer.from('Name\nA\n')]),
    );
    // Scoped to this test's user: a zero grace must not re-queue batches other test files left
    // in the shared database, nor remove their files.
    const report = await createSweeper(sweeperDeps(stack.components), {
      graceMs: 0,
      keyPrefix: userStoragePrefix(user.email),
    }).sweep();
    expect(report.orphansRemoved).toBe(1);

    const after = await scrape();
    expect(delta(after, 'batchport_uploads_total{outcome="accepted"}')).toBe(3);
    expect(delta(after, 'batchport_uploads_total{outcome="replayed"}')).toBe(1);
    expect(delta(after, 'batchport_uploads_total{outcome="rejected"}')).toBe(1);
    expect(delta(after, 'batchport_uploads_total{outcome="failed"}')).toBe(1);
    expect(delta(after, 'batchport_upload_bytes_total')).toBe(
      Buffer.byteLength(good) + Buffer.byteLength(mixed) + Buffer.byteLength(bad),
    );
    expect(delta(after, 'batchport_jobs_total{outcome="loaded"}')).toBe(2);
    expect(delta(after, 'batchport_jobs_total{outcome="error"}')).toBe(1);
    // Every run is timed: a batch put back until the other one loaded (known contacts) runs twice.
    expect(delta(after, 'batchport_job_duration_seconds_count')).toBe(
      3 + delta(after, 'batchport_jobs_total{outcome="deferred"}'),
    );
    expect(delta(after, 'batchport_rows_loaded_total')).toBe(30 + mixedStatus.recordsLoaded);
    expect(delta(after, 'batchport_invalid_rows_total')).toBe(mixedStatus.invalidRows);
    expect(mixedStatus.invalidRows).toBeGreaterThan(0);
    expect(delta(after, 'batchport_sweeper_actions_total{action="orphan_removed"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(after.has('batchport_queue_jobs{state="waiting"}')).toBe(true);
    expect(delta(after, 'batchport_dependency_errors_total')).toBeGreaterThanOrEqual(1);
    expect(
      delta(after, 'batchport_http_requests_total{method="POST",route="/api/batches/upload",status="201"}'),
    ).toBe(4);
  });

  it('a worker-only process serves its own job and row metrics', async () => {
    const separate = await startStack({ storage: 's3', records: 'cassandra', worker: false });
    let worker: WorkerProcess | undefined;
    try {
      worker = startWorkerProcess(separate, { LOG_LEVEL: 'info' }, `metrics-${Date.now()}`);
      const address = await worker.address();
      const user = await newUser('metrics-worker');
      const res = await api(separate, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm(contactsCsv(12), 'w.csv'),
      });
      expect((await waitForStatus(separate, user.token, res.body.id, undefined, 60_000)).status).toBe(
        'loaded',
      );
      const metrics = await scrape(address);
      expect(metrics.get('batchport_jobs_total{outcome="loaded"}')).toBe(1);
      expect(metrics.get('batchport_rows_loaded_total')).toBe(12);
      expect(metrics.get('batchport_job_duration_seconds_count')).toBe(1);
    } finally {
      await worker?.stop();
      await separate.close();
    }
  });
});
