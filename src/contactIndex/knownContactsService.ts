import type { Logger } from 'pino';
import type { ContactRecord } from '../contacts/contactSchema.js';
import type { Batch } from '../domain/batch.js';
import { NotFoundError } from '../errors.js';
import { encodeCursor } from '../repositories/records/cursor.js';
import type { RecordsRepository, StoredRecord } from '../repositories/records/recordsRepository.js';
import type { ContactIndexBatches } from './contactIndexBatches.js';
import type { ContactIndexStore, IndexOwner } from './contactIndexStore.js';
import { firstSightingsFor } from './firstSightingsFor.js';
import { beginIndexing, countKnown } from './indexingRun.js';
import { recordPages } from './recordPages.js';
import { keysOfRecords, seenInOf, type SeenIn } from './seenIn.js';

export type KnownContactsService = ReturnType<typeof createKnownContactsService>;

export type RecordWithSeenIn = StoredRecord & { seenIn: SeenIn | null };

/** Pages read at most per request when `known` filters, so one request stays bounded. */
export const MAX_SCANNED_PAGES = 20;

interface Deps {
  store: ContactIndexStore;
  batches: ContactIndexBatches;
  /** The records store: its pages are what is indexed, released and counted. */
  records: RecordsRepository;
}

/**
 * Duplicates across batches (issue #21): the worker's indexing (`begin`), the records API's
 * `seenIn` and `known` filter, and the two calls a re-read needs (`releaseBatchContacts`,
 * `reindexBatch`).
 */
export function createKnownContactsService(deps: Deps) {
  const { store, batches, records } = deps;

  /** The reading readers see, and its place in the user's order. */
  async function ownerOf(batch: Batch): Promise<IndexOwner | null> {
    if (batch.contactIndexSeq === null) {
      return null;
    }
    // While a re-read runs, the batch's seq is already the re-read's, but the records shown are
    // the previous reading's: judged by that reading's own place, as before the re-read started.
    const seq =
      batch.readingKey === null
        ? batch.contactIndexSeq
        : ((await store.readingSeq(batch.recordsKey)) ?? batch.contactIndexSeq);
    return { userId: batch.userId, batchId: batch.id, seq, recordsKey: batch.recordsKey };
  }

  /** `seenIn` of each record, from one batched read of the index. */
  async function withSeenIn(
    owner: IndexOwner | null,
    page: readonly StoredRecord[],
  ): Promise<RecordWithSeenIn[]> {
    if (owner === null || page.length === 0) {
      return page.map((r) => ({ ...r, seenIn: null })); // never indexed: nothing earlier known
    }
    const first = await firstSightingsFor(store, owner, keysOfRecords(page));
    return page.map((r) => ({ ...r, seenIn: seenInOf(r, owner, first) }));
  }

  return {
    /** The worker's hook for one attempt of `batch` (logging to the job's `logger`). */
    begin: (batch: Batch, logger: Logger) => beginIndexing({ store, batches, records, logger }, batch),

    /**
     * A page of records with `seenIn`. With `known` set, only records that are (true) or are not
     * (false) known: pages of the store are read until `limit` match or MAX_SCANNED_PAGES were
     * read, so a page may be short, even empty, while `nextCursor` is not null. The cursor is the
     * same kind as without the filter (the last row number looked at).
     */
    async listRecords(
      batch: Batch,
      options: { limit: number; cursor?: string | undefined; known?: boolean | undefined },
    ): Promise<{ records: RecordWithSeenIn[]; nextCursor: string | null }> {
      const { limit, known } = options;
      const owner = await ownerOf(batch);
      if (known === undefined) {
        const page = await records.listRecords(batch.recordsKey, options);
        return { records: await withSeenIn(owner, page.records), nextCursor: page.nextCursor };
      }
      const matched: RecordWithSeenIn[] = [];
      let cursor = options.cursor;
      for (let scanned = 0; scanned < MAX_SCANNED_PAGES; scanned++) {
        const page = await records.listRecords(batch.recordsKey, { limit, cursor });
        const annotated = await withSeenIn(owner, page.records);
        for (const [i, record] of annotated.entries()) {
          if ((record.seenIn !== null) !== known) {
            continue;
          }
          matched.push(record);
          if (matched.length === limit) {
            const more = i < annotated.length - 1 || page.nextCursor !== null;
            return { records: matched, nextCursor: more ? encodeCursor(record.rowNumber) : null };
          }
        }
        if (page.nextCursor === null) {
          return { records: matched, nextCursor: null };
        }
        cursor = page.nextCursor;
      }
      return { records: matched, nextCursor: cursor ?? null };
    },

    /**
     * Fixed rows of a loaded batch become records (issue #21): their sightings go into the index
     * under the batch's place, the sightings an earlier fix of the same rows left (`stale`) are
     * removed, and the rows whose record was seen in an earlier batch are answered. A batch loaded
     * before the index existed has no place: nothing is written and no fix is known.
     */
    async indexFixes(
      batch: Batch,
      fixed: readonly ContactRecord[],
      stale: readonly { key: string; row: number }[],
    ): Promise<Set<number>> {
      const owner = await ownerOf(batch);
      if (owner === null) {
        return new Set();
      }
      // Registered again (an idempotent upsert): if a delete's release ran between this fix's
      // read of the batch and its write, the release that follows (the fix's own clean-up of a
      // deleted batch) must still find these sightings.
      await store.register(owner);
      await store.write(owner, fixed);
      await store.forget(owner, stale);
      const first = await firstSightingsFor(store, owner, keysOfRecords(fixed));
      return new Set(fixed.filter((r) => seenInOf(r, owner, first) !== null).map((r) => r.rowNumber));
    },

    /**
     * Removes the entries of the batch's current reading from the index (its records must still
     * be stored). Other readings' entries go when their reading is released (releasingRecords.ts).
     */
    async releaseBatchContacts(batchId: string): Promise<void> {
      const batch = await batches.indexOwner(batchId);
      if (!batch) {
        throw new NotFoundError('batch not found');
      }
      await store.release(batch.recordsKey, () => recordPages(records, batch.recordsKey));
    },

    /**
     * Indexes the records of the batch's current reading again (e.g. for a batch loaded before
     * the index existed, or after an earlier batch was deleted) and recounts its knownContacts:
     * release, write every page, count. Keeps the batch's place in its user's order.
     */
    async reindexBatch(batchId: string): Promise<{ knownContacts: number }> {
      const batch = await batches.indexOwner(batchId);
      if (!batch) {
        throw new NotFoundError('batch not found');
      }
      const { recordsKey } = batch;
      await store.release(recordsKey, () => recordPages(records, recordsKey));
      const seq = batch.seq ?? (await batches.placeOf(batchId));
      if (seq === null) {
        throw new NotFoundError('batch not found');
      }
      const owner: IndexOwner = { userId: batch.userId, batchId, seq, recordsKey };
      await store.register(owner);
      for await (const page of recordPages(records, recordsKey)) {
        await store.write(owner, page);
      }
      const knownContacts = await countKnown({ store, records }, owner);
      await batches.setKnownContacts(batchId, knownContacts);
      return { knownContacts };
    },
  };
}
