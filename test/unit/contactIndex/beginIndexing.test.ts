import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/domain/batch.js';
import type { ContactIndexBatches } from '../../../src/contactIndex/contactIndexBatches.js';
import type { ContactIndexStore, IndexOwner } from '../../../src/contactIndex/contactIndexStore.js';
import { beginIndexing } from '../../../src/contactIndex/indexingRun.js';
import { DependencyUnavailableError } from '../../../src/errors.js';

/**
 * A job that fails at the very start of the index (its records store down while it registers)
 * must give up the place it just drew: otherwise every later batch of the user waits for it
 * until it runs again (after an outage, for every batch that failed during it).
 */
describe('beginIndexing when the index store is down', () => {
  const batch = {
    id: 'b-1',
    userId: 'u-1',
    attempt: 1,
    recordsKey: 'b-1',
    readingKey: null,
  } as unknown as Batch;

  function fakes(register: () => Promise<void>, kept = false) {
    const released: IndexOwner[] = [];
    const batches = {
      beginAttempt: () => Promise.resolve({ seq: 5, earlierWriting: 0, kept }),
      releasePlace: (owner: IndexOwner) => {
        released.push(owner);
        return Promise.resolve();
      },
    } as unknown as ContactIndexBatches;
    const store = { register } as unknown as ContactIndexStore;
    const deps = {
      store,
      batches,
      records: { listRecords: () => Promise.reject(new Error('unused')) },
      logger: pino({ level: 'silent' }),
    };
    return { deps, released };
  }

  it('gives up its place when registering fails, and rethrows the outage', async () => {
    const outage = new DependencyUnavailableError('records store unavailable while registering');
    const { deps, released } = fakes(() => Promise.reject(outage));
    await expect(beginIndexing(deps, batch)).rejects.toBe(outage);
    expect(released).toEqual([{ userId: 'u-1', batchId: 'b-1', seq: 5, recordsKey: 'b-1' }]);
  });

  it('keeps a place an earlier run of the attempt drew (it may have written under it)', async () => {
    const { deps, released } = fakes(() => Promise.reject(new DependencyUnavailableError('down')), true);
    await expect(beginIndexing(deps, batch)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(released).toEqual([]);
    const ok = fakes(() => Promise.resolve(), true);
    await (await beginIndexing(ok.deps, batch)).abandon();
    expect(ok.released).toEqual([]);
  });

  it("never gives up a re-read's place (readers judge the reading they see by it)", async () => {
    const reread = { ...batch, readingKey: 'r-2' } as unknown as Batch;
    const { deps, released } = fakes(() => Promise.reject(new DependencyUnavailableError('down')));
    await expect(beginIndexing(deps, reread)).rejects.toBeInstanceOf(DependencyUnavailableError);
    const ok = fakes(() => Promise.resolve());
    await (await beginIndexing(ok.deps, reread)).abandon();
    expect([...released, ...ok.released]).toEqual([]);
  });

  it('keeps its place when registering works', async () => {
    const { deps, released } = fakes(() => Promise.resolve());
    await beginIndexing(deps, batch);
    expect(released).toEqual([]);
  });
});
