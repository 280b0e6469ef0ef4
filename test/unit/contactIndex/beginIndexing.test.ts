import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/domain/batch.js';
import type { ContactIndexBatches } from '../../../src/contactIndex/contactIndexBatches.js';
import type { ContactIndexStore, IndexOwner, Sighting } from '../../../src/contactIndex/contactIndexStore.js';
import { beginIndexing, type IndexingDeps } from '../../../src/contactIndex/indexingRun.js';
import type { ContactRecord } from '../../../src/contacts/contactSchema.js';
import { DependencyUnavailableError, KnownContactsPendingError } from '../../../src/errors.js';
import { contactRecord } from '../../support/contactRecord.js';

const batch = {
  id: 'b-1',
  userId: 'u-1',
  attempt: 1,
  recordsKey: 'b-1',
  readingKey: null,
} as unknown as Batch;

const OWNER = { userId: 'u-1', batchId: 'b-1', seq: 5, recordsKey: 'b-1' };
const noRecords = { writeRecords: () => Promise.resolve(), writeInvalidRows: () => Promise.resolve() };
const person = (row: number) => contactRecord(row, { email: `p${row}@example.com` });

interface Fakes {
  register?: () => Promise<void>;
  kept?: boolean;
  /** earlierWriting at the start of the attempt */
  earlierAtStart?: number;
  /** Whether another batch is placed before this one: at the start, then when asked at the end. */
  placedAnswers?: [boolean, boolean];
  /** How many earlier batches still write: markWritten's answer, then each poll's (the last one repeats). */
  writingAnswers?: number[];
  /** The earlier batch's sightings (key → sighting) that reads find. */
  earlier?: Map<string, Sighting>;
  /** The stored records listRecords pages through. */
  stored?: ContactRecord[];
}

/** Fake index store and batches (PostgreSQL) around beginIndexing, recording what it calls. */
function fakes(options: Fakes = {}) {
  const calls = {
    released: [] as IndexOwner[],
    registered: 0,
    written: 0,
    reads: [] as string[][],
    listed: 0,
    /** earlierWritingIds calls: one per look while waiting in the slot */
    polls: 0,
    /** earlierPlaced calls (asked at the end by an attempt that found nothing earlier at its start) */
    placedAsked: 0,
  };
  const [placedAtStart, placedAtEnd] = options.placedAnswers ?? [true, true];
  const known: number[] = [];
  const answers = [...(options.writingAnswers ?? [0])];
  const nextAnswer = () => Promise.resolve(answers.length > 1 ? answers.shift()! : answers[0]!);
  const batches = {
    beginAttempt: () =>
      Promise.resolve({
        seq: 5,
        earlierWriting: options.earlierAtStart ?? 0,
        earlierPlaced: placedAtStart,
        kept: options.kept ?? false,
      }),
    earlierPlaced: () => {
      calls.placedAsked += 1;
      return Promise.resolve(placedAtEnd);
    },
    releasePlace: (owner: IndexOwner) => {
      calls.released.push(owner);
      return Promise.resolve();
    },
    markWritten: nextAnswer,
    earlierWritingIds: async () => {
      calls.polls += 1;
      return Array.from({ length: await nextAnswer() }, (_, i) => `earlier-${i}`);
    },
    setKnownContacts: (_id: string, n: number) => {
      known.push(n);
      return Promise.resolve(true);
    },
  } as unknown as ContactIndexBatches;
  const store = {
    register: () => {
      calls.registered += 1;
      return (options.register ?? (() => Promise.resolve()))();
    },
    write: () => {
      calls.written += 1;
      return Promise.resolve();
    },
    firstSightings: (_user: string, keys: readonly string[]) => {
      calls.reads.push([...keys]);
      const earlier = options.earlier ?? new Map<string, Sighting>();
      return Promise.resolve(new Map([...earlier].filter(([k]) => keys.includes(k))));
    },
  } as unknown as ContactIndexStore;
  const deps: IndexingDeps = {
    store,
    batches,
    records: {
      listRecords: () => {
        calls.listed += 1;
        return Promise.resolve({ records: options.stored ?? [], nextCursor: null } as never);
      },
    },
    logger: pino({ level: 'silent' }),
    slotWait: { slotMs: 50, pollMs: 5 },
  };
  return { deps, calls, known };
}

/**
 * A job that fails at the very start of the index (its records store down while it registers,
 * which it does alongside its first records write) must give up the place it just drew:
 * otherwise every later batch of the user waits for it until it runs again (after an outage, for
 * every batch that failed during it).
 */
describe('beginIndexing when the index store is down', () => {
  it('gives up its place when registering fails (no sighting was sent), and rethrows the outage', async () => {
    const outage = new DependencyUnavailableError('records store unavailable while registering');
    const { deps, calls } = fakes({ register: () => Promise.reject(outage) });
    const run = await beginIndexing(deps, batch);
    await expect(run.records(noRecords).writeRecords('b-1', [person(1)])).rejects.toBe(outage);
    expect(calls.written).toBe(0); // no sighting without its registration
    await run.abandon();
    expect(calls.released).toEqual([OWNER]);
  });

  it('keeps a place an earlier run of the attempt drew (it may have written under it)', async () => {
    const { deps, calls } = fakes({
      register: () => Promise.reject(new DependencyUnavailableError('down')),
      kept: true,
    });
    const run = await beginIndexing(deps, batch);
    await expect(run.records(noRecords).writeRecords('b-1', [person(1)])).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    await run.abandon();
    expect(calls.released).toEqual([]);
  });

  it("never gives up a re-read's place (readers judge the reading they see by it)", async () => {
    const reread = { ...batch, readingKey: 'r-2' } as unknown as Batch;
    const { deps, calls } = fakes({ register: () => Promise.reject(new DependencyUnavailableError('down')) });
    const run = await beginIndexing(deps, reread);
    await expect(run.records(noRecords).writeRecords('b-1', [person(1)])).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    await run.abandon();
    expect(calls.released).toEqual([]);
  });

  it('keeps its place once a sighting was sent; registers once for every chunk', async () => {
    const { deps, calls } = fakes();
    const run = await beginIndexing(deps, batch);
    const writer = run.records(noRecords);
    await Promise.all([writer.writeRecords('b-1', [person(1)]), writer.writeRecords('b-1', [person(2)])]);
    await run.abandon();
    expect(calls).toMatchObject({ released: [], registered: 1, written: 2 });
  });

  it('a chunk still registering when its job fails and gives up its place sends no sighting after', async () => {
    let registered = () => {};
    const { deps, calls } = fakes({ register: () => new Promise<void>((resolve) => (registered = resolve)) });
    const run = await beginIndexing(deps, batch);
    const failing = {
      ...noRecords,
      writeRecords: () => Promise.reject(new DependencyUnavailableError('down')),
    };
    await expect(run.records(failing).writeRecords('b-1', [person(1)])).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    await run.abandon(); // nothing was sent under the place: given up
    registered();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toMatchObject({ released: [OWNER], written: 0 });
  });

  it('a job that fails before any write gives up its place', async () => {
    const { deps, calls } = fakes();
    await (await beginIndexing(deps, batch)).abandon();
    expect(calls).toMatchObject({ released: [OWNER], registered: 0 });
  });
});

/**
 * Issue #21, a user's burst of small batches: a batch that starts while an earlier one still
 * writes must count again at the end; it does so from the contacts it kept, without reading its
 * records back, and waits briefly in its slot rather than being put back.
 */
describe('beginIndexing: counting again after an earlier batch wrote', () => {
  const running = () => Promise.resolve(true);
  const earlier = new Map<string, Sighting>([['e:p2@example.com', { seq: 3, batchId: 'a', row: 9 }]]);

  it('started while an earlier batch writes: no read per chunk, one read of the kept contacts at the end', async () => {
    const { deps, calls, known } = fakes({ earlierAtStart: 1, earlier });
    const run = await beginIndexing(deps, batch);
    const writer = run.records(noRecords);
    await writer.writeRecords('b-1', [person(1), person(2)]);
    await writer.writeRecords('b-1', [person(3), contactRecord(4)]); // row 4: no key, never known
    expect(calls.reads).toEqual([]);
    await run.beforeLoaded({ mayDefer: true });
    expect(calls.reads).toEqual([['e:p1@example.com', 'e:p2@example.com', 'e:p3@example.com']]);
    expect(calls.listed).toBe(0);
    expect(known).toEqual([1]);
  });

  it('started alone: each chunk is read; with an earlier batch writing at the end, the contacts not known yet are read again', async () => {
    const racing = new Map<string, Sighting>(earlier);
    const { deps, calls, known } = fakes({ writingAnswers: [1, 0], earlier: racing });
    const run = await beginIndexing(deps, batch);
    await run.records(noRecords).writeRecords('b-1', [person(1), person(2)]);
    expect(calls.reads).toEqual([['e:p1@example.com', 'e:p2@example.com']]);
    // The earlier batch writes p1 after this batch read it, and is done while this one waits.
    racing.set('e:p1@example.com', { seq: 4, batchId: 'c', row: 1 });
    await run.beforeLoaded({ mayDefer: true, running });
    expect(calls.reads[1]).toEqual(['e:p1@example.com']); // p2 was known already
    expect(calls.listed).toBe(0);
    expect(known).toEqual([2]);
  });

  it('past the bound of kept contacts, counts from the stored records', async () => {
    const chunk = Array.from({ length: 10_001 }, (_, i) => person(i + 1));
    const { deps, calls, known } = fakes({ earlierAtStart: 1, earlier, stored: chunk });
    const run = await beginIndexing(deps, batch);
    await run.records(noRecords).writeRecords('b-1', chunk);
    await run.beforeLoaded({ mayDefer: true });
    expect(calls.listed).toBe(1);
    expect(known).toEqual([1]);
  });

  it('an earlier batch still writing after the wait in the slot: the job is put back', async () => {
    const { deps, calls, known } = fakes({ earlierAtStart: 1, writingAnswers: [1] });
    const run = await beginIndexing(deps, batch);
    await run.records(noRecords).writeRecords('b-1', [person(1)]);
    await expect(run.beforeLoaded({ mayDefer: true, running })).rejects.toBeInstanceOf(
      KnownContactsPendingError,
    );
    expect(calls.polls).toBe(11); // it waited its slot's bound first: 50 ms in 5 ms polls, then a last look
    expect(known).toEqual([]);
  });

  it("waits in the slot only while the earlier batches' jobs are running: else put back at once", async () => {
    const { deps, calls } = fakes({ earlierAtStart: 1, writingAnswers: [1] });
    const asked: string[][] = [];
    const notRunning = (ids: readonly string[]) => {
      asked.push([...ids]);
      return Promise.resolve(false);
    };
    const run = await beginIndexing(deps, batch);
    await run.records(noRecords).writeRecords('b-1', [person(1)]);
    await expect(run.beforeLoaded({ mayDefer: true, running: notRunning })).rejects.toBeInstanceOf(
      KnownContactsPendingError,
    );
    expect(calls.polls).toBe(1); // one look, no wait
    expect(asked).toEqual([['earlier-0']]);
  });

  it('the queue unreachable while it asks: put back at once, not failed', async () => {
    const { deps, calls } = fakes({ earlierAtStart: 1, writingAnswers: [1] });
    const run = await beginIndexing(deps, batch);
    await run.records(noRecords).writeRecords('b-1', [person(1)]);
    const down = () => Promise.reject(new DependencyUnavailableError('job queue unavailable'));
    await expect(run.beforeLoaded({ mayDefer: true, running: down })).rejects.toBeInstanceOf(
      KnownContactsPendingError,
    );
    expect(calls.polls).toBe(1); // one look, no wait
  });

  it("a user's first batch (no batch placed before it) never reads the index and counts 0", async () => {
    // `earlier` would make p2 known if it were read: only the skipped read keeps the count at 0.
    const { deps, calls, known } = fakes({ earlier, placedAnswers: [false, false] });
    const run = await beginIndexing(deps, batch);
    const writer = run.records(noRecords);
    await writer.writeRecords('b-1', [person(1), person(2)]);
    await writer.writeRecords('b-1', [person(3)]);
    await run.beforeLoaded({ mayDefer: true, running });
    expect(calls.written).toBe(2); // its own sightings are written all the same, for later batches
    expect(calls.reads).toEqual([]);
    expect(calls.listed).toBe(0);
    expect(calls.placedAsked).toBe(1);
    expect(known).toEqual([0]);
  });

  it('an earlier batch that shows up only by the end (placed before, committed after the start): reads its kept contacts then', async () => {
    const { deps, calls, known } = fakes({ earlier, placedAnswers: [false, true] });
    const run = await beginIndexing(deps, batch);
    await run.records(noRecords).writeRecords('b-1', [person(1), person(2)]);
    expect(calls.reads).toEqual([]);
    await run.beforeLoaded({ mayDefer: true, running });
    expect(calls.reads).toEqual([['e:p1@example.com', 'e:p2@example.com']]);
    expect(known).toEqual([1]);
  });

  it('a first batch put back and run again: still nothing earlier, so no read of its stored records', async () => {
    const { deps, calls, known } = fakes({ earlier, placedAnswers: [false, false], stored: [person(2)] });
    await (await beginIndexing(deps, batch)).beforeLoaded({ mayDefer: true, recount: true });
    expect(calls.listed).toBe(0);
    expect(calls.reads).toEqual([]);
    expect(known).toEqual([0]);
  });

  it('a put-back run counts from the stored records (nothing of its rows is in memory)', async () => {
    const { deps, calls, known } = fakes({ earlier, stored: [person(2), person(3)] });
    await (await beginIndexing(deps, batch)).beforeLoaded({ mayDefer: true, recount: true });
    expect(calls.listed).toBe(1);
    expect(known).toEqual([1]);
  });
});
