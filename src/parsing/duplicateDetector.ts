import type { ContactRecord } from './types.js';

/**
 * Flags contacts that repeat an earlier row of the same file (same email, or same phone when
 * neither has an email), so a list exported twice into one file does not silently become two
 * cards per person. The row is kept, with an issue naming the first row; nothing is dropped.
 *
 * Memory stays small for the row cap: keys are stored as 53-bit hashes, not strings. A hash
 * collision could at worst add a wrong "duplicate" note, never lose a row.
 */
export function createDuplicateDetector() {
  const seen = new Map<number, number>();

  function check(kind: 'email' | 'phone', value: string, record: ContactRecord): boolean {
    const key = hash53(`${kind}:${value}`);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, record.rowNumber);
      return false;
    }
    record.issues.push(`duplicate of row ${first} (same ${kind})`);
    return true;
  }

  return {
    /** Adds a "duplicate of row N" issue to `record` when it repeats an earlier record. */
    inspect(record: ContactRecord): void {
      if (record.email !== null) {
        check('email', record.email.toLowerCase(), record);
      } else if (record.phone !== null) {
        check('phone', record.phone, record);
      }
    },
  };
}

/** cyrb53: a fast, well-distributed 53-bit string hash (fits a JS number exactly). */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
