import { ValidationError } from '../../errors.js';

/**
 * Page cursors shared by both records stores, so a cursor means the same thing whichever store
 * produced it: base64url of `r:<last row number returned>`. Parsing is strict (canonical
 * encoding only, 32-bit non-negative integer) so that garbage is a 400, never a silent restart
 * from the first page.
 */
const PREFIX = 'r:';
const MAX_ROW_NUMBER = 2_147_483_647;
const MAX_CURSOR_LENGTH = 32;

export function encodeCursor(lastRowNumber: number): string {
  return Buffer.from(`${PREFIX}${lastRowNumber}`, 'utf8').toString('base64url');
}

/** Returns the last row number already returned; throws ValidationError on anything else. */
export function decodeCursor(cursor: string): number {
  const invalid = (): ValidationError =>
    new ValidationError('invalid cursor', { details: { cursor: 'malformed' } });
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid();
  }
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^r:(0|[1-9][0-9]{0,9})$/.exec(text);
  if (!match?.[1]) {
    throw invalid();
  }
  const value = Number(match[1]);
  // Canonical form only: rejects trailing bits / alternative encodings of the same bytes.
  if (value > MAX_ROW_NUMBER || encodeCursor(value) !== cursor) {
    throw invalid();
  }
  return value;
}

/** Row numbers are stored as 32-bit ints in both stores. */
export function assertRowNumber(rowNumber: number): void {
  if (!Number.isInteger(rowNumber) || rowNumber < 0 || rowNumber > MAX_ROW_NUMBER) {
    throw new RangeError(`rowNumber must be an integer in [0, ${MAX_ROW_NUMBER}], got ${rowNumber}`);
  }
}

/**
 * One page from `pageSize + 1` rows read in row order: the extra row only tells whether a next
 * page exists, so its cursor points after the page's last row.
 */
export function toPage<T extends { rowNumber: number }>(
  rows: readonly T[],
  pageSize: number,
): { records: T[]; nextCursor: string | null } {
  const records = rows.slice(0, pageSize);
  const last = records.at(-1);
  return { records, nextCursor: rows.length > pageSize && last ? encodeCursor(last.rowNumber) : null };
}
