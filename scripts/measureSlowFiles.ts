/**
 * Measures the slow files of issue 19 against a real API and worker (each its own process) on
 * the local stack: the XLSX listing one 4 MB sheet 200 times, 200 KB of blank CSV lines, and 7
 * concurrent previews of a 10 MB XLS. For each: the answer and its time, the batch's time to
 * `loaded`/`error`, the worst /healthz latency while it ran, and the API's peak RSS.
 *
 *   tsx scripts/withStack.ts -- tsx scripts/measureSlowFiles.ts [--root DIR] [--out FILE]
 *
 * `--root` runs the API and worker of another checkout (e.g. an export of an older commit, with
 * this checkout's node_modules linked in) to measure "before"; the files always come from here.
 * The figures are quoted in docs/security.md and docs/performance.md.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { blankLinesCsv, contactsXls, repeatedSheetXlsx } from '../test/support/dosFiles.js';
import { newUser } from '../test/support/testStack.js';
import {
  postFile,
  probeHealthz,
  sampleRss,
  startRole,
  untilSettled,
  type RoleProcess,
} from '../test/faults/slowFileProbes.js';

const { values } = parseArgs({
  options: { root: { type: 'string' }, out: { type: 'string' } },
});
const root = path.resolve(values.root ?? path.join(import.meta.dirname, '..'));
const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'batchport-slow-'));
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  NODE_ENV: 'development',
  PORT: '0',
  OPS_PORT: '0',
  WORKER_HTTP_PORT: '0',
  USE_LOCAL_STORAGE: 'true',
  LOCAL_STORAGE_DIR: storage,
  RECORDS_STORE: 'postgres',
  QUEUE_NAME: `slow-files-${randomUUID()}`,
  RATE_LIMIT_PER_MINUTE: '100000',
  UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
  WORKER_PARSE_THREADS: '2',
  WORKER_CONCURRENCY: '2',
};

async function watched<T>(apiProcess: RoleProcess, run: () => Promise<T>) {
  const probe = probeHealthz(apiProcess.base);
  const rss = sampleRss(apiProcess.child.pid!);
  const result = await run();
  return { ...result, healthz: await probe.stop(), apiPeakRssMiB: rss.peakMiB() };
}

async function previewOf(apiProcess: RoleProcess, content: Buffer, name: string) {
  const user = await newUser('slow');
  return watched(apiProcess, async () => {
    const res = await postFile(apiProcess.base, '/api/batches/preview', user.token, content, name);
    return {
      status: res.status,
      ms: res.ms,
      message: (res.body?.error?.message as string | undefined) ?? res.failure,
    };
  });
}

async function uploadOf(apiProcess: RoleProcess, content: Buffer, name: string) {
  const user = await newUser('slow');
  return watched(apiProcess, async () => {
    const t0 = performance.now();
    const res = await postFile(apiProcess.base, '/api/batches/upload', user.token, content, name);
    if (res.status !== 201) {
      return { upload: res.status, failure: res.failure };
    }
    const settled = await untilSettled(apiProcess.base, user.token, res.body.id as string, t0, 300_000);
    return { upload: res.status, ...settled };
  });
}

async function concurrentPreviews(apiProcess: RoleProcess, content: Buffer, n: number) {
  const users = await Promise.all(Array.from({ length: n }, () => newUser('xls')));
  return watched(apiProcess, async () => {
    const t0 = performance.now();
    const answers = await Promise.all(
      users.map((u) => postFile(apiProcess.base, '/api/batches/preview', u.token, content, 'contacts.xls')),
    );
    return {
      statuses: answers.map((a) => a.status),
      slowestMs: Math.max(...answers.map((a) => a.ms)),
      wallMs: Math.round(performance.now() - t0),
    };
  });
}

const xlsx = await repeatedSheetXlsx();
const csv = blankLinesCsv();
const xls = await contactsXls();
const apiProcess = await startRole('api', root, env);
const worker = await startRole('worker', root, env);
const figures: Record<string, unknown> = {
  root,
  files: { xlsx: xlsx.length, csv: csv.length, xls: xls.length },
};
try {
  // A first small preview loads the parsers (and, after the fix, starts the preview pool).
  figures['warmup'] = await previewOf(apiProcess, Buffer.from('Name\nAda\n'), 'warm.csv');
  figures['apiIdleRssMiB'] = sampleRss(apiProcess.child.pid!).peakMiB();
  figures['xlsxPreview'] = await previewOf(apiProcess, xlsx, 'repeated-sheet.xlsx');
  figures['csvPreview'] = await previewOf(apiProcess, csv, 'blank-lines.csv');
  figures['xlsxUpload'] = await uploadOf(apiProcess, xlsx, 'repeated-sheet.xlsx');
  figures['csvUpload'] = await uploadOf(apiProcess, csv, 'blank-lines.csv');
  figures['xlsPreviews7'] = await concurrentPreviews(apiProcess, xls, 7);
} finally {
  await worker.stop();
  await apiProcess.stop();
  fs.rmSync(storage, { recursive: true, force: true });
}
const text = JSON.stringify(figures, null, 2);
console.log(text);
if (values.out) {
  fs.writeFileSync(values.out, text + '\n');
}
