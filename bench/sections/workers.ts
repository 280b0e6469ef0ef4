/**
 * Worker processes as production runs them (`node --import tsx src/bin/worker.ts`, own queue):
 * - peak RSS of one worker over the 10 MB CSV, XLSX and VCF files and a zip bomb XLSX
 *   (max of VmRSS sampled every 50 ms and the kernel's VmHWM);
 * - several files at once with 1 worker process vs 4 worker processes (concurrency 1 each),
 *   and 1 process with WORKER_CONCURRENCY=4.
 */
import type { GeneratedFile } from '../lib/data.js';
import {
  deleteBatch,
  startBenchStack,
  startWorkerProcess,
  tokenFor,
  upload,
  waitDone,
  type WorkerProcess,
} from '../lib/stack.js';
import { elapsedMs, log, round, type Results } from '../lib/util.js';

export async function runWorkerRss(
  files: { csv: GeneratedFile; xlsx: GeneratedFile; vcf: GeneratedFile; bomb: Buffer },
  results: Results,
  variant: { prefix: string; nodeOptions?: string } = { prefix: 'worker' },
): Promise<void> {
  const stack = await startBenchStack({ worker: false });
  let worker: WorkerProcess | undefined;
  const { prefix } = variant;
  try {
    worker = await startWorkerProcess(
      stack,
      variant.nodeOptions ? { NODE_OPTIONS: variant.nodeOptions } : {},
    );
    results[`${prefix}_idle_rss_mib`] = round(worker.peakRssMiB(), 1);
    const token = await tokenFor(`bench-rss-${Date.now()}`);
    const perFile: Record<string, number> = {};
    results[`${prefix}_peak_rss_after_mib`] = perFile; // filled as files finish
    for (const [name, bytes, expect] of [
      ['contacts.csv', files.csv.bytes, 'loaded'],
      ['contacts.xlsx', files.xlsx.bytes, 'loaded'],
      ['contacts.vcf', files.vcf.bytes, 'loaded'],
      ['bomb.xlsx', files.bomb, 'error'],
    ] as const) {
      const up = await upload(stack, token, bytes, name);
      if (up.status !== 201) {
        throw new Error(`upload ${name}: ${up.status} ${up.text}`);
      }
      const w = worker;
      let settled = false;
      const died = w.exited.then((how): never | Promise<never> => {
        if (settled) {
          return new Promise<never>(() => undefined); // stopped by us later: not a failure
        }
        throw new Error(`the worker process died on ${name} (${how}) at ${round(w.peakRssMiB(), 1)} MiB`);
      });
      const done = await Promise.race([waitDone(stack, token, up.id), died]).finally(() => {
        settled = true;
      });
      if (done.status !== expect) {
        throw new Error(`${name} ended ${done.status} (${done.errorMessage ?? ''}), expected ${expect}`);
      }
      perFile[name] = round(worker.peakRssMiB(), 1);
      log(
        `${prefix} process peak RSS after ${name}: ${perFile[name]} MiB (${done.status}: ${done.errorMessage ?? ''})`,
      );
      await deleteBatch(stack, token, up.id);
    }
  } finally {
    if (worker) {
      results[`${prefix}_peak_rss_mib`] = round(worker.peakRssMiB(), 1);
    }
    await worker?.stop();
    await stack.close();
  }
}

/** `files` uploaded together; time from the first upload until all are loaded. */
async function concurrentRun(
  processes: number,
  workerConcurrency: number,
  file: GeneratedFile,
  count: number,
): Promise<{ ms: number; rows: number }> {
  const stack = await startBenchStack({ worker: false });
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      workers.push(await startWorkerProcess(stack, { WORKER_CONCURRENCY: String(workerConcurrency) }));
    }
    const token = await tokenFor(`bench-scale-${Date.now()}`);
    const started = process.hrtime.bigint();
    const ids = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const up = await upload(stack, token, file.bytes, `part-${i}.csv`);
        if (up.status !== 201) {
          throw new Error(`upload: ${up.status} ${up.text}`);
        }
        return up.id;
      }),
    );
    const done = await Promise.all(ids.map((id) => waitDone(stack, token, id, 900_000, 100)));
    const ms = elapsedMs(started);
    const rows = done.reduce((a, d) => a + d.rowsRead, 0);
    if (done.some((d) => d.status !== 'loaded')) {
      throw new Error(`not all loaded: ${JSON.stringify(done.map((d) => d.status))}`);
    }
    for (const id of ids) {
      await deleteBatch(stack, token, id);
    }
    return { ms, rows };
  } finally {
    for (const w of workers) {
      await w.stop();
    }
    await stack.close();
  }
}

export async function runWorkerScaling(file: GeneratedFile, count: number, results: Results): Promise<void> {
  for (const [key, processes, concurrency] of [
    ['1proc_c1', 1, 1],
    ['4proc_c1', 4, 1],
    ['1proc_c4', 1, 4],
  ] as const) {
    const r = await concurrentRun(processes, concurrency, file, count);
    results[`scale_workers_${key}_ms`] = round(r.ms);
    results[`scale_workers_${key}_rows_per_s`] = round((r.rows / r.ms) * 1000);
    log(
      `${count} files of ${(file.bytes.length / 1e6).toFixed(0)} MB with ${processes} worker process(es), concurrency ${concurrency}: ` +
        `${r.rows} rows in ${r.ms.toFixed(0)} ms = ${Math.round((r.rows / r.ms) * 1000)} rows/s`,
    );
  }
  results['scale_workers_files'] = count;
  results['scale_workers_file_bytes'] = file.bytes.length;
}
