import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blankLinesCsv, contactsXls, repeatedSheetXlsx } from '../support/dosFiles.js';
import { newUser } from '../support/testStack.js';
import {
  postFile,
  probeHealthz,
  sampleRss,
  startRole,
  untilSettled,
  type RoleProcess,
} from './slowFileProbes.js';
import { REPO_ROOT, saveResults } from './support.js';

/**
 * The small files of issue 19 that stalled the service, through a real API and a real worker
 * (each its own process, so /healthz is measured from outside): an XLSX listing one 4 MB sheet
 * of empty rows 200 times (74 s to preview before), 200 KB of blank CSV lines (/healthz blocked
 * 16.7 s before), and the "slow-file" run: the worst files previewed and processed at once while
 * /healthz must keep answering (99 % within 100 ms, none stalled). Before/after figures: docs/security.md
 * (scripts/measureSlowFiles.ts measures them).
 */
describe('slow files: small hostile files are bounded and never stall the API', () => {
  let apiProcess: RoleProcess;
  let worker: RoleProcess;
  let storage: string;
  let xlsx: Buffer;
  let xls: Buffer;
  const csv = blankLinesCsv();
  const bigCsv = blankLinesCsv(10 * 1024 * 1024);
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'batchport-slow-'));
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      NODE_ENV: 'test',
      PORT: '0',
      OPS_PORT: '0',
      WORKER_HTTP_PORT: '0',
      USE_LOCAL_STORAGE: 'true',
      LOCAL_STORAGE_DIR: storage,
      RECORDS_STORE: 'postgres',
      QUEUE_NAME: `slow-files-${randomUUID()}`,
      RATE_LIMIT_PER_MINUTE: '100000',
      UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
      WORKER_PARSE_THREADS: '2',
      WORKER_CONCURRENCY: '2',
      // Deadlines far beyond the row budget's stop, so the 10 MB blank CSV always ends on the
      // budget (on a box this loaded it can take more than the default 30 s of a preview); the
      // deadlines themselves are proven in test/unit/worker/parseDeadline.test.ts.
      PREVIEW_TIMEOUT_MS: '180000',
      WORKER_PARSE_TIMEOUT_MS: '180000',
    };
    [xlsx, xls] = await Promise.all([repeatedSheetXlsx(), contactsXls()]);
    apiProcess = await startRole('api', REPO_ROOT, env);
    worker = await startRole('worker', REPO_ROOT, env);
    // The first preview starts the API's parse pool (threads load the parsers): not measured.
    const warm = await newUser('warm');
    expect(
      (
        await postFile(
          apiProcess.base,
          '/api/batches/preview',
          warm.token,
          Buffer.from('Name\nAda\n'),
          'w.csv',
        )
      ).status,
    ).toBe(200);
  }, 300_000);
  afterAll(async () => {
    await worker?.stop();
    await apiProcess?.stop();
    fs.rmSync(storage, { recursive: true, force: true });
    saveResults('slow-files', figures);
  });

  it('the XLSX listing one 4 MB sheet 200 times: preview refused within 15 s, batch in error within 60 s', async () => {
    const user = await newUser('sheets');
    const preview = await postFile(
      apiProcess.base,
      '/api/batches/preview',
      user.token,
      xlsx,
      'repeated.xlsx',
    );
    expect(preview.status).toBe(400);
    expect(preview.body.error.message).toMatch(/^file has more than 400,000 rows counting blank ones/);
    expect(preview.ms).toBeLessThan(15_000);

    const t0 = performance.now();
    const up = await postFile(apiProcess.base, '/api/batches/upload', user.token, xlsx, 'repeated.xlsx');
    expect(up.status).toBe(201);
    const settled = await untilSettled(apiProcess.base, user.token, up.body.id, t0, 120_000);
    expect(settled.status).toBe('error');
    expect(settled.errorMessage).toMatch(/^file has more than 400,000 rows counting blank ones/);
    expect(settled.ms).toBeLessThan(60_000);
    figures['repeatedSheetXlsx'] = { bytes: xlsx.length, previewMs: preview.ms, toErrorMs: settled.ms };
  }, 180_000);

  // Before the fix the preview took 34 s here with /healthz blocked 23 s (16.7 s in the review);
  // the batch itself took 17 s in a worker thread, so its bound is a regression bound only.
  it('200 KB of blank CSV lines: preview refused within 20 s, batch in error within 30 s', async () => {
    const user = await newUser('blank');
    const preview = await postFile(apiProcess.base, '/api/batches/preview', user.token, csv, 'blank.csv');
    expect(preview.status).toBe(400);
    expect(preview.body.error.message).toBe('no contacts found: the file has a header row but no data rows');
    expect(preview.ms).toBeLessThan(20_000);

    const t0 = performance.now();
    const up = await postFile(apiProcess.base, '/api/batches/upload', user.token, csv, 'blank.csv');
    expect(up.status).toBe(201);
    const settled = await untilSettled(apiProcess.base, user.token, up.body.id, t0, 120_000);
    expect(settled.status).toBe('error');
    expect(settled.errorMessage).toBe('no contacts found: the file has a header row but no data rows');
    expect(settled.ms).toBeLessThan(30_000);
    figures['blankLinesCsv'] = { bytes: csv.length, previewMs: preview.ms, toErrorMs: settled.ms };
  }, 180_000);

  it('slow-file: /healthz answers within 100 ms (p99, no stall) while the worst files are previewed and processed', async () => {
    // The same probe with the API idle first: what the machine alone does to the latency.
    const idle = probeHealthz(apiProcess.base);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    figures['idleHealthz'] = await idle.stop();
    const users = await Promise.all(Array.from({ length: 6 }, () => newUser('worst')));
    const probe = probeHealthz(apiProcess.base);
    const rss = sampleRss(apiProcess.child.pid!);
    const t0 = performance.now();
    const previews = Promise.all([
      postFile(apiProcess.base, '/api/batches/preview', users[0]!.token, xlsx, 'repeated.xlsx'),
      postFile(apiProcess.base, '/api/batches/preview', users[1]!.token, csv, 'blank.csv'),
      postFile(apiProcess.base, '/api/batches/preview', users[2]!.token, bigCsv, 'blank-10mb.csv'),
      postFile(apiProcess.base, '/api/batches/preview', users[3]!.token, xls, 'contacts.xls'),
    ]);
    const uploads = await Promise.all([
      postFile(apiProcess.base, '/api/batches/upload', users[4]!.token, xlsx, 'repeated.xlsx'),
      postFile(apiProcess.base, '/api/batches/upload', users[5]!.token, bigCsv, 'blank-10mb.csv'),
    ]);
    expect(uploads.map((u) => u.status)).toEqual([201, 201]);
    const answers = await previews;
    const settled = await Promise.all(
      uploads.map((u, i) => untilSettled(apiProcess.base, users[4 + i]!.token, u.body.id, t0, 180_000)),
    );
    const healthz = await probe.stop();
    figures['slowFile'] = {
      healthz,
      apiPeakRssMiB: rss.peakMiB(),
      previews: answers.map((a) => ({ status: a.status, ms: a.ms })),
      batches: settled,
    };
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 200]);
    expect(answers[2].body.error.message).toMatch(/^file has more than 400,000 rows counting blank ones/);
    expect(settled.map((s) => s.status)).toEqual(['error', 'error']);
    expect(healthz.failures).toBe(0);
    expect(healthz.count).toBeGreaterThan(20);
    // 99 of 100 answers within 100 ms, and no stall: before the fixes one preview blocked the loop
    // for 16-28 s. The single worst answer is not held to 100 ms: on this 2-core box, shared with
    // Cassandra, PostgreSQL and a worker parsing the same files, the idle API's own worst answer
    // is 40-140 ms (figures in docs/security.md).
    expect(healthz.p99Ms).toBeLessThan(100);
    expect(healthz.maxMs).toBeLessThan(500);
  }, 400_000);
});
