import type { BatchCounts } from '../domain/batch.js';
import type { ContactRecord, InvalidRow } from '../parsing/types.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';

export interface ChunkWriterSettings {
  /** Records (or invalid rows) per write to the records store. */
  chunkSize: number;
  /** Chunk writes allowed in flight while parsing goes on. */
  maxInFlight: number;
}

/**
 * Buffers parsed rows and writes them in chunks, a few writes in flight while parsing continues
 * (parsing and the records store overlap instead of taking turns). The first failed write is
 * rethrown at the next `flush`, so the processor stops at a known point.
 */
export function createChunkWriter(
  records: Pick<RecordsRepository, 'writeRecords' | 'writeInvalidRows'>,
  batchId: string,
  counts: BatchCounts,
  settings: ChunkWriterSettings,
) {
  let pendingRecords: ContactRecord[] = [];
  let pendingInvalid: InvalidRow[] = [];
  const inFlight = new Set<Promise<void>>();
  let writeError: Error | null = null;

  function startWrite(recordsChunk: ContactRecord[], invalidChunk: InvalidRow[]): void {
    const write = (async () => {
      if (recordsChunk.length > 0) {
        await records.writeRecords(batchId, recordsChunk);
      }
      if (invalidChunk.length > 0) {
        await records.writeInvalidRows(batchId, invalidChunk);
      }
      counts.recordsLoaded += recordsChunk.length;
    })().catch((error: unknown) => {
      writeError ??= error instanceof Error ? error : new Error('records write failed', { cause: error });
    });
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
  }

  return {
    addRecord(record: ContactRecord): void {
      pendingRecords.push(record);
    },

    addInvalid(row: InvalidRow): void {
      pendingInvalid.push(row);
    },

    /** True when `flush(false)` would start a write: a chunk of records or invalid rows is full. */
    chunkFull(): boolean {
      return pendingRecords.length >= settings.chunkSize || pendingInvalid.length >= settings.chunkSize;
    },

    /** Starts a write when a chunk is full (or always, when `force`), then waits for room. */
    async flush(force: boolean): Promise<void> {
      const size = settings.chunkSize;
      if (force || pendingRecords.length >= size || pendingInvalid.length >= size) {
        startWrite(pendingRecords, pendingInvalid);
        pendingRecords = [];
        pendingInvalid = [];
      }
      while (inFlight.size >= (force ? 1 : settings.maxInFlight)) {
        await Promise.race(inFlight);
      }
      if (writeError) {
        throw writeError;
      }
    },

    /** Lets every write in flight finish (or fail) before the caller decides what to clean up. */
    async settle(): Promise<void> {
      await Promise.allSettled(inFlight);
    },
  };
}

export type ChunkWriter = ReturnType<typeof createChunkWriter>;
