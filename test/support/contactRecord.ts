import { FIELD_LIST, type ContactRecord } from '../../src/contacts/contactSchema.js';

/**
 * A whole contact record for tests: every field of the contact schema (a field added there is
 * here too), text fields null, no original cells, no issues, then `fields` on top.
 */
export function contactRecord(rowNumber: number, fields: Partial<ContactRecord> = {}): ContactRecord {
  const empty = Object.fromEntries(
    FIELD_LIST.filter((f) => f.spec.kind === 'text').map((f) => [f.name, null]),
  );
  return { ...empty, rowNumber, original: {}, issues: [], ...fields } as ContactRecord;
}
