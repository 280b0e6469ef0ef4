/**
 * The API (listening on 127.0.0.1) and optionally the worker, built in-process over the real
 * services the way test/support/testStack.ts does, plus worker processes started like
 * `npm run worker` for memory and scaling measurements.
 */
import { SignJWT } from 'jose';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/config.js';
import { workerNodeFlagsFor } from '../../src/worker/workerHeap.js';
import authentication from '../../src/http/plugins/authentication.js';
import { createAuthService } from '../../src/services/authService.js';
import { startStack, type TestStack } from '../../test/support/testStack.js';

export type BenchStack = TestStack;

/** The compiled worker role, as `npm run worker` starts it. */
const WORKER_ENTRY = 'dist/bin/worker.js';

export interface StackOptions {
  /** Run the BullMQ worker in this process (default true). */
  worker?: boolean;
  env?: Record<string, string>;
}

/**
 * The test stack (test/support/testStack.ts) on S3 storage + Cassandra records, with the row cap
 * raised and limits out of the way. Also registers `GET /bench/ping` (no authentication, the
 * bare-route baseline) and `GET /bench/ping-auth` (the same JWT check as /api routes, nothing
 * else) before listening.
 */
export function startBenchStack(options: StackOptions = {}): Promise<BenchStack> {
  return startStack({
    storage: 's3',
    records: 'cassandra',
    worker: options.worker !== false,
    env: {
      LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
      MAX_ROWS_PER_BATCH: '1000000',
      JOB_ATTEMPTS: '2',
      WORKER_CONCURRENCY: '1',
      DATABASE_POOL_SIZE: '20',
      ...options.env,
    },
    beforeListen: async (app) => {
      app.get('/bench/ping', () => ({ ok: true }));
      const auth = createAuthService(loadConfig(process.env).auth);
      await app.register(async (scope) => {
        // Measures the cost of authentication alone: the failed-auth limit must never answer.
        await scope.register(authentication, {
          authService: auth,
          failureLimitPerMinute: 1_000_000,
          redisKeyPrefix: 'bench:',
        });
        scope.get('/bench/ping-auth', () => ({ ok: true }));
      });
    },
  });
}

export async function tokenFor(sub: string): Promise<string> {
  return new SignJWT({ email: `${sub}@example.com` })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 6 * 3600)
    .sign(new TextEncoder().encode(process.env['JWT_SECRET']));
}

export async function upload(
  stack: BenchStack,
  token: string,
  bytes: Buffer,
  fileName: string,
): Promise<{ status: number; id: string; text: string }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), fileName);
  const res = await fetch(`${stack.baseUrl}/api/batches/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await res.text();
  let id = '';
  try {
    id = (JSON.parse(text) as { id?: string }).id ?? '';
  } catch {
    // not JSON
  }
  return { status: res.status, id, text };
}

export interface BatchStatus {
  id: string;
  status: string;
  progress: number;
  rowsRead: number;
  recordsLoaded: number;
  invalidRows: number;
  errorMessage?: string;
}

export async function getStatus(stack: BenchStack, token: string, id: string): Promise<BatchStatus> {
  const res = await fetch(`${stack.baseUrl}/api/batches/${id}/status`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) {
    throw new Error(`status of ${id}: HTTP ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as BatchStatus;
}

/** Status polls answered 503 (a dependency timed out under load) and retried, per process. */
export const pollRetries = { count: 0 };

/**
 * Polls every `intervalMs` until loaded or error. A 503 on a poll is the API's "try again" (on a
 * saturated 2-core box a status query can time out while the worker runs): it is retried and
 * counted (`pollRetries`), never taken as the batch's outcome.
 */
export async function waitDone(
  stack: BenchStack,
  token: string,
  id: string,
  timeoutMs = 600_000,
  intervalMs = 50,
): Promise<BatchStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await getStatus(stack, token, id).catch((error: unknown) => {
      if (error instanceof Error && / HTTP 503 /.test(error.message) && Date.now() < deadline) {
        pollRetries.count += 1;
        return undefined;
      }
      throw error;
    });
    if (s?.status === 'loaded' || s?.status === 'error') {
      return s;
    }
    if (Date.now() > deadline) {
      throw new Error(`batch ${id} still ${JSON.stringify(s)} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function deleteBatch(stack: BenchStack, token: string, id: string): Promise<void> {
  await fetch(`${stack.baseUrl}/api/batches/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
}

// ------------------------------------------------------------------------ worker processes

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with "exit code N" / "signal S" if the process ends (e.g. out of memory). */
  exited: Promise<string>;
  /** Highest VmRSS seen by the sampler and the kernel's VmHWM, in MiB. */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * `node --enable-source-maps dist/bin/worker.js` with the stack's environment (same queue), as
 * `npm run worker` runs one in production: the compiled build, no TypeScript loader in the
 * process or its parse threads (`npm run bench` builds first). Resolves once it logs "worker
 * started". Its RSS is sampled every 50 ms.
 */
export async function startWorkerProcess(
  stack: BenchStack,
  extraEnv: Record<string, string> = {},
  /** V8 flags on its command line: the worker role's own (for its concurrency) unless a study replaces them. */
  nodeFlags?: readonly string[],
): Promise<WorkerProcess> {
  const env: Record<string, string | undefined> = { ...stack.env, LOG_LEVEL: 'info', ...extraEnv };
  const flags = nodeFlags ?? workerNodeFlagsFor(Number(env['WORKER_CONCURRENCY'] ?? 2));
  if (!existsSync(WORKER_ENTRY)) {
    throw new Error(`${WORKER_ENTRY} is missing: run \`npm run build\` (npm run bench does)`);
  }
  const child = spawn(process.execPath, ['--enable-source-maps', ...flags, WORKER_ENTRY], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  let log = '';
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, procStatusKiB(pid, 'VmRSS'));
  }, 50);
  sampler.unref();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${log.slice(-2000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('worker started')) {
        clearTimeout(timer);
        resolve();
      }
      if (log.length > 100_000) {
        log = log.slice(-10_000);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before starting:\n${log.slice(-2000)}`));
    });
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
  );
  return {
    child,
    pid,
    exited,
    peakRssMiB() {
      return Math.max(peak, procStatusKiB(pid, 'VmHWM')) / 1024;
    },
    async stop() {
      clearInterval(sampler);
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
