import { describe, expect, it } from 'vitest';
import type { ContactIndexStore, SeqRange, Sighting } from '../../../src/contactIndex/contactIndexStore.js';
import { firstSightingsFor } from '../../../src/contactIndex/firstSightingsFor.js';
import { compareSightings } from '../../../src/contactIndex/seenIn.js';
import type { ContactIndexBatches } from '../../../src/contactIndex/contactIndexBatches.js';
import { createKnownContactsService } from '../../../src/contactIndex/knownContactsService.js';
import type { ContactRecord } from '../../../src/parsing/types.js';
import { createMemoryStore } from '../../support/doubles/memoryStore.js';
import { contactRecord } from '../../support/contactRecord.js';

const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

/** An index in memory with the store's contract: the smallest sighting per key in the seq range. */
function memoryIndex(entries: [string, Sighting][]): Pick<ContactIndexStore, 'firstSightings'> & {
  reads: number;
} {
  const index = {
    reads: 0,
    firstSightings(_userId: string, keys: readonly string[], seq: SeqRange) {
      index.reads += 1;
      const first = new Map<string, Sighting>();
      for (const [key, s] of entries) {
        if (!keys.includes(key) || (seq.after !== undefined && s.seq <= seq.after) || s.seq >= seq.before) {
          continue;
        }
        const current = first.get(key);
        if (!current || compareSightings(s, current) < 0) {
          first.set(key, s);
        }
      }
      return Promise.resolve(first);
    },
  };
  return index;
}

describe('firstSightingsFor', () => {
  // B was read at seq 1 (not released yet) and is re-read at seq 5; C was loaded at seq 3.
  const owner = { userId: 'u', batchId: B, seq: 5 };

  it("looks past the batch's own older reading to a batch placed between its readings", async () => {
    const index = memoryIndex([
      ['e:ada', { seq: 1, batchId: B, row: 1 }],
      ['e:ada', { seq: 3, batchId: C, row: 7 }],
      ['e:ada', { seq: 5, batchId: B, row: 1 }],
      ['p:bo', { seq: 1, batchId: B, row: 2 }],
      ['p:bo', { seq: 5, batchId: B, row: 2 }],
    ]);
    const first = await firstSightingsFor(index, owner, ['e:ada', 'p:bo']);
    expect(first.get('e:ada')).toEqual({ seq: 3, batchId: C, row: 7 });
    // Only its own sightings: none is read (they never make a record known).
    expect(first.has('p:bo')).toBe(false);
  });

  it('reads once when no older reading of the batch comes first', async () => {
    const index = memoryIndex([
      ['e:ada', { seq: 3, batchId: C, row: 7 }],
      ['e:ada', { seq: 5, batchId: B, row: 1 }],
    ]);
    expect(await firstSightingsFor(index, owner, ['e:ada', 'e:none'])).toEqual(
      new Map([['e:ada', { seq: 3, batchId: C, row: 7 }]]),
    );
    expect(index.reads).toBe(1);
  });
});

describe('records with seenIn while a re-read runs', () => {
  it("judges the visible reading by its own place, not by the running re-read's", async () => {
    const memory = createMemoryStore();
    const oldKey = '00000000-0000-4000-8000-0000000000f1';
    // B's visible reading was indexed at seq 1; the re-read running now already drew seq 9, and
    // C, loaded at seq 5 (after B's reading), shares Ada: not earlier than what is shown.
    const batch = memory.seedBatch({
      id: B,
      userId: 'u',
      status: 'parsing',
      recordsKey: oldKey,
      readingKey: '00000000-0000-4000-8000-0000000000f2',
      contactIndexSeq: 9,
    });
    memory.state.records.set(oldKey, [ada(1)]);
    const index = {
      ...memoryIndex([
        ['e:ada@example.com', { seq: 1, batchId: B, row: 1 }],
        ['e:ada@example.com', { seq: 5, batchId: C, row: 4 }],
      ]),
      readingSeq: (key: string) => Promise.resolve(key === oldKey ? 1 : null),
    };
    const service = createKnownContactsService({
      store: index as unknown as ContactIndexStore,
      batches: {} as ContactIndexBatches,
      records: memory.adapters.records,
    });
    const page = await service.listRecords(batch, { limit: 10 });
    expect(page.records.map((r) => r.seenIn)).toEqual([null]);
  });
});

function ada(rowNumber: number): ContactRecord {
  return contactRecord(rowNumber, { fullName: 'Ada', email: 'ada@example.com' });
}
