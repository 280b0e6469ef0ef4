import type { ContactIndexStore, IndexOwner, Sighting } from './contactIndexStore.js';

/**
 * The first sighting of each key as `owner` must judge it. A re-read takes a new, later seq,
 * and its batch's older reading stays in the index until it is released (30 s after the switch,
 * see readingReleaseService): where that older entry is a key's first sighting it would hide
 * another batch placed between the two readings. So for such keys the index is read again for
 * the first sighting after that entry's seq. No cost for a batch with one reading: the second
 * read only happens when the batch's own older entry came back (during a re-read, for the keys
 * the two readings share, until the old reading is released).
 */
export async function firstSightingsFor(
  store: Pick<ContactIndexStore, 'firstSightings'>,
  owner: Pick<IndexOwner, 'userId' | 'batchId' | 'seq'>,
  keys: readonly string[],
): Promise<Map<string, Sighting>> {
  // Only places before the owner's: its own sightings (written alongside) and later batches'
  // never make one of its records known (seenInOf), so reading them would be wasted work.
  const first = await store.firstSightings(owner.userId, keys, { before: owner.seq });
  // Ends: each round only reads entries placed strictly after the ones it looks past, and a
  // batch has as many older entries per key as unreleased readings (one, normally).
  for (;;) {
    const shadowedBySeq = new Map<number, string[]>();
    for (const [key, s] of first) {
      if (s.batchId === owner.batchId && s.seq < owner.seq) {
        const group = shadowedBySeq.get(s.seq);
        if (group) {
          group.push(key);
        } else {
          shadowedBySeq.set(s.seq, [key]);
        }
      }
    }
    if (shadowedBySeq.size === 0) {
      break;
    }
    for (const [seq, shadowed] of shadowedBySeq) {
      const later = await store.firstSightings(owner.userId, shadowed, { after: seq, before: owner.seq });
      for (const key of shadowed) {
        const next = later.get(key);
        if (next) {
          first.set(key, next);
        } else {
          first.delete(key);
        }
      }
    }
  }
  return first;
}
