import { ValidationError } from '../../errors.js';

/**
 * Page cursors shared by both records stores, so a cursor means the same thing whichever store
 * produced it: the last row number returned, as 4 bytes big-endian in base64url (6 characters).
 * The form is exactly CURSOR_PATTERN, which the API declares: every string matching it is a
 * cursor the stores accept (the first character keeps the number within 30 bits, the last one
 * holds only the 2 bits that end the 4th byte), and anything else is a 400, never a silent
 * restart from the first page. Issue #19: the former form (base64url of `r:<n>`) could not be
 * declared exactly, so schema-valid strings such as `0` were refused. Its cursors all start with
 * `c` (from `r`), outside the pattern: one still held by a client is a 400, never misread.
 * 30 bits is far above any batch's row count (MAX_ROWS_PER_BATCH is at most 10 million).
 */
const MAX_CURSOR_ROW = 2 ** 30 - 1;
/** Row numbers are 32-bit signed ints in both stores. */
const MAX_ROW_NUMBER = 2_147_483_647;
export const CURSOR_PATTERN = '^[A-P][A-Za-z0-9_-]{4}[AQgw]$';
const CURSOR_RE = new RegExp(CURSOR_PATTERN);

export function encodeCursor(lastRowNumber: number): string {
  if (!Number.isInteger(lastRowNumber) || lastRowNumber < 0 || lastRowNumber > MAX_CURSOR_ROW) {
    throw new RangeError(`a cursor holds a row number in [0, ${MAX_CURSOR_ROW}], got ${lastRowNumber}`);
  }
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(lastRowNumber);
  return bytes.toString('base64url');
}

/** Returns the last row number already returned; throws ValidationError on anything else. */
export function decodeCursor(cursor: string): number {
  if (!CURSOR_RE.test(cursor)) {
    throw new ValidationError('invalid cursor', { details: { cursor: 'malformed' } });
  }
  return Buffer.from(cursor, 'base64url').readUInt32BE(0);
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
