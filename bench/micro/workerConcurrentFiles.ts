/**
 * The bench's 10 MB CSV, XLSX and VCF uploaded at once to ONE worker process (the compiled
 * build, `WORKER_CONCURRENCY`, default 2), per set of V8 flags: every file's end status, the
 * time until all three settled, and the process's peak RSS. What backs the worker role's heap
 * flags and HEAP_PER_JOB_MB (src/worker/workerHeap.ts) beyond one file at a time.
 *
 *   npm run build && npx tsx scripts/withStack.ts --all -- npx tsx bench/micro/workerConcurrentFiles.ts
 *   VARIANTS='role|none' CONC=4 …   # '|'-separated; `role` = WORKER_NODE_FLAGS, `none` = V8's own sizing
 */
import { WORKER_NODE_FLAGS } from '../../src/worker/workerHeap.js';
import { contactsCsv, contactsVcf, contactsXlsx } from '../lib/data.js';
import {
  deleteBatch,
  startBenchStack,
  startWorkerProcess,
  tokenFor,
  upload,
  waitDone,
} from '../lib/stack.js';

const MB = 1024 * 1024;
const csv = contactsCsv(10 * MB);
const files = [
  ['a.csv', csv.bytes],
  ['b.xlsx', contactsXlsx(csv.contacts, 10 * MB).bytes],
  ['c.vcf', contactsVcf(10 * MB).bytes],
] as const;

const flagsOf = (variant: string): readonly string[] =>
  variant === 'role' ? WORKER_NODE_FLAGS : variant === 'none' ? [] : variant.split(/\s+/);

const stack = await startBenchStack({ worker: false });
try {
  for (const variant of (process.env['VARIANTS'] ?? 'role|none|role|none').split('|')) {
    const worker = await startWorkerProcess(
      stack,
      { WORKER_CONCURRENCY: process.env['CONC'] ?? '2' },
      flagsOf(variant),
    );
    try {
      const token = await tokenFor(`concurrent-files-${Date.now()}`);
      const started = Date.now();
      const ids = await Promise.all(
        files.map(async ([name, bytes]) => (await upload(stack, token, bytes, name)).id),
      );
      const done = await Promise.all(ids.map((id) => waitDone(stack, token, id, 600_000)));
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const statuses = done.map((d) => d.status).join(',');
      console.log(`[${variant}] ${statuses} in ${seconds} s, peak RSS ${worker.peakRssMiB().toFixed(1)} MiB`);
      for (const id of ids) {
        await deleteBatch(stack, token, id);
      }
    } finally {
      await worker.stop();
    }
  }
} finally {
  await stack.close();
}
