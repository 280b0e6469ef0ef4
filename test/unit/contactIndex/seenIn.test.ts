import { describe, expect, it } from 'vitest';
import { contactKeys, shardOf } from '../../../src/contactIndex/contactKeys.js';
import type { Sighting } from '../../../src/contactIndex/contactIndexStore.js';
import { seenInOf } from '../../../src/contactIndex/seenIn.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

describe('contact keys', () => {
  it('are the lower-cased e-mail and the E.164 phone, prefixed so they never collide', () => {
    expect(contactKeys({ email: 'Ada@Example.COM', phone: '+14155550101' })).toEqual([
      'e:ada@example.com',
      'p:+14155550101',
    ]);
    expect(contactKeys({ email: null, phone: null })).toEqual([]);
  });

  it('fall into a stable shard within range', () => {
    expect(shardOf('e:ada@example.com', 64)).toBe(shardOf('e:ada@example.com', 64));
    for (const key of ['a', 'e:x@y.z', 'p:+4930123456']) {
      expect(shardOf(key, 64)).toBeGreaterThanOrEqual(0);
      expect(shardOf(key, 64)).toBeLessThan(64);
    }
  });
});

describe('seenInOf', () => {
  const first = (entries: [string, Sighting][]) => new Map(entries);
  const record = { email: 'ada@example.com', phone: '+14155550101' };

  it('points at the first sighting when it is in an earlier batch', () => {
    const seen = seenInOf(
      record,
      { batchId: B, seq: 5 },
      first([['e:ada@example.com', { seq: 2, batchId: A, row: 9 }]]),
    );
    expect(seen).toEqual({ batchId: A, row: 9 });
  });

  it('ignores sightings in the same batch and in later batches', () => {
    const own = first([['e:ada@example.com', { seq: 5, batchId: B, row: 1 }]]);
    expect(seenInOf(record, { batchId: B, seq: 5 }, own)).toBeNull();
    const later = first([['p:+14155550101', { seq: 6, batchId: C, row: 1 }]]);
    expect(seenInOf(record, { batchId: B, seq: 5 }, later)).toBeNull();
  });

  it('takes the earliest of the e-mail and phone sightings', () => {
    const both = first([
      ['e:ada@example.com', { seq: 3, batchId: C, row: 4 }],
      ['p:+14155550101', { seq: 2, batchId: A, row: 7 }],
    ]);
    expect(seenInOf(record, { batchId: B, seq: 5 }, both)).toEqual({ batchId: A, row: 7 });
  });
});
