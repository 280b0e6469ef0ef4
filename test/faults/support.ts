/**
 * Shared helpers of the fault suite (`npm run test:faults`): worker processes, a seeded random
 * source (the seed is printed so a failing run can be replayed with FAULTS_SEED), latency
 * statistics, and a results file that docs/reliability.md quotes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { StoredRecord } from '../../src/repositories/records/recordsRepository.js';
import { userStoragePrefix } from '../../src/storage/storageKey.js';
import { workerNodeFlagsFor } from '../../src/worker/workerHeap.js';
import type { TestStack } from '../support/testStack.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** mulberry32: small, fast, good enough to pick kill points reproducibly. */
export function seededRandom(label: string): { seed: number; next: () => number } {
  const fromEnv = Number(process.env['FAULTS_SEED']);
  const seed = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31);
  console.log(`[faults] ${label}: seed ${seed} (replay with FAULTS_SEED=${seed})`);
  let a = seed >>> 0;
  return {
    seed,
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A real worker process (`src/bin/worker.ts`), configured like the stack. */
export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful) and wait for the exit. */
  stop(): Promise<void>;
  /** Peak resident memory (VmHWM) in MB, read from /proc while it runs. */
  peakRssMb(): number | undefined;
  /** The worker's probes/metrics address, from its log (needs LOG_LEVEL=info). */
  address(timeoutMs?: number): Promise<string>;
}

/**
 * Starts `src/bin/worker.ts`. Its JSON log (warn and above) goes to
 * `<data dir>/fault-results/<name>.worker.log`, so a worker that dies says why.
 */
export function startWorkerProcess(
  stack: TestStack,
  env: Record<string, string> = {},
  name = 'worker',
): WorkerProcess {
  const logFile = path.join(resultsDir(), `${name}.worker.log`);
  const logFd = fs.openSync(logFile, 'a');
  // With the worker role's V8 flags, as `npm run worker` runs it.
  const concurrency = Number(env['WORKER_CONCURRENCY'] ?? stack.env['WORKER_CONCURRENCY'] ?? 2);
  const flags = workerNodeFlagsFor(concurrency);
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/bin/worker.ts'], {
    cwd: REPO_ROOT,
    // Any free port for the worker's probes/metrics, so workers never fight over one.
    env: { ...stack.env, LOG_LEVEL: 'warn', NODE_NO_WARNINGS: '1', WORKER_HTTP_PORT: '0', ...env },
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    exited,
    async kill() {
      if (running()) {
        child.kill('SIGKILL');
      }
      await exited;
    },
    async stop() {
      if (running()) {
        child.kill('SIGTERM');
      }
      await exited;
    },
    async address(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        // The last "listening" line of this worker's log file (use a name of its own).
        const line = fs
          .readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('listening'))
          .at(-1);
        const address = line ? (JSON.parse(line) as { address?: string }).address : undefined;
        if (address) {
          return address;
        }
        await sleep(100);
      }
      throw new Error(`worker ${child.pid} did not log its address within ${timeoutMs} ms`);
    },
    peakRssMb() {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
        return kb === undefined ? undefined : Number(kb) / 1024;
      } catch {
        return undefined;
      }
    },
  };
}

/** Every record of a batch, read through the records store's own paging (not the count). */
export async function allRecords(stack: TestStack, batchId: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const res = await stack.records.listRecords(batchId, { limit: 1000, cursor });
    out.push(...res.records);
    if (!res.nextCursor) {
      return out;
    }
    cursor = res.nextCursor;
  }
  throw new Error(`batch ${batchId}: more than 10,000 record pages`);
}

/** Loaded with exactly rows 1..n, each once: the check behind "never lost, never duplicated". */
export async function checkExactRecords(
  stack: TestStack,
  batchId: string,
  n: number,
): Promise<{ listed: number; distinct: number; missing: number; duplicated: number }> {
  const records = await allRecords(stack, batchId);
  const rows = records.map((r) => r.rowNumber);
  const distinct = new Set(rows);
  let missing = 0;
  for (let i = 1; i <= n; i++) {
    if (!distinct.has(i)) {
      missing += 1;
    }
  }
  return { listed: rows.length, distinct: distinct.size, missing, duplicated: rows.length - distinct.size };
}

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) {
    return Number.NaN;
  }
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[i]!;
}

/** Keeps the figures of the last run (docs/reliability.md quotes them) next to the stack's data. */
export function resultsDir(): string {
  const base = process.env['BATCHPORT_DATA_DIR'] || path.join(REPO_ROOT, '.data');
  const dir = path.join(base, 'fault-results');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function saveResults(name: string, figures: Record<string, unknown>): void {
  const dir = resultsDir();
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2) + '\n');
  console.log(`[faults] ${name}: ${JSON.stringify(figures)}\n[faults] saved to ${file}`);
}

/** Objects stored under one user's prefix. */
export async function objectsOf(stack: TestStack, email: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of stack.storage.list(userStoragePrefix(email))) {
    keys.push(o.key);
  }
  return keys;
}

/** Batch rows of one user: id, status, storage key. */
export async function rowsOf(
  stack: TestStack,
  userId: string,
): Promise<Array<{ id: string; status: string; storage_key: string; error_message: string | null }>> {
  const { rows } = await stack.db.query(
    'SELECT id, status, storage_key, error_message FROM batches WHERE user_id = $1',
    [userId],
  );
  return rows;
}
