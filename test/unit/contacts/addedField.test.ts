import { describe, expect, it, vi } from 'vitest';

/**
 * #18: adding a text field is one edit in contactSchema.ts. Here the schema gets a `website`
 * field (as docs/architecture-fields.md adds one) and nothing else changes: a column mapped to
 * it is read by the header mapping and carried, cleaned, into the record by normalizeContact.
 */
vi.mock('../../../src/contacts/contactSchema.js', async (importOriginal) => {
  const schema = await importOriginal<typeof import('../../../src/contacts/contactSchema.js')>();
  const website = {
    name: 'website',
    spec: { kind: 'text', postgres: 'website', cassandra: 'website', csvHeading: 'Website', nullBit: 13 },
  };
  return {
    ...schema,
    FIELD_LIST: [...schema.FIELD_LIST, website],
    TEXT_FIELDS: [...schema.TEXT_FIELDS, 'website'],
  };
});

const { mappingFromOverride } = await import('../../../src/parsing/headers/columnMapping.js');
const { pickFields } = await import('../../../src/parsing/headers/mapHeaders.js');
const { normalizeContact } = await import('../../../src/parsing/normalizeContact.js');

describe('a text field added to the contact schema', () => {
  it('is mapped from its column and carried, cleaned, into the record', () => {
    const names = ['Name', 'Web'];
    const mapping = mappingFromOverride(names, { Name: 'fullName', Web: 'website' } as never);
    const fields = pickFields(mapping, ['Ada Lovelace', '  example.org   /ada ']);
    expect(fields).toMatchObject({ fullName: 'Ada Lovelace', website: 'example.org   /ada' });

    const row = normalizeContact({ rowNumber: 1, fields, original: {}, issues: [] }, 'US');
    expect(row.kind).toBe('record');
    expect(row.record).toMatchObject({
      fullName: 'Ada Lovelace',
      website: 'example.org /ada',
      company: null,
    });
  });
});
