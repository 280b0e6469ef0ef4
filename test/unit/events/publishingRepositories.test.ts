/* eslint-disable @typescript-eslint/require-await -- the doubles keep the adapters' async signatures without doing I/O */
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/domain/batch.js';
import { createEventPublisher } from '../../../src/events/eventPublisher.js';
import { STREAM_MAX_LENGTH, STREAM_TTL_SECONDS } from '../../../src/events/eventStreamKeys.js';
import {
  publishingBatchRepository,
  publishingDeletionRepository,
} from '../../../src/events/publishingRepositories.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import type { BatchRepository } from '../../../src/repositories/batchRepository.js';
import { createBatchService } from '../../../src/services/batchService.js';
import { createBatchUploadService } from '../../../src/services/batchUploadService.js';
import { bearer, build, multipart, tokenFor } from '../../support/buildTestApp.js';
import { createMemoryStore } from '../../support/doubles/memoryStore.js';
import { strictDouble } from '../../support/doubles/strictDouble.js';

interface Published {
  key: string;
  args: unknown[];
  expire: unknown[];
}

/** A Redis double recording MULTI/XADD/EXPIRE, or failing exec like a Redis that is down. */
function redisDouble(fail: boolean): { redis: Pick<Redis, 'multi'>; published: Published[] } {
  const published: Published[] = [];
  const redis = strictDouble<Pick<Redis, 'multi'>>('redis', {
    multi: (() => {
      const entry: Published = { key: '', args: [], expire: [] };
      const chain = {
        xadd: (key: string, ...args: unknown[]) => Object.assign(entry, { key, args }) && chain,
        expire: (...args: unknown[]) => Object.assign(entry, { expire: args }) && chain,
        exec: async () => {
          if (fail) {
            throw new Error('Connection is closed.');
          }
          published.push(entry);
          return [
            [null, '1-0'],
            [null, 1],
          ];
        },
      };
      return chain;
    }) as unknown as Redis['multi'],
  });
  return { redis, published };
}

function publisherOver(fail: boolean) {
  const metrics = createMetrics('api');
  const { redis, published } = redisDouble(fail);
  const publisher = createEventPublisher({
    redis,
    logger: pino({ level: 'silent' }),
    metrics,
    keyPrefix: 'batchport:',
  });
  const failures = async () => (await metrics.eventPublishFailures.get()).values[0]?.value;
  return { publisher, published, failures };
}

/** The whole app, with the memory store's repositories wrapped as the composition root wraps them. */
async function appWithPublisher(fail: boolean) {
  const store = createMemoryStore();
  const { publisher, published, failures } = publisherOver(fail);
  const { records, queue, cleanup, storage } = store.adapters;
  const batchRepository = publishingBatchRepository(store.adapters.batchRepository, publisher);
  const batchDeletionRepository = publishingDeletionRepository(
    store.adapters.batchDeletionRepository,
    publisher,
  );
  const logger = pino({ level: 'silent' });
  const t = await build({
    batchService: createBatchService({ batchRepository, batchDeletionRepository, records, queue, cleanup }),
    batchUploadService: createBatchUploadService({
      batchRepository,
      storage,
      queue,
      logger,
      maxFileSize: 64 * 1024,
    }),
  });
  // The app's own memory store is unused: these services run over `store`.
  return { app: t.app, store, published, failures };
}

const csv = multipart([
  { name: 'file', filename: 'people.csv', content: 'Name,Email\nAda,ada@example.com\n' },
]);

describe('publishing repositories', () => {
  it('the upload answers without waiting for its event to be published, and the event is still sent', async () => {
    const store = createMemoryStore();
    const sent: string[] = [];
    // A Redis that takes the command and never answers: the upload must not hang on it.
    const stuck = {
      publish: (_userId: string, event: { data: { id: string } }) => {
        sent.push(event.data.id);
        return new Promise<void>(() => undefined);
      },
      failed: () => undefined,
    };
    const batchRepository = publishingBatchRepository(store.adapters.batchRepository, stuck);
    const t = await build({
      batchUploadService: createBatchUploadService({
        batchRepository,
        storage: store.adapters.storage,
        queue: store.adapters.queue,
        logger: pino({ level: 'silent' }),
        maxFileSize: 64 * 1024,
      }),
    });
    const answer = t.app.inject({
      method: 'POST',
      url: '/api/batches/upload',
      headers: { ...bearer(await tokenFor('owner')), ...csv.headers },
      payload: csv.payload,
    });
    const res = await Promise.race([
      answer,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000)),
    ]);
    expect(res?.statusCode).toBe(201);
    expect(sent).toEqual([res?.json<{ id: string }>().id]);
    expect(store.state.enqueued.map((j) => j.batchId)).toEqual(sent);
    await t.app.close();
  });

  it('announce upload, retry and delete to the owner’s stream, trimmed and expiring', async () => {
    const t = await appWithPublisher(false);
    const headers = { ...bearer(await tokenFor('owner')), ...csv.headers };
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/batches/upload',
      headers,
      payload: csv.payload,
    });
    expect(res.statusCode).toBe(201);
    const id = res.json<{ id: string }>().id;
    const stored = t.store.state.batches.get(id)!;
    t.store.state.batches.set(id, { ...stored, status: 'error', errorMessage: 'boom' });
    const auth = bearer(await tokenFor('owner'));
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/batches/${id}/retry`, headers: auth })).statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/batches/${id}`, headers: auth })).statusCode,
    ).toBe(204);
    await t.app.close();

    expect(t.published.map((p) => p.key)).toEqual(Array(3).fill('batchport:events:owner'));
    for (const p of t.published) {
      expect(p.args.slice(0, 4)).toEqual(['MAXLEN', '~', STREAM_MAX_LENGTH, '*']);
      expect(p.expire).toEqual(['batchport:events:owner', STREAM_TTL_SECONDS]);
    }
    const [created, retried, deleted] = t.published.map((p) => ({
      type: p.args[5],
      data: JSON.parse(p.args[7] as string) as Record<string, unknown>,
    }));
    expect(created).toEqual({
      type: 'batch',
      data: {
        id,
        status: 'uploaded',
        version: stored.version,
        progress: 0,
        rowsRead: 0,
        recordsLoaded: 0,
        invalidRows: 0,
        knownContacts: 0,
        fileName: 'people.csv',
        updatedAt: stored.updatedAt.toISOString(),
      },
    });
    expect(retried?.type).toBe('batch');
    expect(retried?.data['status']).toBe('uploaded');
    expect(deleted).toEqual({ type: 'deleted', data: { id } });
    expect(await t.failures()).toBe(0);
  });

  it('an upload and a delete succeed when Redis refuses the event; the failure is counted', async () => {
    const t = await appWithPublisher(true);
    const headers = { ...bearer(await tokenFor('owner')), ...csv.headers };
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/batches/upload',
      headers,
      payload: csv.payload,
    });
    expect(res.statusCode).toBe(201);
    const id = res.json<{ id: string }>().id;
    const auth = bearer(await tokenFor('owner'));
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/batches/${id}`, headers: auth })).statusCode,
    ).toBe(204);
    await t.app.close();
    expect(t.published).toEqual([]);
    expect(await t.failures()).toBe(2);
  });

  it('worker writes announce the row as re-read, only when the write took effect', async () => {
    const { publisher, published, failures } = publisherOver(false);
    const batch = { id: 'b1', userId: 'u1', fileName: 'f.csv', updatedAt: new Date(0) } as Batch;
    let written = true;
    const reads: string[] = [];
    const inner = strictDouble<BatchRepository>('batchRepository', {
      updateProgress: async () => written,
      markLoaded: async () => written,
      findById: async (id: string) => {
        reads.push(id);
        return {
          ...batch,
          status: 'loaded',
          progress: 100,
          rowsRead: 3,
          recordsLoaded: 2,
          invalidRows: 1,
          errorMessage: null,
        };
      },
    });
    const repo = publishingBatchRepository(inner, publisher);
    const counts = { rowsRead: 3, recordsLoaded: 2, invalidRows: 1 };
    expect(await repo.updateProgress('b1', 1, 50, counts)).toBe(true);
    expect(await repo.markLoaded('b1', 1, counts)).toBe(true);
    written = false; // fenced out (deleted or retried): nothing happened, nothing is announced
    expect(await repo.markLoaded('b1', 1, counts)).toBe(false);
    expect(reads).toEqual(['b1', 'b1']);
    expect(published.map((p) => p.key)).toEqual(['batchport:events:u1', 'batchport:events:u1']);
    expect(JSON.parse(published[1]!.args[7] as string)).toMatchObject({ status: 'loaded', progress: 100 });
    expect(await failures()).toBe(0);
  });

  it('a failed re-read is counted, never thrown into the job', async () => {
    const { publisher, published, failures } = publisherOver(false);
    const inner = strictDouble<BatchRepository>('batchRepository', {
      markParsed: async () => true,
      findById: async () => {
        throw new Error('connection terminated');
      },
    });
    const repo = publishingBatchRepository(inner, publisher);
    expect(await repo.markParsed('b1', 1, { rowsRead: 1, recordsLoaded: 1, invalidRows: 0 }, 95)).toBe(true);
    expect(published).toEqual([]);
    expect(await failures()).toBe(1);
  });
});
