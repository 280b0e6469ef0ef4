/**
 * GET /api/batches/events on the real Redis: two API instances (A and B, each with its own
 * event hub and Redis reader, as two processes would have) and a worker. Events caused through
 * one instance reach a client of the other; Last-Event-ID resumes exactly; a trimmed or
 * malformed id resets; users never see each other's events; streams cost no Redis connection.
 */
import type { Job } from 'bullmq';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAppOptions } from '../../../src/apiServer.js';
import { EVENT_READER_CONNECTION_NAME } from '../../../src/composition.js';
import { processorDeps } from '../../../src/workerComposition.js';
import { batchDeleted } from '../../../src/events/batchEvent.js';
import { createEventPublisher } from '../../../src/events/eventPublisher.js';
import { STREAM_MAX_LENGTH, streamKey } from '../../../src/events/eventStreamKeys.js';
import { publishingBatchRepository } from '../../../src/events/publishingRepositories.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import type { ProcessBatchJobData } from '../../../src/queue/batchQueue.js';
import { createProducerRedis } from '../../../src/queue/redisConnection.js';
import { createBatchRepository } from '../../../src/repositories/batchRepository.js';
import { buildStorageKey } from '../../../src/storage/storageKey.js';
import { createBatchProcessor } from '../../../src/worker/batchProcessor.js';
import { buildApp } from '../../../src/http/app.js';
import { contactsCsv } from '../../support/contactsCsv.js';
import { openEventStream, type SseClient, type SseFrame } from '../../support/sseClient.js';
import { api, newUser, startStack, uploadForm, type TestStack } from '../../support/testStack.js';

const STATUS_ORDER = ['uploaded', 'parsing', 'parsed', 'loaded'];
const EVENT_KEYS = [
  'fileName',
  'id',
  'invalidRows',
  'knownContacts',
  'progress',
  'recordsLoaded',
  'rowsRead',
  'status',
  'updatedAt',
  'version',
];

let a: TestStack;
let b: TestStack;

beforeAll(async () => {
  const env = { EVENTS_HEARTBEAT_MS: '200' };
  a = await startStack({ storage: 'local', records: 'postgres', worker: true, env });
  // Same queue and storage folder as A: B takes uploads, A's worker processes them.
  b = await startStack({
    storage: 'local',
    records: 'postgres',
    env: { ...env, QUEUE_NAME: a.config.queueName, LOCAL_STORAGE_DIR: a.localDir },
  });
});

afterAll(async () => {
  await b?.close();
  await a?.close();
});

const eventsUrl = (stack: TestStack) => `${stack.baseUrl}/api/batches/events`;
const data = (frame: SseFrame) => JSON.parse(frame.data ?? 'null') as Record<string, unknown>;

async function upload(stack: TestStack, token: string, rows = 50): Promise<string> {
  const res = await api(stack, '/api/batches/upload', {
    method: 'POST',
    token,
    body: uploadForm(contactsCsv(rows), 'contacts.csv'),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const isLoaded = (id: string) => (f: SseFrame) =>
  f.event === 'batch' && data(f)['id'] === id && data(f)['status'] === 'loaded';

describe('live batch events across API instances and the worker', () => {
  it('a client of A sees an upload through B and the worker, in order, through loaded', async () => {
    const user = await newUser('events');
    const stream = await openEventStream(eventsUrl(a), user.token);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const id = await upload(b, user.token);
    await stream.waitFor(isLoaded(id));
    stream.close();

    expect(stream.frames[0]).toEqual({ retry: '3000' });
    const events = stream.events();
    const statuses = events.map((f) => data(f)['status'] as string);
    expect(statuses[0]).toBe('uploaded');
    expect(statuses.at(-1)).toBe('loaded');
    // Never backwards: uploaded -> parsing (with progress) -> parsed -> loaded.
    const ranks = statuses.map((s) => STATUS_ORDER.indexOf(s));
    expect(ranks.every((r, i) => r >= 0 && (i === 0 || r >= ranks[i - 1]!))).toBe(true);
    expect(statuses).toContain('parsing');
    const progress = events.map((f) => data(f)['progress'] as number);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    for (const frame of events) {
      expect(frame.event).toBe('batch');
      expect(Object.keys(data(frame)).sort()).toEqual(EVENT_KEYS);
      expect(data(frame)['fileName']).toBe('contacts.csv');
    }
    // Every write of the row bumps its version (a trigger): each event is newer than the last,
    // so a page can tell an older answer from a newer event whatever order they arrive in.
    const versions = events.map((f) => data(f)['version'] as number);
    expect(versions[0]).toBe(1);
    expect(versions.every((v, i) => i === 0 || v > versions[i - 1]!)).toBe(true);
    const ids = events.map((f) => f.id!);
    expect(new Set(ids).size).toBe(ids.length);
    // The last event is exactly what the status route answers, plus fileName and updatedAt.
    const status = await api(a, `/api/batches/${id}/status`, { token: user.token });
    const { fileName, updatedAt, ...statusPart } = data(events.at(-1)!);
    expect(statusPart).toEqual(status.body);
    expect(fileName).toBe('contacts.csv');
    expect(typeof updatedAt).toBe('string');
  });

  it('sends progress at the worker interval, never per row', async () => {
    const user = await newUser('cadence');
    const stream = await openEventStream(eventsUrl(a), user.token);
    const rows = 20_000;
    const id = await upload(b, user.token, rows);
    await stream.waitFor(isLoaded(id), 60_000);
    stream.close();
    const parsing = stream.events().filter((f) => data(f)['status'] === 'parsing');
    const progressed = parsing.filter((f) => (data(f)['rowsRead'] as number) > 0);
    expect(progressed.length).toBeGreaterThan(0);
    // The processor writes progress at most every 500 ms: the events span at least that long each.
    const times = progressed.map((f) => Date.parse(data(f)['updatedAt'] as string));
    const spanMs = times.at(-1)! - times[0]!;
    expect(progressed.length).toBeLessThanOrEqual(Math.floor(spanMs / 450) + 1);
    expect(stream.events().length).toBeLessThan(rows / 100);
  });

  it('a reconnect with Last-Event-ID gets exactly the events it missed, across instances', async () => {
    const user = await newUser('resume');
    // The witness stays connected to B the whole time; the client on A drops out midway.
    const witness = await openEventStream(eventsUrl(b), user.token);
    const client = await openEventStream(eventsUrl(a), user.token);
    const first = await upload(b, user.token, 10);
    await client.waitFor(isLoaded(first));
    const lastSeen = client.events().at(-1)!.id!;
    client.close();

    const retryFree = await api(b, `/api/batches/${first}`, { method: 'DELETE', token: user.token });
    expect(retryFree.status).toBe(204);
    const second = await upload(a, user.token, 10);
    await witness.waitFor(isLoaded(second));

    const resumed = await openEventStream(eventsUrl(a), user.token, lastSeen);
    await resumed.waitFor(isLoaded(second));
    resumed.close();
    witness.close();
    const missed = witness.events().slice(witness.events().findIndex((f) => f.id === lastSeen) + 1);
    expect(missed[0]).toEqual({ id: missed[0]!.id, event: 'deleted', data: JSON.stringify({ id: first }) });
    expect(resumed.events()).toEqual(missed);
    expect(resumed.frames.some((f) => f.event === 'reset')).toBe(false);
  });

  it('answers reset for a Last-Event-ID trimmed away or malformed, then carries on live', async () => {
    const user = await newUser('trimmed');
    const publisher = createEventPublisher({
      redis: a.redis,
      logger: pino({ level: 'silent' }),
      metrics: a.components.metrics,
      keyPrefix: a.config.redisKeyPrefix,
    });
    await publisher.publish(user.id, batchDeleted('00000000-0000-4000-8000-000000000001'));
    const oldest = (
      await a.redis.xrange(streamKey(a.config.redisKeyPrefix, user.id), '-', '+', 'COUNT', 1)
    )[0]![0];
    for (let i = 0; i < STREAM_MAX_LENGTH * 2; i++) {
      await publisher.publish(user.id, batchDeleted('00000000-0000-4000-8000-000000000002'));
    }
    expect(await a.redis.xlen(streamKey(a.config.redisKeyPrefix, user.id))).toBeLessThan(
      STREAM_MAX_LENGTH * 2,
    );

    for (const lastEventId of [oldest, 'not-an-id', '99999999999999-0']) {
      const stream = await openEventStream(eventsUrl(a), user.token, lastEventId);
      await stream.waitFor((f) => f.event === 'reset');
      const id = await upload(b, user.token, 5);
      await stream.waitFor(isLoaded(id));
      stream.close();
      // retry first, reset second, then only the new batch: none of the old entries replayed.
      expect(stream.frames[0]).toEqual({ retry: '3000' });
      expect(stream.events()[0]).toEqual({ event: 'reset', data: '{}' });
      expect(
        stream
          .events()
          .slice(1)
          .every((f) => data(f)['id'] === id),
      ).toBe(true);
    }
  });

  it('never shows a user the events of another user', async () => {
    const alice = await newUser('alice');
    const bob = await newUser('bob');
    const aliceStream = await openEventStream(eventsUrl(a), alice.token);
    const bobStream = await openEventStream(eventsUrl(a), bob.token);
    const bobOnB = await openEventStream(eventsUrl(b), bob.token);
    const aliceBatch = await upload(b, alice.token);
    await aliceStream.waitFor(isLoaded(aliceBatch));
    const bobBatch = await upload(a, bob.token, 5);
    await bobStream.waitFor(isLoaded(bobBatch));
    await bobOnB.waitFor(isLoaded(bobBatch));
    // Bob resuming from one of Alice's ids gets a reset, never her entries.
    const aliceId = aliceStream.events()[0]!.id!;
    const bobResumes = await openEventStream(eventsUrl(b), bob.token, aliceId);
    await bobResumes.waitFor((f) => f.event === 'reset');
    await new Promise((r) => setTimeout(r, 500));
    for (const s of [aliceStream, bobStream, bobOnB, bobResumes]) {
      s.close();
    }

    expect(aliceStream.events().every((f) => data(f)['id'] === aliceBatch)).toBe(true);
    for (const stream of [bobStream, bobOnB]) {
      expect(stream.events().length).toBeGreaterThan(0);
      expect(stream.events().every((f) => data(f)['id'] === bobBatch)).toBe(true);
    }
    expect(bobResumes.events()).toEqual([{ event: 'reset', data: '{}' }]);
  });

  it('sends a heartbeat comment at EVENTS_HEARTBEAT_MS', async () => {
    const user = await newUser('heartbeat');
    const stream = await openEventStream(eventsUrl(b), user.token);
    const started = Date.now();
    await stream.waitFor((f) => f.comment === 'ping', 5_000);
    stream.close();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('holds one Redis reader per instance however many streams are open, and frees them all', async () => {
    const readers = async () =>
      String(await a.redis.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${EVENT_READER_CONNECTION_NAME} `)).length;
    const clients = async () =>
      String(await a.redis.client('LIST'))
        .trim()
        .split('\n').length;
    const user = await newUser('many');
    const one = await openEventStream(eventsUrl(a), user.token);
    await one.waitFor((f) => f.retry !== undefined);
    const baseline = { readers: await readers(), clients: await clients() };
    expect(baseline.readers).toBeGreaterThanOrEqual(1);

    const others = await Promise.all(
      Array.from({ length: 3 }, async () => openEventStream(eventsUrl(a), (await newUser('many')).token)),
    );
    const more = await Promise.all(
      Array.from({ length: 4 }, () => openEventStream(eventsUrl(a), user.token)),
    );
    expect(a.components.eventHub.size()).toBe(8);
    expect(await readers()).toBe(baseline.readers);
    expect(await clients()).toBe(baseline.clients);

    for (const s of [one, ...others, ...more]) {
      s.close();
    }
    await waitUntil(() => a.components.eventHub.size() === 0);
    expect(await clients()).toBe(baseline.clients);
    const gauge = await a.components.metrics.eventStreams.get();
    expect(gauge.values[0]?.value).toBe(0);
  });

  it('a job still reaches loaded when Redis refuses every event; the failures are counted', async () => {
    const user = await newUser('no-redis');
    const content = contactsCsv(20);
    const id = randomUUID();
    const storageKey = buildStorageKey(user.email, id, 'contacts.csv');
    await a.storage.put(storageKey, Readable.from([Buffer.from(content)]));
    const plainRepository = createBatchRepository(a.db);
    // Inserted directly, never queued: only this test's processor works on it.
    await plainRepository.insert({
      id,
      userId: user.id,
      userEmail: user.email,
      fileName: 'contacts.csv',
      fileSize: Buffer.byteLength(content),
      fileFormat: 'csv',
      mimeType: 'text/csv',
      storageKey,
      sha256: createHash('sha256').update(content).digest('hex'),
      idempotencyKey: null,
      store: a.storage.identity(),
    });
    const deadRedis = createProducerRedis({ host: '127.0.0.1', port: 1, password: undefined });
    const metrics = createMetrics('worker');
    const publisher = createEventPublisher({
      redis: deadRedis,
      logger: pino({ level: 'silent' }),
      metrics,
      keyPrefix: a.config.redisKeyPrefix,
    });
    const processor = createBatchProcessor(
      {
        ...processorDeps(a.components),
        metrics,
        batchRepository: publishingBatchRepository(plainRepository, publisher),
      },
      { maxRowsPerBatch: 1000, maxUncompressedBytes: 1 << 26, defaultPhoneRegion: 'US', maxStalledCount: 3 },
    );
    const job = {
      data: { batchId: id, attempt: 1 },
      attemptsMade: 0,
      stalledCounter: 0,
      opts: { attempts: 1 },
    };
    try {
      expect(await processor.process(job as Job<ProcessBatchJobData>)).toBe('loaded');
    } finally {
      deadRedis.disconnect();
    }
    const status = await api(a, `/api/batches/${id}/status`, { token: user.token });
    expect(status.body).toMatchObject({ status: 'loaded', recordsLoaded: 20 });
    // claim, first progress write, parsed, loaded: each one refused, none thrown.
    const failures = (await metrics.eventPublishFailures.get()).values[0]?.value;
    expect(failures).toBeGreaterThanOrEqual(3);
  });

  it('app.close() ends open streams at once instead of waiting for them', async () => {
    const app = await buildApp(apiAppOptions(a.components));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (!address || typeof address === 'string') {
      throw new Error('no address');
    }
    const user = await newUser('shutdown');
    const streams: SseClient[] = await Promise.all(
      [1, 2].map(() => openEventStream(`http://127.0.0.1:${address.port}/api/batches/events`, user.token)),
    );
    await Promise.all(streams.map((s) => s.waitFor((f) => f.retry !== undefined)));
    const started = Date.now();
    await app.close();
    await Promise.all(streams.map((s) => s.ended));
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error('condition not reached in time');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
