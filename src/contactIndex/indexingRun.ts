import { setTimeout } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ContactRecord } from '../contacts/contactSchema.js';
import { writeKeyOf, type Batch } from '../domain/batch.js';
import { BatchSupersededError, KnownContactsPendingError } from '../errors.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';
import type { ContactIndexBatches } from './contactIndexBatches.js';
import type { ContactIndexStore, IndexOwner } from './contactIndexStore.js';
import { firstSightingsFor } from './firstSightingsFor.js';
import { recordPages } from './recordPages.js';
import { createUnknownContacts, type Contact } from './unknownContacts.js';
import { keysOfRecords, seenInOf } from './seenIn.js';

export interface IndexingDeps {
  store: ContactIndexStore;
  batches: ContactIndexBatches;
  records: Pick<RecordsRepository, 'listRecords'>;
  logger: Logger;
  /** waitInSlot's bound and poll interval (tests shorten them). */
  slotWait?: { slotMs: number; pollMs: number };
}

/**
 * Batches woken per ended job. Enough to keep a worker's slots busy when a backlog of one user
 * unblocks at once (each ended job wakes the next ones again); the rest wait out their put-back
 * delay (≤ 15 s) at worst.
 */
const WAKE_LIMIT = 16;

type ChunkRecords = Pick<RecordsRepository, 'writeRecords' | 'writeInvalidRows'>;

export interface BeforeLoadedOptions {
  mayDefer?: boolean;
  recount?: boolean;
  /** Whether every one of these batches' jobs is running now (the queue's batchJobsRunning). */
  running?: ((batchIds: readonly string[]) => Promise<boolean>) | undefined;
}

/** What the worker's batch job does with the index: the hook in batchProcessor.ts. */
export interface IndexingRun {
  /** `records` whose writeRecords also writes the chunk's sightings and counts its known contacts. */
  records(inner: ChunkRecords): ChunkRecords;
  /**
   * After the last chunk, before `loaded`: marks the batch's sightings written (later batches stop
   * waiting for it), then settles and stores the batch's knownContacts. With `mayDefer`, an
   * earlier batch still writing throws KnownContactsPendingError (the job is put back,
   * src/worker/knownCountWait.ts), after a short wait in the slot if `running` says its job is
   * running now (waitInSlot); without `mayDefer`, the count is taken anyway (logged). `recount`
   * counts from the stored records: a put-back job's second run, whose rows an earlier run of
   * this attempt wrote.
   */
  beforeLoaded(options?: BeforeLoadedOptions): Promise<void>;
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
    known += await countKnownOf(deps.store, owner, page);
  }
  return known;
}

/** How many of `contacts` an earlier batch of the owner's user holds: one read of their keys. */
async function countKnownOf(
  store: IndexingDeps['store'],
  owner: IndexOwner,
  contacts: readonly Contact[],
): Promise<number> {
  const first = await firstSightingsFor(store, owner, keysOfRecords(contacts));
  return contacts.filter((r) => seenInOf(r, owner, first) !== null).length;
}

/** Contacts kept per attempt to count again (unknownContacts.ts): a few MB, every small batch. */
const KEEP_MAX = 10_000;
const RECOUNT_PAGE = 1_000;

/** How long a written batch waits in its slot for earlier ones before it is put back (waitInSlot). */
const SLOT_WAIT = { slotMs: 1_000, pollMs: 25 };
/** More earlier batches than this still writing is no burst running alongside: put back. */
const SLOT_WAIT_MAX_BATCHES = 8;

/**
 * One attempt's indexing. Hot path: each chunk's sightings are written and the first sightings of
 * its keys read in ONE batched read per index partition, both alongside the chunk's records write
 * (neither waits for the other: "earlier" is decided by seq, not by what is written yet), so
 * knownContacts needs no pass over the records at the end. The one case that needs more: an
 * earlier batch of the same user loading at the same time may still write a key after this batch
 * read it. So before `loaded` the batch waits until every earlier one has written its sightings
 * (briefly in its slot, then with its job put back, no slot held: src/worker/knownCountWait.ts)
 * and, if any was still writing at start or at the end, counts again: the contacts not found
 * known yet, kept in memory (KEEP_MAX), or else every stored record. A batch that starts while an
 * earlier one writes (the rule in a user's burst of small files) reads nothing per chunk, only
 * once at the end. Without the wait, two concurrent batches could both count a shared contact as
 * new. A batch with no other batch placed before it (a user's first) reads nothing at all: the
 * reads, not the writes, were most of what the index cost a large batch (docs/performance.md).
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
  // Registered once, alongside the first chunk's records and before its sightings: release finds
  // a reading's sightings through it, so none is written without it.
  let registered: Promise<void> | null = null;
  let abandoned = false;
  // No other batch of the user may hold a sighting placed before this one (its first batch, or
  // every earlier one deleted): nothing it loads can be known, so it reads the index only if one
  // shows up by the end (drawn before this place, committed after it: countAgain).
  const nothingEarlier = !place.earlierPlaced;
  // Started while an earlier batch writes: counted again at the end in any case, so the chunks
  // read nothing (they would read the same keys twice). Nor do they with nothing earlier.
  const readAtEnd = place.earlierWriting > 0 || nothingEarlier;
  let overlapped = readAtEnd;
  let known = 0;
  const unknown = createUnknownContacts(KEEP_MAX);
  const readChunk = async (chunk: readonly ContactRecord[]) => {
    const first = await firstSightingsFor(deps.store, owner, keysOfRecords(chunk));
    const fresh = chunk.filter((r) => seenInOf(r, owner, first) === null);
    known += chunk.length - fresh.length;
    unknown.add(fresh);
  };
  const countAgain = async (): Promise<number> => {
    const list = unknown.list();
    if (list === null) {
      return countKnown(deps, owner);
    }
    let more = 0;
    for (let i = 0; i < list.length; i += RECOUNT_PAGE) {
      more += await countKnownOf(deps.store, owner, list.slice(i, i + RECOUNT_PAGE));
    }
    return known + more;
  };

  return {
    records(inner) {
      return {
        writeInvalidRows: (batchId, rows) => inner.writeInvalidRows(batchId, rows),
        async writeRecords(batchId, chunk) {
          registered ??= deps.store.register(owner);
          const sightings = registered.then(() => {
            if (abandoned) {
              // The job failed while this chunk registered, and gave up its place: no sighting
              // may land under it now.
              throw new BatchSupersededError('the attempt gave up its place in the contact index');
            }
            writing = true; // from here on the place may hold sightings: it is kept
            return deps.store.write(owner, chunk);
          });
          if (readAtEnd) {
            unknown.add(chunk);
          }
          await Promise.all([
            inner.writeRecords(batchId, chunk),
            sightings,
            readAtEnd ? undefined : readChunk(chunk),
          ]);
        },
      };
    },
    async beforeLoaded(options = {}) {
      // The caller flushed every write of this attempt: all its sightings are acknowledged.
      let earlierWriting = await deps.batches.markWritten(owner);
      if (earlierWriting > 0) {
        overlapped = true; // its writes may have raced this batch's reads: count again
        if (options.mayDefer === true) {
          earlierWriting = await waitInSlot(deps, owner, options.running);
        }
      }
      if (earlierWriting > 0) {
        if (options.mayDefer === true) {
          throw new KnownContactsPendingError('an earlier batch of the user is still loading');
        }
        deps.logger.warn(
          { batchId: batch.id },
          'an earlier batch of the user is still loading; knownContacts counted without its rest',
        );
      }
      if (nothingEarlier && !(await deps.batches.earlierPlaced(owner))) {
        known = 0; // still no batch placed before this one: none of its contacts can be known
      } else if (options.recount === true) {
        known = await countKnown(deps, owner); // an earlier run wrote the rows: none is in memory
      } else if (overlapped) {
        known = await countAgain();
      }
      if (!(await deps.batches.setKnownContacts(batch.id, known, batch.attempt))) {
        throw new BatchSupersededError('the batch was deleted or retried while this job ran');
      }
    },
    nextInLine: () => deps.batches.unblockedAfter(owner, WAKE_LIMIT),
    abandon: () => {
      abandoned = true;
      return writing ? Promise.resolve() : release();
    },
  };
}

/**
 * Earlier batches still writing when this one has written everything are usually running
 * alongside it (a user's burst) and done within tens of milliseconds: waiting that long in the
 * slot costs less than putting the job back, which runs it a second time and reads its records
 * back. So the batch waits, polling, at most SLOT_WAIT.slotMs and only while every earlier batch
 * still writing has a running job (`running`). One whose job is not running (queued, waiting out
 * a retry's backoff after an outage) is put back at once, as before: waiting in the slot for
 * those is what once starved the very batches waited for (the outage fault test found over a
 * thousand batches still open 180 s after Cassandra returned with a blind 1 s wait). Answers how
 * many are still writing (0: count now).
 */
async function waitInSlot(
  deps: IndexingDeps,
  owner: IndexOwner,
  running: BeforeLoadedOptions['running'],
): Promise<number> {
  const { slotMs, pollMs } = deps.slotWait ?? SLOT_WAIT;
  for (let waited = 0; ; waited += pollMs) {
    const writing = await deps.batches.earlierWritingIds(owner, SLOT_WAIT_MAX_BATCHES + 1);
    const wait =
      writing.length > 0 &&
      writing.length <= SLOT_WAIT_MAX_BATCHES &&
      waited < slotMs &&
      running !== undefined &&
      // Unknown (the queue unreachable) counts as not running: put back, as without the wait.
      (await running(writing).catch(() => false));
    if (!wait) {
      return writing.length;
    }
    await setTimeout(pollMs);
  }
}
