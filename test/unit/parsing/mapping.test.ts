import { describe, expect, it } from 'vitest';
import { mappingFromOverride } from '../../../src/parsing/headers/columnMapping.js';
import { MAPPABLE_FIELDS } from '../../../src/parsing/headers/fields.js';
import { regionOfCountry } from '../../../src/parsing/normalize/country.js';
import { TEXT_FIELDS } from '../../../src/contacts/contactSchema.js';
import { GERMAN_SHEET_ROWS, xlsxOf } from '../../support/contactSheets.js';
import { fixture, parse, parseError } from './helpers.js';

const CSV = 'Name,Email,Phone,Notes\nAda Lovelace,ada@example.com,+44 20 7946 0000,first programmer\n';

describe('the mapping a table is read with', () => {
  it('offers the contact schema text fields plus middleName, nothing else', () => {
    expect([...MAPPABLE_FIELDS].sort()).toEqual([...TEXT_FIELDS, 'middleName'].sort());
  });

  it('uses the synonyms without an override and reports header, mapping, encoding, delimiter', async () => {
    const r = await parse(CSV, 'csv');
    expect(r.details).toEqual({
      encoding: 'utf-8',
      delimiter: ',',
      headerRow: ['Name', 'Email', 'Phone', 'Notes'],
      mapping: { Name: 'fullName', Email: 'email', Phone: 'phone', Notes: null },
      mappingSource: 'synonyms',
      savedMappingId: null,
      regionInference: expect.objectContaining({ status: expect.any(String) }) as unknown,
    });
  });

  it('uses only the override: columns it does not name are unmapped, their values kept in original', async () => {
    const mapping = { Name: 'company', Notes: 'title' } as const;
    const r = await parse(CSV, 'csv', { mapping });
    expect(r.details.mapping).toEqual({ Name: 'company', Email: null, Phone: null, Notes: 'title' });
    // No name, email or phone mapped: nothing identifies a contact.
    expect(r.error).toMatchObject({
      message: expect.stringMatching(/mapping sent with the upload maps no column/),
    });

    const withEmail = await parse(CSV, 'csv', { mapping: { ...mapping, Email: 'email' } });
    expect(withEmail.error).toBeNull();
    expect(withEmail.records).toEqual([
      expect.objectContaining({
        fullName: null,
        company: 'Ada Lovelace',
        title: 'first programmer',
        email: 'ada@example.com',
        phone: null, // "Phone" is not in the mapping: never read as a phone
        original: {
          Name: 'Ada Lovelace',
          Email: 'ada@example.com',
          Phone: '+44 20 7946 0000',
          Notes: 'first programmer',
        },
      }),
    ]);
  });

  it('maps a header the synonyms do not know, and ignores mapping keys the file lacks', async () => {
    const csv = 'Kontakt,Rufnummer\nAda,+44 20 7946 0000\n';
    expect(await parseError(csv, 'csv')).toMatch(/no column looks like a name, email or phone/);
    const r = await parse(csv, 'csv', { mapping: { Kontakt: 'fullName', Rufnummer: 'phone', Fax: null } });
    expect(r.records).toEqual([expect.objectContaining({ fullName: 'Ada', phone: '+442079460000' })]);
  });

  it('reads the address fields of an override as one address', () => {
    const m = mappingFromOverride(['A', 'B', 'C'], { A: 'street', B: 'email', C: 'city' });
    expect(m.addressGroups).toEqual([{ key: 'mapping', columns: { street: [0], city: [2] } }]);
    expect(m.fields).toEqual(new Map([['email', [1]]]));
    expect(m.columns).toEqual(['street', 'email', 'city']);
  });

  it('finds the header row of a sheet by the override when the synonyms know none of its headers', async () => {
    const sheet = xlsxOf([['title row'], ['Wer', 'Wo'], ['Ada', 'London']]);
    expect(await parseError(sheet, 'xlsx')).toMatch(/no column looks like a name, email or phone/);
    const r = await parse(sheet, 'xlsx', { mapping: { Wer: 'fullName', Wo: 'city' } });
    expect(r.details).toMatchObject({ headerRow: ['Wer', 'Wo'], encoding: null, delimiter: null });
    expect(r.records).toEqual([expect.objectContaining({ fullName: 'Ada', city: 'London' })]);
  });

  it('ignores a mapping for a vCard (its properties have fixed meanings)', async () => {
    const r = await parse(fixture('german-numbers-3.0.vcf'), 'vcf', { mapping: { FN: 'company' } });
    expect(r.details).toMatchObject({ encoding: 'utf-8', delimiter: null, headerRow: null, mapping: null });
    expect(r.records[0]).toMatchObject({ fullName: 'Jürgen Müller', company: null });
  });
});

describe('phone region per batch and per row', () => {
  it('reads the Excel CSV in the batch region, each row in its own country when it names one', async () => {
    const phones = async (phoneRegion?: string) => {
      const r = await parse(fixture('excel-german-numbers.csv'), 'csv', { phoneRegion });
      expect(r.details).toMatchObject({ encoding: 'windows-1252', delimiter: ';' });
      return r.rows.map((row) => [row.record.lastName, row.record.phone, row.record.issues]);
    };
    expect(await phones('DE')).toEqual([
      ['Müller', '+4915123456789', []],
      ['Schmidt', '+491701234567', []],
      ['Smith', '+14155552671', []], // country "USA"
      ['Martin', '+33612345678', []], // country "Frankreich"
      ['Weiß', '+493012345678', []],
    ]);
    // No phoneRegion: the file's rows name Germany, the USA and France (countries and e-mail
    // domains), which is no clear region: rows without a country get no phone, and the reason.
    const noRegion = (n: string) =>
      `phone number "${n}" has no country code (+…) and no region to read it in`;
    expect(await phones()).toEqual([
      ['Müller', null, [noRegion('0151 2345 6789')]],
      ['Schmidt', '+491701234567', []], // "Deutschland" still wins
      ['Smith', '+14155552671', []],
      ['Martin', '+33612345678', []],
      ['Weiß', null, [noRegion('030 12345678')]],
    ]);
  });

  it('reads the vCard in the batch region; an address country wins for its card', async () => {
    const us = await parse(fixture('german-numbers-3.0.vcf'), 'vcf', { phoneRegion: 'US' });
    expect(us.records.map((c) => c.phone)).toEqual([null, '+491701234567', null]);
    const de = await parse(fixture('german-numbers-3.0.vcf'), 'vcf', { phoneRegion: 'DE' });
    expect(de.records.map((c) => c.phone)).toEqual(['+4915123456789', '+491701234567', '+493012345678']);
  });

  it('reads the XLSX in the batch region, a row naming its country in that country', async () => {
    const sheet = xlsxOf(GERMAN_SHEET_ROWS);
    const de = await parse(sheet, 'xlsx', { phoneRegion: 'DE' });
    expect(de.records.map((c) => c.phone)).toEqual(['+4915123456789', '+14155552671']);
    const us = await parse(sheet, 'xlsx');
    expect(us.records.map((c) => [c.phone, c.issues])).toEqual([
      [null, ['phone number "0151 2345 6789" is too long for region US']],
      ['+14155552671', []],
    ]);
  });

  it('knows codes and names in English, German, French and Spanish, and a few everyday aliases', () => {
    const cases: [string | null, string | null][] = [
      ['DE', 'DE'],
      ['de', 'DE'],
      ['Germany', 'DE'],
      ['Deutschland', 'DE'],
      ['Allemagne', 'DE'],
      ['Alemania', 'DE'],
      ['Österreich', 'AT'],
      ['Côte d’Ivoire', 'CI'],
      ['U.S.A.', 'US'],
      ['UK', 'GB'],
      ['England', 'GB'],
      ['Schweiz', 'CH'],
      ['Atlantis', null],
      ['ZZ', null],
      ['', null],
      [null, null],
    ];
    for (const [text, code] of cases) {
      expect(regionOfCountry(text), String(text)).toBe(code);
    }
  });
});
