import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweeperDeps } from '../../../src/workerComposition.js';
import { createContactIndexBatches } from '../../../src/contactIndex/contactIndexBatches.js';
import { KnownContactsPendingError } from '../../../src/errors.js';
import type { ContactRecord } from '../../../src/parsing/types.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';
import { contactRecord } from '../../support/contactRecord.js';

/** Batch A: Ada by e-mail, Bo by phone, Cy. */
const FILE_A = [
  'Name,Email,Phone',
  'Ada Lovelace,ada@example.com,',
  'Bo Li,,+1 415 555 0101',
  'Cy Young,cy@example.com,',
].join('\n');

/** Batch B: Ada again (e-mail in other case), Bo again (same number written otherwise), someone new. */
const FILE_B = [
  'Name,Email,Phone',
  'New Person,new@example.com,',
  'Ada L.,ADA@Example.com,',
  'Bo Li,,(415) 555-0101',
].join('\n');

type Seen = { batchId: string; row: number } | null;
type ApiRecord = ContactRecord & { seenIn: Seen };

/**
 * Issue #21, duplicates across batches, on the real stack and both records stores: a contact
 * loaded in batch A is flagged `seenIn` A in a later batch B of the same user (by e-mail and by
 * phone) and counted in B's knownContacts; `?known=` filters with cursor paging; another user's
 * batch is never "earlier"; after A is deleted and B re-indexed, B no longer points at A; and of
 * two batches of one user loading at the same time with the same contact, exactly one is first.
 */
describe.each([
  { storage: 'local' as const, records: 'postgres' as const },
  { storage: 's3' as const, records: 'cassandra' as const },
])('known contacts on $storage storage + $records records', ({ storage, records: store }) => {
  let stack: TestStack;
  let user: { id: string; token: string };
  let a: string;
  let b: string;

  async function upload(token: string, csv: string, name: string): Promise<string> {
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token,
      headers: { 'idempotency-key': randomUUID() },
      body: uploadForm(csv, name),
    });
    expect(up.status, up.text).toBe(201);
    const status = await waitForStatus(stack, token, up.body.id as string);
    expect(status.status).toBe('loaded');
    return up.body.id as string;
  }

  async function records(id: string, query = '', token = user.token) {
    const res = await api(stack, `/api/batches/${id}/records${query}`, { token });
    expect(res.status, res.text).toBe(200);
    return res.body as { records: ApiRecord[]; nextCursor: string | null };
  }

  const seenByRow = (page: { records: ApiRecord[] }) => page.records.map((r) => [r.rowNumber, r.seenIn]);

  beforeAll(async () => {
    stack = await startStack({ storage, records: store, worker: true, env: { DEFAULT_PHONE_REGION: 'US' } });
    user = await newUser('known');
    a = await upload(user.token, FILE_A, 'a.csv');
    b = await upload(user.token, FILE_B, 'b.csv');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('flags the contacts of B first loaded in A, by e-mail and by phone, and counts them', async () => {
    expect(seenByRow(await records(b))).toEqual([
      [1, null],
      [2, { batchId: a, row: 1 }],
      [3, { batchId: a, row: 2 }],
    ]);
    expect(seenByRow(await records(a))).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
    const statusB = await api(stack, `/api/batches/${b}/status`, { token: user.token });
    expect(statusB.body).toMatchObject({ status: 'loaded', recordsLoaded: 3, knownContacts: 2 });
    const detailsA = await api(stack, `/api/batches/${a}`, { token: user.token });
    expect(detailsA.body).toMatchObject({ recordsLoaded: 3, knownContacts: 0 });
    const list = await api(stack, '/api/batches?limit=10', { token: user.token });
    expect(
      list.body.batches.map((x: { id: string; knownContacts: number }) => [x.id, x.knownContacts]),
    ).toEqual([
      [b, 2],
      [a, 0],
    ]);
  });

  it('filters on known, paging with the cursor', async () => {
    expect((await records(b, '?known=false')).records.map((r) => r.fullName)).toEqual(['New Person']);
    const first = await records(b, '?known=true&limit=1');
    expect(seenByRow(first)).toEqual([[2, { batchId: a, row: 1 }]]);
    expect(first.nextCursor).not.toBeNull();
    const second = await records(b, `?known=true&limit=1&cursor=${first.nextCursor}`);
    expect(seenByRow(second)).toEqual([[3, { batchId: a, row: 2 }]]);
    expect(second.nextCursor).toBeNull();
    const newOnly = await records(b, '?known=false&limit=1');
    expect(newOnly.records.map((r) => r.rowNumber)).toEqual([1]);
    const rest = await records(b, `?known=false&limit=1&cursor=${newOnly.nextCursor}`);
    expect(rest).toEqual({ records: [], nextCursor: null });
    expect((await api(stack, `/api/batches/${b}/records?known=maybe`, { token: user.token })).status).toBe(
      400,
    );
  });

  it("never counts another user's batch as earlier", async () => {
    const other = await newUser('known-other');
    const id = await upload(other.token, FILE_B, 'b.csv');
    expect(seenByRow(await records(id, '', other.token))).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
    expect((await api(stack, `/api/batches/${id}/status`, { token: other.token })).body.knownContacts).toBe(
      0,
    );
  });

  it('after A is deleted and B re-indexed, B no longer points at A', async () => {
    const c = await upload(user.token, FILE_B, 'c.csv'); // B's contacts again: C's first sightings are in A and B
    expect(seenByRow(await records(c))).toEqual([
      [1, { batchId: b, row: 1 }],
      [2, { batchId: a, row: 1 }],
      [3, { batchId: a, row: 2 }],
    ]);
    expect((await api(stack, `/api/batches/${a}`, { method: 'DELETE', token: user.token })).status).toBe(204);
    await stack.cleanup.drain();
    expect(await stack.knownContacts.reindexBatch(b)).toEqual({ knownContacts: 0 });
    expect(seenByRow(await records(b))).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
    expect((await api(stack, `/api/batches/${b}/status`, { token: user.token })).body.knownContacts).toBe(0);
    // C's contacts now point at B, the earliest batch that still has them.
    expect(seenByRow(await records(c))).toEqual([
      [1, { batchId: b, row: 1 }],
      [2, { batchId: b, row: 2 }],
      [3, { batchId: b, row: 3 }],
    ]);
    expect((await stack.knownContacts.reindexBatch(c)).knownContacts).toBe(3);
  });

  /**
   * Re-reads (issue #21): the index is kept per reading. Each re-read writes its sightings under
   * its own records key and a new place (seq); releasing a replaced or deleted batch's reading
   * (readingReleaseService through the composition's sweeper, with the releasing records store)
   * removes that reading's entries and no other's.
   */
  it('a contact loaded in batch A is flagged seenIn A in batch B, and not after A is deleted and B re-read', async () => {
    const owner = await newUser('known-reread');
    const reprocess = async (id: string, body: unknown) => {
      const res = await api(stack, `/api/batches/${id}/reprocess`, {
        method: 'POST',
        token: owner.token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, res.text).toBe(202);
      expect(await waitForStatus(stack, owner.token, id)).toMatchObject({ status: 'loaded' });
    };
    /** What the sweeper's `readings` step does once the 30 s delay of the batch's old readings passed. */
    const releaseOldReadings = async (batchId: string) => {
      await stack.db.query('UPDATE released_readings SET due_at = now() WHERE batch_id = $1', [batchId]);
      const { readings } = sweeperDeps(stack.components);
      expect(readings).toBeDefined();
      await readings?.releaseDue(500);
      const left = await stack.db.query('SELECT 1 FROM released_readings WHERE batch_id = $1', [batchId]);
      expect(left.rowCount).toBe(0);
    };
    const knownOf = async (id: string) =>
      (await api(stack, `/api/batches/${id}/status`, { token: owner.token })).body.knownContacts as number;

    // A is re-read once, so its current reading lives under its own key, not under the batch id.
    const a2 = await upload(owner.token, FILE_A, 'a.csv');
    await reprocess(a2, {});
    expect((await stack.batches.findById(a2))?.recordsKey).not.toBe(a2);
    const b2 = await upload(owner.token, FILE_B, 'b.csv');
    expect(seenByRow(await records(b2, '', owner.token))).toEqual([
      [1, null],
      [2, { batchId: a2, row: 1 }],
      [3, { batchId: a2, row: 2 }],
    ]);
    expect(await knownOf(b2)).toBe(2);

    // A deleted (its re-read reading released by the sweeper step), then B re-read: nothing is known.
    expect((await api(stack, `/api/batches/${a2}`, { method: 'DELETE', token: owner.token })).status).toBe(
      204,
    );
    await stack.cleanup.drain();
    await releaseOldReadings(a2);
    await reprocess(b2, {});
    expect(seenByRow(await records(b2, '', owner.token))).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
    expect(await knownOf(b2)).toBe(0);

    // B re-read with the e-mail column left out: once its old readings are released, a batch
    // loaded later finds B only by the new reading's keys (Bo's phone), not by the old e-mails.
    await reprocess(b2, { mapping: { Name: 'fullName', Email: null, Phone: 'phone' } });
    expect((await records(b2, '', owner.token)).records.map((r) => [r.rowNumber, r.email])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
    await releaseOldReadings(b2);
    const d = await upload(owner.token, FILE_B, 'd.csv');
    expect(seenByRow(await records(d, '', owner.token))).toEqual([
      [1, null],
      [2, null],
      [3, { batchId: b2, row: 3 }],
    ]);
    expect(await knownOf(d)).toBe(1);

    // B re-read again (e-mails back), before its previous reading is released: that reading's
    // entry for Bo must not hide D, loaded between the two readings (a re-read takes a new place).
    await reprocess(b2, { mapping: null });
    expect(seenByRow(await records(b2, '', owner.token))).toEqual([
      [1, { batchId: d, row: 1 }],
      [2, { batchId: d, row: 2 }],
      [3, { batchId: d, row: 3 }],
    ]);
    expect(await knownOf(b2)).toBe(3);
  });

  /** Two claimed batches of one new user, as the worker claims them, and a contact to share. */
  async function racingUser(name: string) {
    const owner = await newUser(name);
    const batchRepository = stack.batches;
    const make = async () => {
      const id = randomUUID();
      await batchRepository.insert({
        id,
        userId: owner.id,
        userEmail: owner.email,
        fileName: 'x.csv',
        fileSize: 1,
        fileFormat: 'csv',
        mimeType: 'text/csv',
        storageKey: `uploads/${id}`,
        sha256: '0'.repeat(64),
        idempotencyKey: null,
        store: stack.storage.identity(),
      });
      const claimed = await batchRepository.markParsing(id, 1);
      expect(claimed?.status).toBe('parsing');
      return claimed!;
    };
    const contact = (rowNumber: number, fullName: string): ContactRecord =>
      contactRecord(rowNumber, { fullName, email: 'race@example.com' });
    return { owner, make, contact };
  }

  it('a batch waits only for earlier batches still writing sightings, and is woken once they are written', async () => {
    const { owner, make } = await racingUser('known-gate');
    const batches = createContactIndexBatches(stack.db);
    const place = async () => {
      const claimed = await make();
      const placed = await batches.beginAttempt(claimed.id, 1);
      expect(placed).not.toBeNull();
      return { userId: owner.id, batchId: claimed.id, seq: placed!.seq, recordsKey: claimed.id };
    };
    const [a, b, c] = [await place(), await place(), await place()];
    // Each answers how many earlier batches are still writing their sightings.
    expect(await batches.markWritten(c)).toBe(2);
    expect(await batches.markWritten(b)).toBe(1);
    // `a` still writes: b and c wait for it, and nothing behind it can count yet.
    expect(await batches.unblockedAfter(a, 16)).toEqual([]);
    expect(await batches.markWritten(a)).toBe(0);
    expect(await batches.markWritten(c)).toBe(0); // none is `loaded`: written is enough
    expect(await batches.unblockedAfter(a, 16)).toEqual([b.batchId, c.batchId]);
    expect(await batches.unblockedAfter(a, 1)).toEqual([b.batchId]);
    // A new attempt of `b` (a retry) draws a later place and has written nothing yet.
    await stack.db.query('UPDATE batches SET attempt = 2 WHERE id = $1', [b.batchId]);
    const retried = await batches.beginAttempt(b.batchId, 2);
    expect(retried).toEqual({ seq: expect.any(Number), earlierWriting: 0, earlierPlaced: true, kept: false });
    expect(retried!.seq).toBeGreaterThan(c.seq);
    expect(await batches.unblockedAfter(a, 16)).toEqual([c.batchId]);
    await batches.markWritten(b); // the old attempt's mark: fenced out
    expect(await batches.unblockedAfter(c, 16)).toEqual([]);
    // Another run of `c`'s attempt (a stalled job) keeps its place, and says so.
    expect(await batches.beginAttempt(c.batchId, 1)).toEqual({
      seq: c.seq,
      earlierWriting: 0,
      earlierPlaced: true,
      kept: true,
    });
    // A fourth batch placed now starts behind the retried `b`, which still writes.
    expect((await batches.beginAttempt((await make()).id, 1))?.earlierWriting).toBe(1);
  });

  it("a batch knows whether another of its user's batches may hold sightings placed before it", async () => {
    const { owner, make } = await racingUser('known-placed');
    const batches = createContactIndexBatches(stack.db);
    // Another user's batch, placed first, is never earlier.
    const foreign = await (await racingUser('known-placed-other')).make();
    expect((await batches.beginAttempt(foreign.id, 1))?.earlierPlaced).toBe(false);
    const first = await make();
    const placedFirst = await batches.beginAttempt(first.id, 1);
    expect(placedFirst?.earlierPlaced).toBe(false);
    const firstOwner = { userId: owner.id, batchId: first.id, seq: placedFirst!.seq, recordsKey: first.id };
    const second = await make();
    expect((await batches.beginAttempt(second.id, 1))?.earlierPlaced).toBe(true);
    // Placed later: not earlier for the first one.
    expect(await batches.earlierPlaced(firstOwner)).toBe(false);
    // Re-read: its older reading keeps an older place while the batch's own is the re-read's.
    await stack.db.query('UPDATE batches SET reading_key = $2 WHERE id = $1', [second.id, randomUUID()]);
    expect(await batches.earlierPlaced(firstOwner)).toBe(true);
    await stack.db.query('UPDATE batches SET reading_key = NULL, records_key = $2 WHERE id = $1', [
      second.id,
      randomUUID(),
    ]);
    expect(await batches.earlierPlaced(firstOwner)).toBe(true);
    // A place given up (no sighting under it) is no place.
    await stack.db.query('UPDATE batches SET records_key = NULL, contact_index_seq = NULL WHERE id = $1', [
      second.id,
    ]);
    expect(await batches.earlierPlaced({ ...firstOwner, seq: Number.MAX_SAFE_INTEGER })).toBe(false);
    // A batch placed before, however it ended, is earlier; once deleted, it is not.
    const third = await make();
    const placedThird = await batches.beginAttempt(third.id, 1);
    const thirdOwner = { userId: owner.id, batchId: third.id, seq: placedThird!.seq, recordsKey: third.id };
    await stack.db.query("UPDATE batches SET status = 'error' WHERE id = $1", [first.id]);
    expect(await batches.earlierPlaced(thirdOwner)).toBe(true);
    await stack.db.query('DELETE FROM batches WHERE id = $1', [first.id]);
    expect(await batches.earlierPlaced(thirdOwner)).toBe(false);
  });

  it('a batch that failed before its first index write gives up its place; one that wrote keeps it', async () => {
    const { owner, make, contact } = await racingUser('known-abandon');
    const { batches: batchRepository, knownContacts } = stack;
    const log = pino({ level: 'silent' });
    const counts = { rowsRead: 1, recordsLoaded: 1, invalidRows: 0 };
    const [early, late] = [await make(), await make()];
    const earlyRun = await knownContacts.begin(early, log); // e.g. then its file read fails
    const lateRun = await knownContacts.begin(late, log);
    await lateRun.records(stack.records).writeRecords(late.id, [contact(1, 'Late')]);
    await batchRepository.markParsed(late.id, 1, counts, 95);
    await expect(lateRun.beforeLoaded({ mayDefer: true })).rejects.toBeInstanceOf(KnownContactsPendingError);

    // `early` fails before writing a sighting: `late` no longer waits for it, and is first.
    await earlyRun.abandon();
    await lateRun.beforeLoaded({ mayDefer: true });
    expect(await batchRepository.markLoaded(late.id, 1, counts)).toBe(true);
    // Its next run takes a later place, so it finds the contact already loaded by `late`.
    const rerun = await knownContacts.begin((await batchRepository.markParsing(early.id, 1))!, log);
    await rerun.records(stack.records).writeRecords(early.id, [contact(7, 'Early')]);
    await rerun.abandon(); // it wrote: keeps its place (and a third batch waits for it)
    // Its next run (a worker killed after that write) keeps the place, even failing at once.
    await (await knownContacts.begin((await batchRepository.markParsing(early.id, 1))!, log)).abandon();
    const third = await knownContacts.begin(await make(), log);
    await expect(third.beforeLoaded({ mayDefer: true })).rejects.toBeInstanceOf(KnownContactsPendingError);
    await batchRepository.markParsed(early.id, 1, counts, 95);
    await rerun.beforeLoaded({ mayDefer: true });
    expect(await batchRepository.markLoaded(early.id, 1, counts)).toBe(true);

    const seen = async (id: string) => (await records(id, '', owner.token)).records.map((r) => r.seenIn);
    expect(await seen(late.id)).toEqual([null]);
    expect(await seen(early.id)).toEqual([{ batchId: late.id, row: 1 }]);
  });

  it('of two batches of one user loading at the same time with one contact, exactly one is first', async () => {
    const { owner, make, contact } = await racingUser('known-race');
    const { batches: batchRepository, knownContacts } = stack;
    const log = pino({ level: 'silent' });
    const counts = { rowsRead: 1, recordsLoaded: 1, invalidRows: 0 };
    const early = await make();
    const late = await make();
    const earlyRun = await knownContacts.begin(early, log);
    const lateRun = await knownContacts.begin(late, log);
    // Claimed, its place not drawn yet (a job that has not reached the index): it will draw a
    // later place than `late`, so `late` must never wait for it.
    await make();
    // The later batch writes the contact and is done first, before the earlier one wrote it: it
    // is put back (its job waits without a slot) instead of counting the contact as new.
    await lateRun.records(stack.records).writeRecords(late.id, [contact(1, 'Late')]);
    await batchRepository.markParsed(late.id, 1, counts, 95);
    await expect(lateRun.beforeLoaded({ mayDefer: true })).rejects.toBeInstanceOf(KnownContactsPendingError);

    expect(await lateRun.nextInLine()).toEqual([]); // nothing after it
    await earlyRun.records(stack.records).writeRecords(early.id, [contact(7, 'Early')]);
    await batchRepository.markParsed(early.id, 1, counts, 95);
    await earlyRun.beforeLoaded({ mayDefer: true }); // its sightings are written from here on
    // Whose job the worker wakes now: `late` counts before `early` is `loaded`, because what it
    // waited for (every sighting of `early`) is written.
    expect(await earlyRun.nextInLine()).toEqual([late.id]);

    // The next run of `late`'s job: every row written, only the count is left.
    const resumed = await batchRepository.markParsing(late.id, 1);
    expect(resumed?.status).toBe('parsed');
    await (await knownContacts.begin(resumed!, log)).beforeLoaded({ mayDefer: true, recount: true });
    expect(await batchRepository.markLoaded(late.id, 1, counts)).toBe(true);
    expect(await batchRepository.markLoaded(early.id, 1, counts)).toBe(true);

    const firstOf = async (id: string) => (await records(id, '', owner.token)).records.map((r) => r.seenIn);
    expect(await firstOf(early.id)).toEqual([null]);
    expect(await firstOf(late.id)).toEqual([{ batchId: early.id, row: 7 }]);
    const known = async (id: string) =>
      (await api(stack, `/api/batches/${id}/status`, { token: owner.token })).body.knownContacts;
    expect([await known(early.id), await known(late.id)]).toEqual([0, 1]);
  });

  it('a batch done writing while an earlier one still writes waits in its slot, then counts from what it kept', async () => {
    const { owner, make, contact } = await racingUser('known-slot');
    const { batches: batchRepository, knownContacts } = stack;
    const log = pino({ level: 'silent' });
    const counts = { rowsRead: 2, recordsLoaded: 2, invalidRows: 0 };
    const early = await make();
    const late = await make();
    const earlyRun = await knownContacts.begin(early, log);
    const lateRun = await knownContacts.begin(late, log); // placed while `early` writes
    await lateRun
      .records(stack.records)
      .writeRecords(late.id, [contact(1, 'Late'), contactRecord(2, { email: 'only-late@example.com' })]);
    await batchRepository.markParsed(late.id, 1, counts, 95);
    // `late` is done first and waits in its slot; `early` writes the shared contact meanwhile.
    // Both jobs run now (the worker asks the queue: test/integration/queue/wakeBatchJob.test.ts).
    const lateCounted = lateRun.beforeLoaded({ mayDefer: true, running: () => Promise.resolve(true) });
    await earlyRun.records(stack.records).writeRecords(early.id, [contact(7, 'Early')]);
    await batchRepository.markParsed(early.id, 1, counts, 95);
    await earlyRun.beforeLoaded({ mayDefer: true });
    await lateCounted; // not put back: counted once `early` was written
    expect(await batchRepository.markLoaded(early.id, 1, counts)).toBe(true);
    expect(await batchRepository.markLoaded(late.id, 1, counts)).toBe(true);

    const seen = async (id: string) => (await records(id, '', owner.token)).records.map((r) => r.seenIn);
    expect(await seen(late.id)).toEqual([{ batchId: early.id, row: 7 }, null]);
    const known = async (id: string) =>
      (await api(stack, `/api/batches/${id}/status`, { token: owner.token })).body.knownContacts;
    expect([await known(early.id), await known(late.id)]).toEqual([0, 1]);
  });
});
