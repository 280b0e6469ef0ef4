import type { ContactRecord } from '../contacts/contactSchema.js';

/**
 * The keys a record is known by across batches: its normalised e-mail (lower-cased, as the
 * in-file duplicate check compares it) and its E.164 phone. Prefixed so an e-mail can never
 * equal a phone.
 */
export function contactKeys(record: Pick<ContactRecord, 'email' | 'phone'>): string[] {
  const keys: string[] = [];
  if (record.email !== null) {
    keys.push(`e:${record.email.toLowerCase()}`);
  }
  if (record.phone !== null) {
    keys.push(`p:${record.phone}`);
  }
  return keys;
}

/** One (key, row) per key of each record: what a batch writes to the index. */
export function sightingsOf(records: readonly ContactRecord[]): { key: string; row: number }[] {
  return records.flatMap((r) => contactKeys(r).map((key) => ({ key, row: r.rowNumber })));
}

/**
 * The index partition a key lives in (Cassandra): FNV-1a of the key modulo `shards`. Part of the
 * data layout, like the records' bucket size: never change `shards` for existing data.
 */
export function shardOf(key: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
