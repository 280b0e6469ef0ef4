import type { Logger } from 'pino';
import { writeKeyOf, type Batch } from '../domain/batch.js';
import { BatchSupersededError, KnownContactsPendingError } from '../errors.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';
import type { ContactIndexBatches } from './contactIndexBatches.js';
import type { ContactIndexStore, IndexOwner } from './contactIndexStore.js';
import { firstSightingsFor } from './firstSightingsFor.js';
import { recordPages } from './recordPages.js';
import { keysOfRecords, seenInOf } from './seenIn.js';

export interface IndexingDeps {
  store: ContactIndexStore;
  batches: ContactIndexBatches;
  records: Pick<RecordsRepository, 'listRecords'>;
  logger: Logger;
}

/**
 * Batches woken per ended job. Enough to keep a worker's slots busy when a backlog of one user
 * unblocks at once (each ended job wakes the next ones again); the rest wait out their put-back
 * delay (≤ 15 s) at worst.
 */
const WAKE_LIMIT = 16;

type ChunkRecords = Pick<RecordsRepository, 'writeRecords' | 'writeInvalidRows'>;

/** What the worker's batch job does with the index: the hook in batchProcessor.ts. */
export interface IndexingRun {
  /** `records` whose writeRecords also writes the chunk's sightings and counts its known contacts. */
  records(inner: ChunkRecords): ChunkRecords;
  /**
   * After the last chunk, before `loaded`: marks the batch's sightings written (later batches stop
   * waiting for it), then settles and stores the batch's knownContacts. With
   * `mayDefer`, an earlier batch still loading throws KnownContactsPendingError (the job is put
   * back, src/worker/knownCountWait.ts); without, the count is taken anyway (logged). `recount`
   * counts from the stored records: a resumed job whose rows an earlier run of this attempt wrote.
   */
  beforeLoaded(options?: { mayDefer?: boolean; recount?: boolean }): Promise<void>;
  /**
   * The user's later batches that may be put back waiting and can count now (every batch before
   * them has written its sightings), in line order, at most WAKE_LIMIT: woken when this one ends.
   */
  nextInLine(): Promise<string[]>;
  /**
   * The job failed (and will run again or has ended): if no run of its attempt began an index
   * write under its place, it gives up the place (contactIndexBatches.releasePlace), so later batches do not wait for it. Best
   * effort: if that fails too, they wait until it runs again, as before.
   */
  abandon(): Promise<void>;
}

/** The known contacts of the owner's reading, counted from its stored records (a page at a time). */
export async function countKnown(deps: Pick<IndexingDeps, 'store' | 'records'>, owner: IndexOwner) {
  let known = 0;
  for await (const page of recordPages(deps.records, owner.recordsKey)) {
    const first = await firstSightingsFor(deps.store, owner, keysOfRecords(page));
    known += page.filter((r) => seenInOf(r, owner, first) !== null).length;
  }
  return known;
}

/**
 * One attempt's indexing. Hot path: each chunk's sightings are written and the first sightings of
 * its keys read in ONE batched read per index partition, both alongside the chunk's records write
 * (neither waits for the other: "earlier" is decided by seq, not by what is written yet), so
 * knownContacts needs no pass over the records at the end. The one case that needs more: an
 * earlier batch of the same user loading at the same time may still write a key after this batch
 * read it. So before `loaded` the batch waits until every earlier one has written its sightings
 * (its job put back, no worker slot held: src/worker/knownCountWait.ts) and, if any was still
 * writing at start or at the end, counts again from its stored records. Without the wait, two
 * concurrent batches could both count a shared contact as new.
 */
export async function beginIndexing(deps: IndexingDeps, batch: Batch): Promise<IndexingRun> {
  const place = await deps.batches.beginAttempt(batch.id, batch.attempt);
  if (place === null) {
    throw new BatchSupersededError('the batch was deleted or retried while this job ran');
  }
  // The reading this attempt writes (a re-read's own key): its sightings are released with it.
  const owner: IndexOwner = {
    userId: batch.userId,
    batchId: batch.id,
    seq: place.seq,
    recordsKey: writeKeyOf(batch),
  };
  // A place kept from an earlier run of this attempt may hold that run's sightings (a worker
  // killed mid-write): it is never given up, or the batch would appear at two places. Nor is a
  // re-read's: readers judge the reading they see by the batch's place (knownContactsService's
  // ownerOf), and with none they would see every record as never loaded before.
  let writing = place.kept || batch.readingKey !== null; // from the first write sent on: kept
  const release = () =>
    deps.batches.releasePlace(owner).catch((error: unknown) => {
      deps.logger.warn({ err: error, batchId: batch.id }, 'could not give up the place of a failed attempt');
    });
  try {
    await deps.store.register(owner);
  } catch (error) {
    if (!writing) {
      await release();
    }
    throw error;
  }
  let overlapped = place.earlierWriting > 0;
  let known = 0;

  return {
    records(inner) {
      return {
        writeInvalidRows: (batchId, rows) => inner.writeInvalidRows(batchId, rows),
        async writeRecords(batchId, chunk) {
          writing = true;
          const [, , first] = await Promise.all([
            inner.writeRecords(batchId, chunk),
            deps.store.write(owner, chunk),
            firstSightingsFor(deps.store, owner, keysOfRecords(chunk)),
          ]);
          known += chunk.filter((r) => seenInOf(r, owner, first) !== null).length;
        },
      };
    },
    async beforeLoaded(options = {}) {
      // The caller flushed every write of this attempt: all its sightings are acknowledged.
      const earlierWriting = await deps.batches.markWritten(owner);
      overlapped ||= options.recount === true;
      if (earlierWriting > 0) {
        overlapped = true;
        if (options.mayDefer === true) {
          throw new KnownContactsPendingError('an earlier batch of the user is still loading');
        }
        deps.logger.warn(
          { batchId: batch.id },
          'an earlier batch of the user is still loading; knownContacts counted without its rest',
        );
      }
      if (overlapped) {
        known = await countKnown(deps, owner);
      }
      if (!(await deps.batches.setKnownContacts(batch.id, known, batch.attempt))) {
        throw new BatchSupersededError('the batch was deleted or retried while this job ran');
      }
    },
    nextInLine: () => deps.batches.unblockedAfter(owner, WAKE_LIMIT),
    abandon: () => (writing ? Promise.resolve() : release()),
  };
}
