/**
 * Worker processes as production runs them (`node dist/bin/worker.js`, own queue):
 * - peak RSS of a fresh worker process per file, for the 10 MB CSV, XLSX and VCF files and a zip
 *   bomb XLSX (max of VmRSS sampled every 50 ms and the kernel's VmHWM);
 * - several files at once with 1 worker process vs 4 worker processes (concurrency 1 each),
 *   and 1 process with WORKER_CONCURRENCY=4.
 */
import type { GeneratedFile } from '../lib/data.js';
import {
  type BenchStack,
  deleteBatch,
  startBenchStack,
  startWorkerProcess,
  tokenFor,
  upload,
  waitDone,
  type WorkerProcess,
} from '../lib/stack.js';
import { elapsedMs, log, round } from '../lib/util.js';
import { recordSamples, type Results } from '../lib/verdict.js';

/**
 * Peak RSS of one file in a FRESH worker process (started for that file, stopped after it), so
 * each figure is that file's cost, not the running maximum of everything processed before.
 */
async function fileRss(
  stack: BenchStack,
  token: string,
  name: string,
  bytes: Buffer,
  expect: string,
  nodeFlags: readonly string[] | undefined,
): Promise<{ peak: number; idle: number; seconds: number }> {
  const worker = await startWorkerProcess(stack, {}, nodeFlags);
  try {
    const idle = worker.peakRssMiB();
    const started = process.hrtime.bigint();
    const up = await upload(stack, token, bytes, name);
    if (up.status !== 201) {
      throw new Error(`upload ${name}: ${up.status} ${up.text}`);
    }
    let settled = false;
    const died = worker.exited.then((how): never | Promise<never> => {
      if (settled) {
        return new Promise<never>(() => undefined); // stopped by us later: not a failure
      }
      throw new Error(`the worker process died on ${name} (${how}) at ${round(worker.peakRssMiB(), 1)} MiB`);
    });
    const done = await Promise.race([waitDone(stack, token, up.id), died]).finally(() => {
      settled = true;
    });
    if (done.status !== expect) {
      throw new Error(`${name} ended ${done.status} (${done.errorMessage ?? ''}), expected ${expect}`);
    }
    const seconds = elapsedMs(started) / 1000;
    await deleteBatch(stack, token, up.id);
    return { peak: worker.peakRssMiB(), idle, seconds };
  } finally {
    await worker.stop();
  }
}

export async function runWorkerRss(
  files: { csv: GeneratedFile; xlsx: GeneratedFile; vcf: GeneratedFile; bomb: Buffer },
  rounds: number,
  results: Results,
  variant: { prefix: string; nodeFlags?: readonly string[] } = { prefix: 'worker' },
): Promise<void> {
  const stack = await startBenchStack({ worker: false });
  const { prefix } = variant;
  try {
    const token = await tokenFor(`bench-rss-${Date.now()}`);
    const inputs = [
      ['csv', 'contacts.csv', files.csv.bytes, 'loaded'],
      ['xlsx', 'contacts.xlsx', files.xlsx.bytes, 'loaded'],
      ['vcf', 'contacts.vcf', files.vcf.bytes, 'loaded'],
      ['bomb', 'bomb.xlsx', files.bomb, 'error'],
    ] as const;
    const perFile: Record<string, number[]> = {};
    // Upload → settled in that fresh process: what a memory setting costs in time.
    const perFileSeconds: Record<string, number[]> = {};
    const idle: number[] = [];
    // Per round, the largest of the per-file peaks: the memory a worker needs for any input.
    const worst: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      let roundWorst = 0;
      for (const [key, name, bytes, expect] of inputs) {
        const m = await fileRss(stack, token, name, bytes, expect, variant.nodeFlags);
        (perFile[key] ??= []).push(m.peak);
        (perFileSeconds[key] ??= []).push(m.seconds);
        idle.push(m.idle);
        roundWorst = Math.max(roundWorst, m.peak);
        log(
          `${prefix} round ${r}: fresh process peak RSS on ${name}: ${m.peak.toFixed(1)} MiB (idle ${m.idle.toFixed(1)}), settled in ${m.seconds.toFixed(1)} s`,
        );
      }
      worst.push(roundWorst);
    }
    for (const [key, values] of Object.entries(perFile)) {
      recordSamples(results, `${prefix}_${key}_peak_rss_mib`, values, 1);
    }
    for (const [key, values] of Object.entries(perFileSeconds)) {
      recordSamples(results, `${prefix}_${key}_settled_s`, values, 1);
    }
    recordSamples(results, `${prefix}_idle_rss_mib`, idle, 1);
    recordSamples(results, `${prefix}_peak_rss_mib`, worst, 1);
  } finally {
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
