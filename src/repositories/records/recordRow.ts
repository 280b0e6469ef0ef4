/**
 * Rows on their way into and out of a records store (either kind): what a stored record looks
 * like, and the argument checks both stores share. Not to be confused with
 * src/parsing/normalizeContact.ts, which turns parsed cells into a contact.
 */
import { CONTACT_FIELDS, TEXT_FIELDS, type ContactRecord } from '../../contacts/contactSchema.js';
import type { InvalidRow } from '../../parsing/types.js';
import { ValidationError } from '../../errors.js';
import { assertRowNumber } from './cursor.js';

/**
 * Both stores must hand back identical records. PostgreSQL text/jsonb cannot hold U+0000 while
 * Cassandra can, so both repositories replace it with U+FFFD on write; everything else is
 * stored as given. (Lone UTF-16 surrogates become U+FFFD in both drivers' UTF-8 encoding.)
 */
export function cleanText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

export function cleanNullable(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : cleanText(value);
}

export function cleanOriginal(original: Record<string, string>): Record<string, string> {
  // Fast path (nearly every row): nothing to clean, keep the object as it is.
  let clean = true;
  for (const key of Object.keys(original)) {
    const value = original[key];
    if (typeof value !== 'string' || value.includes('\u0000') || key.includes('\u0000')) {
      clean = false;
      break;
    }
  }
  if (clean) {
    return original;
  }
  // fromEntries defines own properties, so a "__proto__" column header stays plain data.
  return Object.fromEntries(
    Object.entries(original).map(([key, value]) => [cleanText(key), cleanText(String(value))]),
  );
}

/** The text fields whose values have a required form (the phone: E.164), with that form. */
const PATTERNED = TEXT_FIELDS.flatMap((field) => {
  const spec: { pattern?: string } = CONTACT_FIELDS[field];
  return spec.pattern === undefined ? [] : [{ field, pattern: new RegExp(spec.pattern) }];
});

/**
 * A record exactly as it will be stored (and therefore as it will be read back). A value not in
 * its field's form (raw text as the phone) is refused: both stores, the records API and the
 * exports promise E.164 or null, and the parser never produces anything else.
 */
export function normalizeRecord(record: ContactRecord): ContactRecord {
  assertRowNumber(record.rowNumber);
  const stored = { ...record };
  for (const field of TEXT_FIELDS) {
    stored[field] = cleanNullable(record[field]);
  }
  for (const { field, pattern } of PATTERNED) {
    const value = stored[field];
    if (value !== null && !pattern.test(value)) {
      throw new ValidationError(`record ${record.rowNumber}: ${field} is not in its required form`, {
        details: { field, pattern: pattern.source },
      });
    }
  }
  stored.original = cleanOriginal(record.original);
  if (record.issues.some((issue) => issue.includes('\u0000'))) {
    stored.issues = record.issues.map(cleanText);
  }
  return stored;
}

/** An invalid row exactly as it will be stored. */
export function normalizeInvalidRow(row: InvalidRow): InvalidRow {
  assertRowNumber(row.rowNumber);
  return { rowNumber: row.rowNumber, reason: cleanText(row.reason), original: cleanOriginal(row.original) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Batch ids are UUIDs in both stores; anything else is the caller's mistake. */
export function assertBatchId(batchId: string): string {
  if (!UUID.test(batchId)) {
    throw new ValidationError('invalid batch id', { details: { batchId } });
  }
  return batchId.toLowerCase();
}

/**
 * Within one write call the last occurrence of a row number wins, as it would with sequential
 * upserts; PostgreSQL's ON CONFLICT cannot touch the same row twice in one statement anyway.
 */
export function lastPerRowNumber<T extends { rowNumber: number }>(rows: readonly T[]): T[] {
  const byRow = new Map<number, T>();
  for (const row of rows) {
    byRow.set(row.rowNumber, row);
  }
  return byRow.size === rows.length ? [...rows] : [...byRow.values()];
}

/** Parses a stored JSON object of strings, tolerating nothing else. */
export function parseOriginal(json: string | null | undefined): Record<string, string> {
  if (json === null || json === undefined || json === '') {
    return {};
  }
  const value: unknown = JSON.parse(json);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {};
  }
  return value as Record<string, string>;
}

/** The caller caps the page size; this only rejects nonsense (0, negative, fractional, NaN). */
export function assertPageLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new ValidationError('invalid limit', { details: { limit } });
  }
  return limit;
}
