/**
 * Every answer and live event about a batch carries its `version`, bumped by each write of the
 * batch row. Answers and events travel on different channels and can arrive in any order (a GET
 * that read `parsing` can land after the `error` event), so what a page shows is only ever
 * replaced by something at least as new. These are the rules, kept pure so they can be tested.
 */
export interface Versioned {
  id: string;
  version: number;
}

/** `incoming` unless what is shown is newer. */
export function newest<T extends Versioned>(shown: T, incoming: T): T {
  return incoming.version >= shown.version ? incoming : shown;
}

/** A live event's fields laid over a batch, only when the event is newer than the batch shown. */
export function applyChange<T extends Versioned>(shown: T, change: Partial<T> & Versioned): T {
  return change.id === shown.id && change.version > shown.version ? { ...shown, ...change } : shown;
}

/** A fresh list answer, each row kept as shown where the shown row is newer. */
export function mergeRows<T extends Versioned>(shown: readonly T[], incoming: readonly T[]): T[] {
  const byId = new Map(shown.map((row) => [row.id, row]));
  return incoming.map((row) => {
    const seen = byId.get(row.id);
    return seen ? newest(seen, row) : row;
  });
}
