import type { ContactRecord } from '../contacts/contactSchema.js';
import { contactKeys } from './contactKeys.js';
import type { IndexOwner, Sighting } from './contactIndexStore.js';

/** Where a record's contact was first loaded, in an earlier batch of the same user. */
export interface SeenIn {
  batchId: string;
  row: number;
}

/**
 * A record is known when the first sighting of one of its keys belongs to another batch placed
 * earlier in the user's order (seq); then `seenIn` is the earliest such sighting. Sightings in the
 * same batch (a contact repeated within the file) or in later batches never count: of two batches
 * sharing a contact, exactly one (the smaller seq) is first, whichever resolves first.
 */
export function seenInOf(
  record: Pick<ContactRecord, 'email' | 'phone'>,
  owner: Pick<IndexOwner, 'batchId' | 'seq'>,
  first: ReadonlyMap<string, Sighting>,
): SeenIn | null {
  let earliest: Sighting | null = null;
  for (const key of contactKeys(record)) {
    const sighting = first.get(key);
    if (!sighting || sighting.batchId === owner.batchId || sighting.seq >= owner.seq) {
      continue;
    }
    if (earliest === null || compareSightings(sighting, earliest) < 0) {
      earliest = sighting;
    }
  }
  return earliest && { batchId: earliest.batchId, row: earliest.row };
}

/** The index's order: (seq, batch id, row). */
export function compareSightings(a: Sighting, b: Sighting): number {
  return a.seq - b.seq || (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0) || a.row - b.row;
}

/** Every key of `records`, each once. */
export function keysOfRecords(records: readonly Pick<ContactRecord, 'email' | 'phone'>[]): string[] {
  return [...new Set(records.flatMap((r) => contactKeys(r)))];
}
