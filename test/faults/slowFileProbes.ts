/**
 * What the slow-file run (slowFiles.test.ts) and its measurement script
 * (scripts/measureSlowFiles.ts) watch: the API as its own process, its /healthz latency probed
 * continuously, and its resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { sleep } from './support.js';

export interface RoleProcess {
  child: ChildProcess;
  /** The API's base URL (the API role only). */
  base: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `src/bin/<role>.ts` of the checkout at `root` (this one, or an older copy to measure
 * against) with `env`, and waits for the API to listen.
 */
export async function startRole(
  role: 'api' | 'worker',
  root: string,
  env: Record<string, string>,
): Promise<RoleProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/bin/${role}.ts`], {
    cwd: root,
    env: { ...env, NODE_NO_WARNINGS: '1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-200_000)));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-200_000)));
  const exited = new Promise((r) => child.once('exit', r));
  let base = '';
  const deadline = Date.now() + 120_000;
  while (role === 'api' && !base) {
    const line = log.split('\n').find((l) => l.includes('"API listening"'));
    if (line) {
      base = (JSON.parse(line) as { address: string }).address;
    } else if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${role} did not start:\n${log.slice(-3000)}`);
    } else {
      await sleep(100);
    }
  }
  return {
    child,
    base,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}

/**
 * The probe's loop, run in its own thread: the thread that sends 10 MB bodies and polls
 * batches must not delay the probe and have its own stalls counted as the API's.
 */
const PROBE_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true, maxMs = 0, count = 0, failures = 0;
const samples = [];
parentPort.on('message', () => { running = false; });
(async () => {
  while (running) {
    const t0 = performance.now();
    try {
      const res = await fetch(workerData.url, { signal: AbortSignal.timeout(30000) });
      await res.arrayBuffer();
      failures += res.status === 200 ? 0 : 1;
    } catch { failures++; }
    const ms = performance.now() - t0;
    samples.push(ms);
    maxMs = Math.max(maxMs, ms);
    count++;
    await new Promise((r) => setTimeout(r, 20));
  }
  samples.sort((a, b) => a - b);
  const p99Ms = Math.round(samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))] ?? 0);
  parentPort.postMessage({ maxMs: Math.round(maxMs), p99Ms, count, failures });
})();
`;

/**
 * Asks `/healthz` again and again (one request at a time, 20 ms apart, from a thread of its own)
 * and keeps the worst latency and the 99th percentile.
 */
export interface HealthzFigures {
  maxMs: number;
  p99Ms: number;
  count: number;
  failures: number;
}

export function probeHealthz(base: string): {
  stop(): Promise<HealthzFigures>;
} {
  const thread = new Worker(PROBE_THREAD, { eval: true, workerData: { url: `${base}/healthz` } });
  const result = new Promise<HealthzFigures>((resolve, reject) => {
    thread.once('message', resolve);
    thread.once('error', reject);
  });
  return {
    async stop() {
      thread.postMessage('stop');
      const figures = await result;
      await thread.terminate();
      return figures;
    },
  };
}

/** Samples a process's resident memory (VmRSS) every 100 ms and keeps the peak, in MiB. */
export function sampleRss(pid: number): { peakMiB(): number } {
  let peak = 0;
  const read = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      peak = Math.max(peak, m ? Number(m[1]) / 1024 : 0);
    } catch {
      // the process has exited
    }
  };
  read();
  const timer = setInterval(read, 100);
  timer.unref();
  return {
    peakMiB() {
      read();
      return Math.round(peak);
    },
  };
}

/**
 * POSTs a file to the API as the upload form does; answers status, body and the time taken.
 * A connection the server closed without an answer is status 0 with the error's text.
 */
export async function postFile(
  base: string,
  path: '/api/batches/preview' | '/api/batches/upload',
  token: string,
  content: Buffer,
  filename: string,
): Promise<{ status: number; body: any; ms: number; failure?: string }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)]), filename);
  const t0 = performance.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
      signal: AbortSignal.timeout(600_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      ms: Math.round(performance.now() - t0),
    };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return {
      status: 0,
      body: undefined,
      ms: Math.round(performance.now() - t0),
      failure: String(cause ?? error),
    };
  }
}

/** Polls a batch until `loaded` or `error`; answers its status body and the time since `since`. */
export async function untilSettled(
  base: string,
  token: string,
  id: string,
  since: number,
  timeoutMs: number,
): Promise<{ status: string; errorMessage?: string; ms: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${base}/api/batches/${id}/status`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { status: string; errorMessage?: string };
    if (body.status === 'loaded' || body.status === 'error') {
      return { ...body, ms: Math.round(performance.now() - since) };
    }
    if (Date.now() > deadline) {
      return { status: `${body.status} after ${timeoutMs} ms`, ms: Math.round(performance.now() - since) };
    }
    await sleep(200);
  }
}
