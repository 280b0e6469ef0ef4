/**
 * The API and the worker as production runs them: two separate processes (`src/bin/api.ts`,
 * `src/bin/worker.ts`) configured only by the environment, on the full stack (SeaweedFS +
 * Cassandra). A file uploaded over HTTP to one must reach `loaded` through the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../../support/testStack.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/contacts/google-contacts.csv');

/** A role process and the address it logged once listening. */
interface RoleProcess {
  child: ChildProcess;
  logFile: string;
  exited: Promise<unknown>;
  address: string;
}

async function startRole(
  role: 'api' | 'worker',
  env: Record<string, string>,
  dir: string,
): Promise<RoleProcess> {
  const logFile = path.join(dir, `${role}.log`);
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/slowAppBuild.ts', `src/bin/${role}.ts`],
    { cwd: REPO_ROOT, env, stdio: ['ignore', fd, fd] },
  );
  fs.closeSync(fd);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const line = (await readFile(logFile, 'utf8'))
      .split('\n')
      .find((l) => l.includes('listening"') && l.includes('"address"'));
    if (line) {
      return { child, logFile, exited, address: (JSON.parse(line) as { address: string }).address };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${role} process did not start listening:\n${await readFile(logFile, 'utf8')}`);
}

async function stopRole(role: RoleProcess | undefined): Promise<void> {
  if (role && role.child.exitCode === null && role.child.signalCode === null) {
    role.child.kill('SIGTERM');
    await role.exited;
  }
}

describe('API and worker as separate processes', () => {
  const queueName = `test-roles-${randomUUID()}`;
  let dir: string;
  let api: RoleProcess | undefined;
  let worker: RoleProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'batchport-roles-'));
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      NODE_ENV: 'test',
      NODE_NO_WARNINGS: '1',
      LOG_LEVEL: 'info',
      USE_LOCAL_STORAGE: 'false',
      RECORDS_STORE: 'cassandra',
      QUEUE_NAME: queueName,
      HOST: '127.0.0.1',
      PORT: '0',
      WORKER_HTTP_PORT: '0',
      OPS_PORT: '0',
      RATE_LIMIT_PER_MINUTE: '100000',
      // The failed-auth counter lives in the shared Redis; other suites' bad tokens count too.
      AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
      // The sweeper runs every second (it samples the queue depth) but re-queues nothing younger
      // than a day: the API's own enqueue has to reach the worker.
      SWEEPER_INTERVAL_MS: '1000',
      SWEEPER_GRACE_MS: '86400000',
      // Longer than the producer connection's 2 s command timeout (what a busy machine did).
      SLOW_APP_BUILD_MS: '2500',
    };
    [api, worker] = await Promise.all([startRole('api', env, dir), startRole('worker', env, dir)]);
  });

  afterAll(async () => {
    await Promise.all([stopRole(api), stopRole(worker)]);
    const queue = new Queue(queueName, {
      connection: {
        host: process.env['REDIS_HOST'],
        port: Number(process.env['REDIS_PORT']),
        password: process.env['REDIS_PASSWORD'],
      },
    });
    await queue.obliterate({ force: true });
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes an upload on the API to loaded on the worker, over HTTP only', async () => {
    const id = `roles-${randomUUID()}`;
    const token = await tokenFor({ sub: id, email: `${id}@example.com` });
    const headers = { authorization: `Bearer ${token}` };
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await readFile(FIXTURE))]), 'google-contacts.csv');

    const upload = await fetch(`${api!.address}/api/batches/upload`, { method: 'POST', headers, body: form });
    expect(upload.status).toBe(201);
    const { id: batchId } = (await upload.json()) as { id: string };

    let status: { status: string; recordsLoaded: number } | undefined;
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${api!.address}/api/batches/${batchId}/status`, { headers });
      status = (await res.json()) as { status: string; recordsLoaded: number };
      if (status.status === 'loaded' || status.status === 'error') {
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toMatchObject({ status: 'loaded', recordsLoaded: 3 });

    const records = await fetch(`${api!.address}/api/batches/${batchId}/records`, { headers });
    expect(((await records.json()) as { records: unknown[] }).records).toHaveLength(3);
    const deleted = await fetch(`${api!.address}/api/batches/${batchId}`, { method: 'DELETE', headers });
    expect(deleted.status).toBe(204);
  });

  it("lets the worker's sweeper reach the queue (it samples the queue depth)", async () => {
    const sampled = /^batchport_queue_jobs\{[^}]*state="waiting"[^}]*\} \d+$/m;
    let metrics = '';
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !sampled.test(metrics)) {
      metrics = await (await fetch(`${worker!.address}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(metrics).toMatch(sampled);
  });
});
