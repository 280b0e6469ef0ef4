/**
 * The API (listening on 127.0.0.1) and optionally the worker, built in-process over the real
 * services the way test/support/testStack.ts does, plus worker processes started like
 * `npm run worker` for memory and scaling measurements.
 */
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApiApp } from '../../src/apiServer.js';
import { createDeps, type Deps } from '../../src/composition.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { registerAuthentication } from '../../src/http/plugins/authentication.js';
import { createAuthService } from '../../src/services/authService.js';
import { startWorker, type RunningWorker } from '../../src/worker/startWorker.js';

export interface BenchStack {
  config: Config;
  env: Record<string, string>;
  deps: Deps;
  app: FastifyInstance;
  baseUrl: string;
  worker: RunningWorker | undefined;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Run the BullMQ worker in this process (default true). */
  worker?: boolean;
  env?: Record<string, string>;
}

/**
 * S3 storage + Cassandra records, own queue name, rate limits out of the way, row cap raised.
 * Also registers `GET /bench/ping` (no authentication, the bare-route baseline) and
 * `GET /bench/ping-auth` (the same JWT check as /api routes, nothing else) before listening.
 */
export async function startBenchStack(options: StackOptions = {}): Promise<BenchStack> {
  const localDir = await mkdtemp(join(tmpdir(), 'batchport-bench-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'test',
    USE_LOCAL_STORAGE: 'false',
    LOCAL_STORAGE_DIR: localDir,
    RECORDS_STORE: 'cassandra',
    QUEUE_NAME: `bench-${randomUUID()}`,
    LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    UPLOAD_RATE_LIMIT_PER_MINUTE: '1000000',
    MAX_ROWS_PER_BATCH: '1000000',
    JOB_ATTEMPTS: '2',
    JOB_BACKOFF_MS: '200',
    SWEEPER_INTERVAL_MS: '3600000',
    WORKER_CONCURRENCY: '1',
    DATABASE_POOL_SIZE: '20',
    ...options.env,
  };
  const config = loadConfig(env);
  const logger = pino({ level: config.logLevel });
  const deps = await createDeps(config, logger, 'all');
  const app = await buildApiApp(deps);
  app.get('/bench/ping', () => ({ ok: true }));
  const auth = createAuthService(config.auth);
  await app.register((scope, _opts, done) => {
    registerAuthentication(scope, auth);
    scope.get('/bench/ping-auth', () => ({ ok: true }));
    done();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') {
    throw new Error('no address');
  }
  const worker = options.worker === false ? undefined : startWorker(deps, { runSweeper: false });
  return {
    config,
    env,
    deps,
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    worker,
    async close() {
      await app.close();
      await worker?.close(10_000);
      await deps.queue.queue.obliterate({ force: true }).catch(() => undefined);
      await deps.close();
      await rm(localDir, { recursive: true, force: true });
    },
  };
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

/** Polls every `intervalMs` until loaded or error. */
export async function waitDone(
  stack: BenchStack,
  token: string,
  id: string,
  timeoutMs = 600_000,
  intervalMs = 50,
): Promise<BatchStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await getStatus(stack, token, id);
    if (s.status === 'loaded' || s.status === 'error') {
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
 * `node --import tsx src/bin/worker.ts` with the stack's environment (same queue), as production
 * runs a worker. Resolves once it logs "worker started". Its RSS is sampled every 50 ms.
 */
export async function startWorkerProcess(
  stack: BenchStack,
  extraEnv: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/worker.ts'], {
    env: { ...stack.env, LOG_LEVEL: 'info', ...extraEnv },
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
