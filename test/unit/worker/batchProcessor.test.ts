import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Batch, BatchCounts } from '../../../src/domain/batch.js';
import { KnownContactsPendingError, NotFoundError } from '../../../src/errors.js';
import type { IndexingRun } from '../../../src/contactIndex/indexingRun.js';
import { KNOWN_WAIT_MAX_MS } from '../../../src/worker/knownCountWait.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import type { ContactRecord, InvalidRow } from '../../../src/parsing/types.js';
import type { ProcessBatchJobData } from '../../../src/queue/batchQueue.js';
import type { BatchRepository } from '../../../src/repositories/batchRepository.js';
import type { RecordsRepository } from '../../../src/repositories/records/recordsRepository.js';
import type { FileStorage } from '../../../src/storage/fileStorage.js';
import { createBatchProcessor } from '../../../src/worker/batchProcessor.js';
import { POISON_FILE_MESSAGE } from '../../../src/worker/poisonFile.js';
import { contactsCsv } from '../../support/contactsCsv.js';
import { fixture } from '../parsing/helpers.js';

/** In-memory stand-ins with the same fencing rules as the SQL in batchRepository. */
function fakes(
  content: string | Buffer,
  format: Batch['fileFormat'] = 'csv',
  options: Pick<Batch, 'mapping' | 'phoneRegion'> & Partial<Pick<Batch, 'encodingOverride'>> = {
    mapping: null,
    phoneRegion: null,
  },
) {
  const batch: Batch = {
    encodingOverride: null,
    textEncoding: null,
    ...options,
    id: '11111111-1111-4111-8111-111111111111',
    userId: 'u',
    userEmail: 'u@example.com',
    fileName: `f.${format}`,
    fileSize: Buffer.byteLength(content),
    fileFormat: format,
    mimeType: null,
    storageKey: 'batches/u@example.com/x',
    store: null,
    sha256: '0'.repeat(64),
    idempotencyKey: null,
    status: 'uploaded',
    progress: 0,
    errorMessage: null,
    rowsRead: 0,
    recordsLoaded: 0,
    invalidRows: 0,
    knownContacts: 0,
    contactIndexSeq: null,
    attempt: 1,
    version: 1,
    recordsKey: '11111111-1111-4111-8111-111111111111',
    readingKey: null,
    reading: 0,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  let row: Batch | null = batch;
  const progressSeen: number[] = [];
  const stored = new Map<number, ContactRecord>();
  const invalid = new Map<number, InvalidRow>();
  let onWrite: (() => void) | undefined;
  const live = (attempt: number, statuses: string[]) =>
    row !== null && row.attempt === attempt && statuses.includes(row.status);
  const setCounts = (c?: BatchCounts) => {
    if (row && c) {
      Object.assign(row, c);
    }
  };
  const batchRepository = {
    findById: (id: string) => Promise.resolve(row && row.id === id ? { ...row } : null),
    markParsing: (_id: string, attempt: number) => {
      if (!live(attempt, ['uploaded', 'parsing', 'parsed'])) {
        return Promise.resolve(null);
      }
      row!.status = row!.status === 'parsed' ? 'parsed' : 'parsing'; // as the SQL: parsed stays
      return Promise.resolve({ ...row! });
    },
    updateProgress: (_id: string, attempt: number, progress: number, counts?: BatchCounts) => {
      if (!live(attempt, ['parsing', 'parsed'])) {
        return Promise.resolve(false);
      }
      row!.progress = Math.max(row!.progress, Math.min(99, progress));
      progressSeen.push(row!.progress);
      setCounts(counts);
      return Promise.resolve(true);
    },
    markParsed: (
      _id: string,
      attempt: number,
      counts: BatchCounts,
      progress: number,
      textEncoding: string | null = null,
    ) => {
      if (!live(attempt, ['parsing', 'parsed'])) {
        return Promise.resolve(false);
      }
      row!.status = 'parsed';
      row!.textEncoding = textEncoding;
      row!.progress = Math.max(row!.progress, progress);
      progressSeen.push(row!.progress);
      setCounts(counts);
      return Promise.resolve(true);
    },
    markLoaded: (_id: string, attempt: number, counts: BatchCounts) => {
      if (!live(attempt, ['parsing', 'parsed'])) {
        return Promise.resolve(false);
      }
      row!.status = 'loaded';
      row!.progress = 100;
      progressSeen.push(100);
      setCounts(counts);
      return Promise.resolve(true);
    },
    markError: (_id: string, attempt: number, message: string, counts?: BatchCounts) => {
      if (!row || row.attempt !== attempt || row.status === 'loaded') {
        return Promise.resolve(false);
      }
      row.status = 'error';
      row.errorMessage = message;
      setCounts(counts);
      return Promise.resolve(true);
    },
  } as unknown as BatchRepository;
  // In 4 KiB pieces, as a store streams a file: the parser hands rows on a piece at a time.
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const pieces = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) =>
    bytes.subarray(i * 4096, (i + 1) * 4096),
  );
  let reads = 0;
  const storage = {
    get: () => {
      reads += 1;
      return Promise.resolve(Readable.from(pieces));
    },
    identity: () => ({ backend: 'local', store: 'unit' }),
  } as unknown as FileStorage;
  const records = {
    writeRecords: (_id: string, rs: readonly ContactRecord[]) => {
      onWrite?.();
      rs.forEach((r) => stored.set(r.rowNumber, r));
      return Promise.resolve();
    },
    writeInvalidRows: (_id: string, rs: readonly InvalidRow[]) => {
      rs.forEach((r) => invalid.set(r.rowNumber, r));
      return Promise.resolve();
    },
    deleteBatch: () => {
      stored.clear();
      invalid.clear();
      return Promise.resolve();
    },
  } as unknown as RecordsRepository;
  const processor = createBatchProcessor(
    {
      batchRepository,
      storage,
      records,
      metrics: createMetrics('worker'),
      logger: pino({ level: 'silent' }),
    },
    {
      maxRowsPerBatch: 10_000,
      maxUncompressedBytes: 1 << 26,
      defaultPhoneRegion: 'US',
      maxStalledCount: 3,
      chunkSize: 100,
      progressIntervalMs: 0,
    },
  );
  const job = {
    data: { batchId: batch.id, attempt: 1 },
    attemptsMade: 0,
    stalledCounter: 0,
    opts: { attempts: 3 },
  } as Job<ProcessBatchJobData>;
  return {
    processor,
    job,
    storage,
    reads: () => reads,
    repo: batchRepository,
    records,
    row: () => row,
    deleteRow: () => {
      row = null;
    },
    progressSeen,
    stored,
    invalid,
    setOnWrite: (f: () => void) => {
      onWrite = f;
    },
  };
}

describe('batchProcessor', () => {
  it('moves a batch to loaded with exact counts and monotonic progress ending at 100', async () => {
    const f = fakes(contactsCsv(1000) + ',,,,,,\r\nx,,not-an-email,,,,\r\n,,,,,,\r\n,,bad,,,,\r\n');
    expect(await f.processor.process(f.job)).toBe('loaded');
    expect(f.row()).toMatchObject({ status: 'loaded', progress: 100, rowsRead: 1002, invalidRows: 1 });
    expect(f.stored.size).toBe(1001);
    expect(f.invalid.size).toBe(1);
    expect(f.progressSeen.length).toBeGreaterThan(5);
    expect(f.progressSeen).toEqual([...f.progressSeen].sort((a, b) => a - b));
    expect(f.progressSeen.filter((p) => p === 100)).toHaveLength(1);
    expect(f.progressSeen.at(-1)).toBe(100);
  });

  it('decodes a legacy file in the encoding it detects and records that encoding (issue 22)', async () => {
    const f = fakes(fixture('thirdparty/windows-1250.csv'));
    expect(await f.processor.process(f.job)).toBe('loaded');
    expect(f.row()).toMatchObject({ status: 'loaded', textEncoding: 'windows-1250' });
    expect(f.stored.get(1)?.fullName).toBe('Łukasz Wiśniewski');
  });

  it('decodes in the uploader’s encoding instead, and records it', async () => {
    const f = fakes(fixture('thirdparty/windows-1250.csv'), 'csv', {
      mapping: null,
      phoneRegion: null,
      encodingOverride: 'windows-1252',
    });
    expect(await f.processor.process(f.job)).toBe('loaded');
    expect(f.row()).toMatchObject({ textEncoding: 'windows-1252' });
    expect(f.stored.get(1)?.fullName).toBe('£ukasz Wiœniewski');
  });

  it('fails unrecoverably with a user message when no row is a contact', async () => {
    const f = fakes('Name,Email\r\n,not-an-email\r\n,also-bad\r\n');
    await expect(f.processor.process(f.job)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(f.row()).toMatchObject({ status: 'error', rowsRead: 2, invalidRows: 2 });
    expect(f.row()?.errorMessage).toMatch(/^no contacts found: all 2 rows are invalid \(first: row 1: /);
  });

  it('stops when the batch is deleted mid-way and removes what it wrote', async () => {
    const f = fakes(contactsCsv(2000));
    let writes = 0;
    f.setOnWrite(() => {
      if (++writes === 3) {
        f.deleteRow();
      }
    });
    expect(await f.processor.process(f.job)).toBe('cancelled');
    expect(f.stored.size).toBe(0);
    expect(writes).toBeLessThan(20);
  });

  it('does nothing for a job of an earlier attempt (superseded by a retry)', async () => {
    const f = fakes(contactsCsv(10));
    f.row()!.attempt = 2;
    expect(await f.processor.process(f.job)).toBe('cancelled');
    expect(f.stored.size).toBe(0);
  });

  it('reads a file whose job lost its worker fewer than maxStalledCount times', async () => {
    const f = fakes(contactsCsv(10));
    expect(await f.processor.process({ ...f.job, stalledCounter: 2 } as Job<ProcessBatchJobData>)).toBe(
      'loaded',
    );
  });

  it('ends a poison file in error, without reading it, once its job stalled maxStalledCount times', async () => {
    const f = fakes(contactsCsv(10));
    const stalled = { ...f.job, stalledCounter: 3 } as Job<ProcessBatchJobData>;
    await expect(f.processor.process(stalled)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(f.row()).toMatchObject({ status: 'error', errorMessage: POISON_FILE_MESSAGE });
    expect(f.stored.size).toBe(0);
  });

  it('skips a batch that is already terminal', async () => {
    const f = fakes(contactsCsv(10));
    f.row()!.status = 'loaded';
    expect(await f.processor.process(f.job)).toBe('skipped');
  });
});

describe('batchProcessor with a missing stored file', () => {
  it('ends the batch in error at once instead of retrying', async () => {
    const f = fakes(contactsCsv(1));
    const missing = createBatchProcessor(
      {
        batchRepository: f.repo,
        storage: {
          get: () => Promise.reject(new NotFoundError('stored file not found')),
          identity: () => ({ backend: 'local', store: 'unit' }),
        },
        records: f.records,
        metrics: createMetrics('worker'),
        logger: pino({ level: 'silent' }),
      },
      { maxRowsPerBatch: 10, maxUncompressedBytes: 1 << 20, defaultPhoneRegion: 'US', maxStalledCount: 3 },
    );
    await expect(missing.process(f.job)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(f.row()).toMatchObject({
      status: 'error',
      errorMessage: 'the uploaded file is missing from storage; upload it again',
    });
  });
});

describe('batchProcessor while an earlier batch of the user is still loading', () => {
  /** A processor with a contact index whose count is pending while `pending` is true. */
  function withIndex(f: ReturnType<typeof fakes>) {
    const state = {
      pending: true,
      calls: [] as Array<{ mayDefer?: boolean; recount?: boolean }>,
      woken: [] as string[],
    };
    const run: IndexingRun = {
      records: (inner) => inner,
      beforeLoaded: (options = {}) => {
        state.calls.push(options);
        return state.pending
          ? Promise.reject(new KnownContactsPendingError('an earlier batch is still loading'))
          : Promise.resolve();
      },
      nextInLine: () => Promise.resolve(['next-in-line', 'after-it']),
      abandon: () => Promise.resolve(),
    };
    const processor = createBatchProcessor(
      {
        batchRepository: f.repo,
        storage: f.storage,
        records: f.records,
        metrics: createMetrics('worker'),
        logger: pino({ level: 'silent' }),
        contactIndex: { begin: () => Promise.resolve(run) },
        wakeBatchJob: (id) => {
          state.woken.push(id);
          return Promise.resolve();
        },
      },
      {
        maxRowsPerBatch: 10_000,
        maxUncompressedBytes: 1 << 26,
        defaultPhoneRegion: 'US',
        maxStalledCount: 3,
      },
    );
    const delays: number[] = [];
    const job = {
      ...f.job,
      data: { ...f.job.data },
      updateData(this: { data: ProcessBatchJobData }, data: ProcessBatchJobData) {
        this.data = data;
        return Promise.resolve();
      },
      moveToDelayed(timestamp: number) {
        delays.push(timestamp - Date.now());
        return Promise.resolve();
      },
    } as unknown as Job<ProcessBatchJobData>;
    return { processor, job, state, delays };
  }

  it('puts the job back with every row written (no slot held), then loads it without reading the file again', async () => {
    const f = fakes(contactsCsv(10) + ',,bad,,,,\r\n');
    const { processor, job, state, delays } = withIndex(f);

    await expect(processor.process(job)).rejects.toBeInstanceOf(DelayedError);
    expect(f.row()).toMatchObject({ status: 'parsed', rowsRead: 11, recordsLoaded: 10, invalidRows: 1 });
    expect(job.data.knownWait).toMatchObject({ tries: 1 });
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(900);
    expect(state.calls).toEqual([{ mayDefer: true }]);
    expect(f.reads()).toBe(1);
    // Its sightings are written: the batches behind it that wait only for those run now.
    expect(state.woken).toEqual(['next-in-line', 'after-it']);

    await expect(processor.process(job)).rejects.toBeInstanceOf(DelayedError); // still pending
    expect(job.data.knownWait).toMatchObject({ tries: 2 });
    expect(delays[1]).toBeGreaterThanOrEqual(1_900);

    state.pending = false;
    expect(await processor.process(job)).toBe('loaded');
    expect(f.row()).toMatchObject({ status: 'loaded', progress: 100, rowsRead: 11, recordsLoaded: 10 });
    expect(f.reads()).toBe(1); // the file was read once, by the first run
    expect(state.woken).toHaveLength(6); // woken after each of the three runs
    expect(state.calls.slice(1)).toEqual([
      { mayDefer: true, recount: true },
      { mayDefer: true, recount: true },
    ]);
  });

  it('counts without waiting any longer once it was put back for the whole wait', async () => {
    const f = fakes(contactsCsv(3));
    const { processor, job, state } = withIndex(f);
    await expect(processor.process(job)).rejects.toBeInstanceOf(DelayedError);
    job.data.knownWait = { since: Date.now() - KNOWN_WAIT_MAX_MS - 1, tries: 9 };
    state.pending = false;
    expect(await processor.process(job)).toBe('loaded');
    expect(state.calls.at(-1)).toEqual({ mayDefer: false, recount: true });
  });
});
