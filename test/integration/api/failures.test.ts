import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAppOptions } from '../../../src/apiServer.js';
import { createServices } from '../../../src/composition.js';
import { sweeperDeps } from '../../../src/workerComposition.js';
import { buildApp } from '../../../src/http/app.js';
import type { BatchQueue } from '../../../src/queue/batchQueue.js';
import type { BatchRepository } from '../../../src/repositories/batchRepository.js';
import type { FileStorage } from '../../../src/storage/fileStorage.js';
import { userStoragePrefix } from '../../../src/storage/storageKey.js';
import { createSweeper } from '../../../src/worker/sweeper.js';
import { storedFileExists } from '../../support/storedFile.js';
import { newUser, startStack, uploadForm, waitForStatus, type TestStack } from '../../support/testStack.js';

/**
 * Failures injected at the adapter boundary over the real services: the adapters really talk to
 * PostgreSQL / storage / Redis, and one operation is made to fail.
 */
describe.each(['local', 's3'] as const)('failure handling on %s storage', (storageKind) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage: storageKind, records: 'postgres', worker: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function appWith(overrides: {
    storage?: FileStorage;
    batchRepository?: BatchRepository;
    queue?: BatchQueue;
  }): Promise<FastifyInstance> {
    // The composition root's services, rebuilt with one adapter swapped for a failing one.
    const parts = { ...stack.components, ...overrides };
    const app = await buildApp({ ...apiAppOptions({ ...parts, ...createServices(parts) }), readiness: {} });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return app;
  }

  async function post(app: FastifyInstance, token: string, filename = 'c.csv') {
    const address = app.server.address();
    if (!address || typeof address === 'string') {
      throw new Error('no address');
    }
    const res = await fetch(`http://127.0.0.1:${address.port}/api/batches/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: uploadForm('Name,Email\nAda,ada@example.com\n', filename),
    });
    return { status: res.status, body: await res.json() };
  }

  async function rowsOf(userId: string) {
    const { rows } = await stack.db.query('SELECT id, status FROM batches WHERE user_id = $1', [userId]);
    return rows as Array<{ id: string; status: string }>;
  }

  async function objectsOf(email: string) {
    const keys: string[] = [];
    for await (const o of stack.storage.list(userStoragePrefix(email))) {
      keys.push(o.key);
    }
    return keys;
  }

  it('a storage failure during the write leaves no row and no file (503)', async () => {
    const real = stack.storage;
    const failing: FileStorage = {
      ...real,
      async put(key, body, options) {
        // Let part of the file reach real storage first, then fail like a dropped connection.
        await real.put(key, body, options);
        throw Object.assign(new Error('connection reset by storage'), { code: 'ECONNRESET' });
      },
    };
    const app = await appWith({ storage: failing });
    try {
      const user = await newUser();
      const res = await post(app, user.token);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('dependency_unavailable');
      expect(await rowsOf(user.id)).toEqual([]);
      expect(await objectsOf(user.email)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('a database failure on insert removes the stored file (no orphan)', async () => {
    const failingRepo: BatchRepository = {
      ...stack.batches,
      insert: () => Promise.reject(Object.assign(new Error('terminating connection'), { code: '57P01' })),
    };
    const app = await appWith({ batchRepository: failingRepo });
    try {
      const user = await newUser();
      const res = await post(app, user.token);
      expect(res.status).toBe(503);
      expect(await rowsOf(user.id)).toEqual([]);
      expect(await objectsOf(user.email)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('an enqueue failure still answers 201; the sweeper re-queues and the batch loads', async () => {
    const failingQueue: BatchQueue = {
      ...stack.queue,
      enqueueBatch: () =>
        Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
      // An upload enqueues through enqueueNewBatch (no getJob round trip for a fresh id).
      enqueueNewBatch: () =>
        Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    };
    const app = await appWith({ queue: failingQueue });
    try {
      const user = await newUser();
      const res = await post(app, user.token);
      expect(res.status).toBe(201);
      const [row] = await rowsOf(user.id);
      expect(row?.status).toBe('uploaded');
      expect(await stack.queue.hasLiveJob(res.body.id)).toBe(false);
      expect(await objectsOf(user.email)).toHaveLength(1);

      // The database is shared with other test files: the sweeper sees only this user's batches.
      const sweeper = createSweeper(sweeperDeps(stack.components), {
        graceMs: 0,
        keyPrefix: userStoragePrefix(user.email),
      });
      const report = await sweeper.sweep();
      expect(report.requeued).toBe(1);
      const status = await waitForStatus(stack, user.token, res.body.id);
      expect(status.status).toBe('loaded');
    } finally {
      await app.close();
    }
  });
});

describe('delete removes a queued job, and the sweeper removes orphans', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // No worker: uploaded jobs stay waiting in the queue.
    stack = await startStack({ storage: 'local', records: 'postgres', worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('deleting a queued batch removes its job, file and row', async () => {
    const user = await newUser();
    const form = uploadForm('Name,Email\nAda,ada@example.com\n', 'queued.csv');
    const res = await fetch(`${stack.baseUrl}/api/batches/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}` },
      body: form,
    });
    const { id } = (await res.json()) as { id: string };
    expect(await stack.jobs.getJob(id)).toBeDefined();
    expect(await stack.queue.hasLiveJob(id)).toBe(true);
    const row = await stack.batches.findById(id);

    const del = await fetch(`${stack.baseUrl}/api/batches/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(del.status).toBe(204);
    // The clean-up runs in the background, right after the answer, and to the end: nothing is
    // left for the sweeper.
    const owed = async () =>
      (await stack.db.query('SELECT 1 FROM batch_deletions WHERE batch_id = $1', [id])).rows.length;
    await expect.poll(owed).toBe(0);
    expect(await stack.jobs.getJob(id)).toBeUndefined();
    expect(await storedFileExists(stack.storage, row!.storageKey)).toBe(false);
  });

  it('reaches every orphan across rounds when a round scans only part of the store', async () => {
    const { Readable } = await import('node:stream');
    const prefix = userStoragePrefix(`scan-${randomUUID()}@example.com`);
    const keys = Array.from(
      { length: 5 },
      (_, i) => `${prefix}00000000-0000-4000-8000-00000000000${i}-lost.csv`,
    );
    for (const key of keys) {
      await stack.storage.put(key, Readable.from([Buffer.from('Name\nA\n')]));
    }
    const sweeper = createSweeper(sweeperDeps(stack.components), {
      graceMs: 0,
      orphanScanLimit: 2,
      keyPrefix: prefix,
    });
    let removed = 0;
    for (let round = 0; round < 4; round++) {
      removed += (await sweeper.sweep()).orphansRemoved;
    }
    expect(removed).toBe(5);
    for (const key of keys) {
      expect(await storedFileExists(stack.storage, key)).toBe(false);
    }
  });

  it('removes stored files that have no batch row once they are older than the grace period', async () => {
    const { Readable } = await import('node:stream');
    const scope = { keyPrefix: userStoragePrefix(`orphan-${randomUUID()}@example.com`) };
    const key = `${scope.keyPrefix}00000000-0000-4000-8000-000000000001-lost.csv`;
    await stack.storage.put(key, Readable.from([Buffer.from('Name\nA\n')]));
    const young = await createSweeper(sweeperDeps(stack.components), { ...scope, graceMs: 60_000 }).sweep();
    expect(young.orphansRemoved).toBe(0);
    expect(await storedFileExists(stack.storage, key)).toBe(true);
    const old = await createSweeper(sweeperDeps(stack.components), { ...scope, graceMs: 0 }).sweep();
    expect(old.orphansRemoved).toBe(1);
    expect(await storedFileExists(stack.storage, key)).toBe(false);
  });

  it("a scoped sweeper leaves other users' stranded batches and orphan files alone", async () => {
    const { Readable } = await import('node:stream');
    const other = await newUser('other');
    const res = await fetch(`${stack.baseUrl}/api/batches/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.token}` },
      body: uploadForm('Name,Email\nAda,ada@example.com\n', 'stranded.csv'),
    });
    const { id } = (await res.json()) as { id: string };
    await stack.jobs.getJob(id).then((job) => job?.remove()); // stranded: row `uploaded`, no job
    const orphan = `${userStoragePrefix(other.email)}00000000-0000-4000-8000-000000000003-lost.csv`;
    await stack.storage.put(orphan, Readable.from([Buffer.from('Name\nA\n')]));

    const mine = userStoragePrefix(`mine-${randomUUID()}@example.com`);
    const scoped = await createSweeper(sweeperDeps(stack.components), {
      graceMs: 0,
      keyPrefix: mine,
    }).sweep();
    expect(scoped).toEqual({ requeued: 0, cleanupsFinished: 0, orphansRemoved: 0, tempFilesRemoved: 0 });
    expect(await stack.jobs.getJob(id)).toBeUndefined();
    expect(await storedFileExists(stack.storage, orphan)).toBe(true);

    // The same sweep scoped to that user does act: the scope, not the grace, held it back.
    const theirs = { graceMs: 0, keyPrefix: userStoragePrefix(other.email) };
    const report = await createSweeper(sweeperDeps(stack.components), theirs).sweep();
    expect(report).toEqual({ requeued: 1, cleanupsFinished: 0, orphansRemoved: 1, tempFilesRemoved: 0 });
    expect(await stack.jobs.getJob(id)).toBeDefined();
  });
});
