import { describe, expect, it, vi } from 'vitest';

/**
 * #18: adding a text field is one edit in contactSchema.ts. Here the schema gets a `website`
 * field bound to vCard's URL property (as docs/architecture-fields.md adds one) and nothing else
 * changes: a column mapped to it is read by the header mapping and carried, cleaned, into the
 * record by normalizeContact; a card's URL is read into it, and records.vcf writes it back.
 */
vi.mock('../../../src/contacts/contactSchema.js', async (importOriginal) => {
  const schema = await importOriginal<typeof import('../../../src/contacts/contactSchema.js')>();
  const website = {
    name: 'website',
    spec: {
      kind: 'text',
      postgres: 'website',
      cassandra: 'website',
      csvHeading: 'Website',
      nullBit: 13,
      vcard: { property: 'URL' },
    },
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
const { cardToContact } = await import('../../../src/parsing/vcard/cardToRow.js');
const { parsePropertyLine } = await import('../../../src/parsing/vcard/property.js');
const { recordVcard } = await import('../../../src/parsing/vcardOutput.js');
const { contactRecord } = await import('../../support/contactRecord.js');

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

  it('is read from its vCard property and written back to records.vcf', () => {
    const props = ['FN:Ada Lovelace', 'URL:https://example.org/ada', 'TITLE:Countess'].map((line) =>
      parsePropertyLine({ bytes: Buffer.from(line), truncated: false }),
    );
    const contact = cardToContact(
      props.filter((p) => p !== null),
      1,
      [],
    );
    expect(contact.fields).toMatchObject({
      fullName: 'Ada Lovelace',
      website: 'https://example.org/ada',
      title: 'Countess',
    });

    const card = recordVcard(
      contactRecord(1, { fullName: 'Ada', website: 'https://example.org/ada' } as never),
    );
    expect(card).toContain('\r\nURL:https://example.org/ada\r\n');
  });
});
