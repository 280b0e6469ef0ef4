/* eslint-disable @typescript-eslint/require-await -- the doubles keep the adapters' async signatures without doing I/O */
import { decodeCursor, encodeCursor } from '../../../src/repositories/records/cursor.js';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BATCH_STATUSES, type Batch, type BatchStats } from '../../../src/domain/batch.js';
import { IdempotencyKeyTakenError } from '../../../src/errors.js';
import type { ContactRecord, InvalidRow } from '../../../src/parsing/types.js';
import type { BatchFixRepository } from '../../../src/repositories/batchFixRepository.js';
import type { createBatchService } from '../../../src/services/batchService.js';
import type { createBatchUploadService } from '../../../src/services/batchUploadService.js';
import type { FileStorage } from '../../../src/storage/fileStorage.js';
import { strictDouble } from './strictDouble.js';

type ServiceDeps = Parameters<typeof createBatchService>[0];
type UploadDeps = Parameters<typeof createBatchUploadService>[0] & {
  storage: Pick<FileStorage, 'get'>;
};
/** The upload service takes the same repository type as the batch service. */
type BatchRepo = ServiceDeps['batchRepository'];
type NewBatch = Parameters<BatchRepo['insert']>[0];

/**
 * In-memory stand-ins for the adapters behind the batch services (PostgreSQL batches table,
 * records store, object storage, queue), sharing one state so a test can seed it and look at
 * it. Only what the HTTP paths use is implemented (see strictDouble).
 */

/** A stored fix: the invalid row it replaced, whether it is counted, the index keys it wrote. */
interface MemoryFix {
  row: InvalidRow;
  counted: boolean;
  keys: string[];
}
export function createMemoryStore() {
  const batches = new Map<string, Batch>();
  const records = new Map<string, ContactRecord[]>();
  const invalidRows = new Map<string, InvalidRow[]>();
  /** batch_row_fixes: batch -> row -> the invalid row fixed, and whether the counts moved for it. */
  const fixes = new Map<string, Map<number, MemoryFix>>();
  const files = new Map<string, Buffer>();
  /** The content type each stored file was put with. */
  const contentTypes = new Map<string, string | undefined>();
  const enqueued: Array<{ batchId: string; attempt: number }> = [];
  let clock = Date.parse('2026-01-01T00:00:00Z');

  function seedBatch(
    fields: Partial<Omit<Batch, 'mapping' | 'phoneRegion' | 'encodingOverride'>> &
      Pick<Batch, 'userId'> & {
        mapping?: Batch['mapping'] | undefined;
        phoneRegion?: string | null | undefined;
        encodingOverride?: string | null | undefined;
      },
  ): Batch {
    const id = fields.id ?? randomUUID();
    const at = new Date((clock += 1000));
    const batch: Batch = {
      id,
      userEmail: `${fields.userId}@example.com`,
      fileName: 'contacts.csv',
      fileSize: 42,
      fileFormat: 'csv',
      mimeType: 'text/csv',
      storageKey: `uploads/${id}`,
      store: null,
      sha256: 'a'.repeat(64),
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
      readingKey: null,
      reading: 0,
      createdAt: at,
      updatedAt: at,
      ...fields,
      recordsKey: fields.recordsKey ?? id,
      mapping: fields.mapping ?? null,
      phoneRegion: fields.phoneRegion ?? null,
      encodingOverride: fields.encodingOverride ?? null,
      textEncoding: fields.textEncoding ?? null,
    };
    batches.set(id, batch);
    return batch;
  }

  const newestFirst = (userId: string) =>
    [...batches.values()]
      .filter((b) => b.userId === userId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());

  const batchRepository = strictDouble<BatchRepo>('batchRepository', {
    insert: async (batch: NewBatch) => {
      const taken = batch.idempotencyKey
        ? newestFirst(batch.userId).some((b) => b.idempotencyKey === batch.idempotencyKey)
        : false;
      if (taken) {
        throw new IdempotencyKeyTakenError('idempotency key already used');
      }
      return seedBatch(batch);
    },
    findById: async (id) => batches.get(id) ?? null,
    findForUser: async (id, userId) => {
      const batch = batches.get(id);
      return batch?.userId === userId ? batch : null;
    },
    statusForUser: async (id, userId) => {
      const batch = batches.get(id);
      return batch?.userId === userId ? batch : null;
    },
    findByIdempotencyKey: async (userId, key) =>
      newestFirst(userId).find((b) => b.idempotencyKey === key) ?? null,
    list: async (userId, { status, page, limit }) => {
      const all = newestFirst(userId).filter((b) => !status || b.status === status);
      return { batches: all.slice((page - 1) * limit, page * limit), total: all.length };
    },
    recent: async (userId, limit) => newestFirst(userId).slice(0, limit),
    stats: async (userId) => {
      const mine = newestFirst(userId);
      const stats = { total: mine.length } as BatchStats;
      for (const status of BATCH_STATUSES) {
        stats[status] = mine.filter((b) => b.status === status).length;
      }
      return stats;
    },
    startReading: (...args) => startReading(...args),
    resetForRetry: async (id, userId) => {
      const batch = batches.get(id);
      if (batch?.userId !== userId || batch.status !== 'error') {
        return null;
      }
      const reset = {
        ...batch,
        status: 'uploaded' as const,
        errorMessage: null,
        textEncoding: null,
        attempt: batch.attempt + 1,
        version: batch.version + 1,
      };
      batches.set(id, reset);
      return reset;
    },
  });

  /** Like batchReadings.startReading: loaded/error only, a fresh attempt and reading key. */
  const startReading: BatchRepo['startReading'] = async (id, userId, options) => {
    const batch = batches.get(id);
    if (batch?.userId !== userId || (batch.status !== 'loaded' && batch.status !== 'error')) {
      return null;
    }
    const started: Batch = {
      ...batch,
      ...options,
      status: 'uploaded',
      errorMessage: null,
      rowsRead: 0,
      recordsLoaded: 0,
      invalidRows: 0,
      textEncoding: null,
      attempt: batch.attempt + 1,
      readingKey: randomUUID(),
      version: batch.version + 1,
    };
    batches.set(id, started);
    return { batch: started, droppedFixes: fixes.get(id)?.size ?? 0 };
  };

  const batchDeletionRepository = strictDouble<ServiceDeps['batchDeletionRepository']>(
    'batchDeletionRepository',
    {
      deleteWithCleanup: async (id, userId) => {
        const batch = batches.get(id);
        if (batch?.userId !== userId) {
          return null;
        }
        batches.delete(id);
        return { batchId: id, storageKey: batch.storageKey, store: batch.store, attempts: 0 };
      },
    },
  );

  const recordsRepository = strictDouble<ServiceDeps['records']>('records', {
    listRecords: async (batchId, { limit, cursor }) => {
      const all = records.get(batchId) ?? [];
      // The stores' own cursor form (the index of the next record here, not a row number).
      const start = cursor === undefined ? 0 : decodeCursor(cursor);
      const page = all.slice(start, start + limit);
      return { records: page, nextCursor: start + limit < all.length ? encodeCursor(start + limit) : null };
    },
    streamInvalidRows: async function* (batchId) {
      yield* invalidRows.get(batchId) ?? [];
    },
    listInvalidRows: async (batchId, { limit, cursor }) => {
      const all = invalidRows.get(batchId) ?? [];
      const start = cursor === undefined ? 0 : Number(cursor);
      return {
        rows: all.slice(start, start + limit),
        nextCursor: start + limit < all.length ? String(start + limit) : null,
      };
    },
    findInvalidRows: async (batchId, rowNumbers) =>
      (invalidRows.get(batchId) ?? []).filter((r) => rowNumbers.includes(r.rowNumber)),
    replaceInvalidRows: async (batchId, fixed) => {
      const numbers = new Set(fixed.map((r) => r.rowNumber));
      const kept = (records.get(batchId) ?? []).filter((r) => !numbers.has(r.rowNumber));
      records.set(
        batchId,
        [...kept, ...fixed].sort((a, b) => a.rowNumber - b.rowNumber),
      );
      invalidRows.set(
        batchId,
        (invalidRows.get(batchId) ?? []).filter((r) => !numbers.has(r.rowNumber)),
      );
    },
    deleteBatch: async (batchId) => {
      records.delete(batchId);
      invalidRows.delete(batchId);
    },
  });

  const batchFixRepository = strictDouble<BatchFixRepository>('batchFixRepository', {
    find: async (batchId, rowNumbers) =>
      [...(fixes.get(batchId)?.values() ?? [])]
        .map((f) => f.row)
        .filter((r) => rowNumbers.includes(r.rowNumber)),
    remember: async (batchId, rows) => {
      const mine = fixes.get(batchId) ?? new Map<number, MemoryFix>();
      const keysByRow = new Map<number, string[]>();
      for (const { base, keys } of rows) {
        const entry = mine.get(base.rowNumber) ?? { row: base, counted: false, keys: [] };
        entry.keys = [...new Set([...entry.keys, ...keys])].sort();
        mine.set(base.rowNumber, entry);
        keysByRow.set(base.rowNumber, entry.keys);
      }
      fixes.set(batchId, mine);
      return keysByRow;
    },
    settleIndex: async (batchId, rows) => {
      for (const { rowNumber, keys } of rows) {
        const entry = fixes.get(batchId)?.get(rowNumber);
        if (entry) {
          entry.keys = [...keys];
        }
      }
    },
    countFixes: async (batchId) => {
      const batch = batches.get(batchId);
      if (batch?.status !== 'loaded') {
        return false;
      }
      const pending = [...(fixes.get(batchId)?.values() ?? [])].filter((f) => !f.counted);
      pending.forEach((f) => (f.counted = true));
      batches.set(batchId, {
        ...batch,
        invalidRows: batch.invalidRows - pending.length,
        recordsLoaded: batch.recordsLoaded + pending.length,
        version: batch.version + 1,
      });
      return true;
    },
  });

  const storage = strictDouble<UploadDeps['storage']>('storage', {
    put: async (key: string, body: Readable, options?: { contentType?: string }) => {
      contentTypes.set(key, options?.contentType);
      const chunks: Buffer[] = [];
      for await (const chunk of body) {
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
      files.set(key, Buffer.concat(chunks));
    },
    delete: async (key: string) => void files.delete(key),
    // Remembered mappings read the stored file's header row at upload.
    get: async (key: string) => Readable.from([files.get(key) ?? Buffer.alloc(0)]),
    identity: () => ({ backend: 'local' as const, store: 'memory' }),
  });

  const queue = strictDouble<ServiceDeps['queue']>('queue', {
    enqueueBatch: async (batchId, attempt) => void enqueued.push({ batchId, attempt }),
    enqueueNewBatch: async (batchId) => void enqueued.push({ batchId, attempt: 1 }),
  });

  const removeOwned = ({ batchId, storageKey }: { batchId: string; storageKey: string }) => {
    files.delete(storageKey);
    records.delete(batchId);
    invalidRows.delete(batchId);
  };
  const cleanup = strictDouble<ServiceDeps['cleanup']>('cleanup', {
    cleanup: async (deletion) => {
      removeOwned(deletion);
      return true;
    },
    inBackground: (deletion) => removeOwned(deletion),
  });

  return {
    state: { batches, records, invalidRows, fixes, files, contentTypes, enqueued },
    seedBatch,
    adapters: {
      batchRepository,
      batchDeletionRepository,
      batchFixRepository,
      records: recordsRepository,
      storage,
      queue,
      cleanup,
    },
  };
}

export type MemoryStore = ReturnType<typeof createMemoryStore>;
