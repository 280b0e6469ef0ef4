import { CURSOR_PATTERN } from '../repositories/records/cursor.js';
import { ConflictError } from '../errors.js';

/**
 * Page cursors that name the reading they page (issue #21, re-reads). A re-read switches a batch
 * to a new set of records; a reader paging across the switch would get the old set's first pages
 * and the new set's last ones. So a cursor of reading N > 0 is the store's cursor followed by
 * `.N`, and a cursor of another reading than the batch's current one is a 409 ("start again"),
 * never a page of the other set. Cursors of reading 0 keep the store's form unchanged, so every
 * cursor issued before re-reads existed still works.
 */
export const READING_CURSOR_PATTERN = `${CURSOR_PATTERN.slice(0, -1)}(\\.[1-9][0-9]{0,8})?$`;

/** The store's cursor within `cursor`, after checking it pages the batch's `current` reading. */
export function storeCursor(cursor: string | undefined, current: number): string | undefined {
  if (cursor === undefined) {
    return undefined;
  }
  const dot = cursor.indexOf('.');
  const reading = dot < 0 ? 0 : Number(cursor.slice(dot + 1));
  if (reading !== current) {
    throw new ConflictError(
      'the batch was re-read after this cursor was given; its records changed, so start again from the first page',
    );
  }
  return dot < 0 ? cursor : cursor.slice(0, dot);
}

/** The cursor to hand out for the store's `next` cursor in reading `current`. */
export function readingCursor(next: string | null, current: number): string | null {
  return next === null || current === 0 ? next : `${next}.${current}`;
}
