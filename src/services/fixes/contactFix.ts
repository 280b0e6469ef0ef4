/**
 * A fix of an invalid row, read with the worker's own code: the cells go through the batch's
 * column mapping (or the synonyms) and `pickFields`, the fields through `normalizeContact` with
 * the batch's phone region, so a fix is accepted exactly when the same row in an upload would be.
 */
import { TEXT_FIELDS, type TextField } from '../../contacts/contactSchema.js';
import { headerMapping } from '../../parsing/headers/columnMapping.js';
import { pickFields, type MappedFields } from '../../parsing/headerSynonyms.js';
import { normalizeContact } from '../../parsing/normalizeContact.js';
import type { ColumnMapping, ContactRecord, InvalidRow } from '../../parsing/types.js';

/** Contact fields given by a person: a value replaces what was read; null or "" clears it. */
export type FieldFixes = Partial<Record<TextField, string | null>>;

export interface FixSettings {
  /** The batch's mapping; null: the synonyms, as for the upload. */
  mapping: ColumnMapping | null;
  /** The batch's phone region, else the deployment's (a row's country column still wins). */
  region: string;
}

export type FixOutcome =
  { ok: true; record: ContactRecord } | { ok: false; reasons: string[]; record: ContactRecord };

const NAME_FIELDS: readonly TextField[] = ['fullName', 'firstName', 'lastName'];

/**
 * The fields the worker reads from these cells. The columns are those of the stored row (its
 * non-empty cells) or of the corrected errors.csv, so the synonyms see the row's own headers.
 */
export function fieldsFromCells(cells: Record<string, string>, mapping: ColumnMapping | null): MappedFields {
  const names = Object.keys(cells);
  return pickFields(
    headerMapping(names, mapping),
    names.map((name) => cells[name] ?? ''),
  );
}

/** The record read from `cells` with `fixes` laid over the fields, and whether it is valid. */
export function readFix(
  rowNumber: number,
  cells: Record<string, string>,
  fixes: FieldFixes,
  settings: FixSettings,
): FixOutcome {
  const fields = fieldsFromCells(cells, settings.mapping);
  for (const field of TEXT_FIELDS) {
    if (Object.hasOwn(fixes, field)) {
      fields[field] = fixes[field] ?? null;
    }
  }
  if (NAME_FIELDS.some((f) => Object.hasOwn(fixes, f))) {
    fields.middleName = null; // the person gave the name; a middle name read from the file would mix in
  }
  const parsed = normalizeContact({ rowNumber, fields, original: cells, issues: [] }, settings.region);
  if (parsed.kind === 'record') {
    return { ok: true, record: parsed.record };
  }
  return { ok: false, reasons: reasonsOf(parsed.row.reason), record: { ...parsed.record, issues: [] } };
}

/** The record as far as the worker could read the stored invalid row, with its reasons. */
export function readInvalidRow(
  row: InvalidRow,
  settings: FixSettings,
): { record: ContactRecord; reasons: string[] } {
  const outcome = readFix(row.rowNumber, row.original, {}, settings);
  // The stored reason is what the worker said (it may name problems the stored cells no longer
  // show, such as a truncated cell); the re-read only adds the record.
  return { record: outcome.record, reasons: reasonsOf(row.reason) };
}

/** normalizeContact joins its reasons with "; " (see its invalid branch). */
function reasonsOf(reason: string): string[] {
  return reason.split('; ').filter((r) => r !== '');
}
