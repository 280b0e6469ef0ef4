import type { ContactRecord } from '../contacts/contactSchema.js';

/** Where a contact was seen: a batch's place in its user's order (`seq`), the batch, the row. */
export interface Sighting {
  seq: number;
  batchId: string;
  row: number;
}

/**
 * The batch writing to (or reading from) the index: its owner, its place in the order, and the
 * reading whose records the sightings come from (`recordsKey`: the batch id for a first reading,
 * a re-read's own key otherwise). Sightings name the batch; the reading only says which entries
 * one release removes, so a re-read's old entries can go without its new ones.
 */
export interface IndexOwner {
  userId: string;
  batchId: string;
  seq: number;
  recordsKey: string;
}

/** Which places a read looks at: strictly between `after` (if given) and `before`. */
export interface SeqRange {
  before: number;
  after?: number;
}

/**
 * The cross-batch contact index (issue #21), one per records store (RECORDS_STORE picks it like
 * the records repository). Per user and contact key it holds every sighting, ordered by
 * (seq, batch, row): the first sighting of a key is the smallest, which every reader agrees on
 * without a lightweight transaction. Writes are plain idempotent upserts, batched per partition.
 */
export interface ContactIndexStore {
  readonly kind: 'postgres' | 'cassandra';
  /** Creates what the store needs (Cassandra tables); idempotent. */
  init(): Promise<void>;
  /** Records that `owner` is a batch of its user in the index (what release needs later). */
  register(owner: IndexOwner): Promise<void>;
  /** Upserts a sighting per key of each record. Writing the same records twice changes nothing. */
  write(owner: IndexOwner, records: readonly ContactRecord[]): Promise<void>;
  /**
   * Removes single sightings of `owner` (a fixed row whose new fix no longer has those keys).
   * Removing one that does not exist changes nothing.
   */
  forget(owner: IndexOwner, sightings: readonly { key: string; row: number }[]): Promise<void>;
  /**
   * The first sighting of each key that has one (keys may repeat; order does not matter), among
   * those placed before `seq.before` (the asking batch's own place: its own and later batches'
   * sightings never make a record known, so they are not read); with `seq.after`, the first one
   * placed after that seq (to look past a batch's own older reading).
   */
  firstSightings(userId: string, keys: readonly string[], seq: SeqRange): Promise<Map<string, Sighting>>;
  /**
   * Removes every sighting written for one reading (`recordsKey`), and nothing of the batch's
   * other readings. `recordsOf` pages through that reading's stored records (Cassandra finds its
   * entries through their keys); call it before the records are deleted. Idempotent; a no-op
   * for a reading never indexed.
   */
  release(recordsKey: string, recordsOf: () => AsyncIterable<readonly ContactRecord[]>): Promise<void>;
  /** The place (seq) a reading was indexed at (the latest, if several attempts); null if never. */
  readingSeq(recordsKey: string): Promise<number | null>;
  close(): Promise<void>;
}
