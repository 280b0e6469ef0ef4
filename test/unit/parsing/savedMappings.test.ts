import { describe, expect, it } from 'vitest';
import {
  chooseMapping,
  headerFingerprint,
  normalisedFields,
  type SavedMappingCandidate,
} from '../../../src/parsing/headers/savedMappings.js';
import { xlsxOf } from '../../support/contactSheets.js';
import { parse } from './helpers.js';

/** Headers the synonyms do not know: only a mapping reads this file. */
const FIRST = 'Kundenname,Kontakt,Ruf,Notiz\nAda Lovelace,ada@example.com,+44 20 7946 0000,first\n';
const REORDERED = 'ruf ,NOTIZ,KUNDENNAME,Kontakt\n+44 20 7946 0001,second,Bo Li,bo@example.com\n';
const MAPPING = { Kundenname: 'fullName', Kontakt: 'email', Ruf: 'phone', Notiz: null } as const;

function saved(id: string, names: string[], mapping: Record<string, string | null>): SavedMappingCandidate {
  return {
    id,
    fingerprint: headerFingerprint(names)!,
    fields: normalisedFields(names, mapping as never),
  };
}

describe('remembered mappings in the parser', () => {
  it('a header row in another order, case and spacing has the same fingerprint; another set does not', () => {
    const a = headerFingerprint(['Kundenname', 'Kontakt', 'Ruf', 'Notiz']);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(headerFingerprint(['ruf ', 'NOTIZ', 'KUNDENNAME', 'Kontakt'])).toBe(a);
    expect(headerFingerprint(['Kundenname', 'Kontakt', 'Ruf'])).not.toBe(a);
    expect(headerFingerprint(['Kundenname', 'Kontakt', 'Ruf', 'Notiz', 'Extra'])).not.toBe(a);
  });

  it('names that normalise alike give no fingerprint, so nothing is matched or remembered', () => {
    expect(headerFingerprint(['Phone', 'PHONE', 'Name'])).toBeNull();
    const candidate = saved('m1', ['Phone', 'Name'], { Phone: 'phone', Name: 'fullName' });
    expect(chooseMapping(['Phone', 'PHONE', 'Name'], null, [candidate]).source).toBe('synonyms');
  });

  it('reads a CSV in another column order with the saved mapping, and says so', async () => {
    const candidate = saved('m1', ['Kundenname', 'Kontakt', 'Ruf', 'Notiz'], MAPPING);
    const r = await parse(REORDERED, 'csv', { savedMappings: [candidate] });
    expect(r.error).toBeNull();
    expect(r.details).toMatchObject({
      mappingSource: 'saved',
      savedMappingId: 'm1',
      mapping: { ruf: 'phone', NOTIZ: null, KUNDENNAME: 'fullName', Kontakt: 'email' },
    });
    expect(r.records).toEqual([
      expect.objectContaining({ fullName: 'Bo Li', email: 'bo@example.com', phone: '+442079460001' }),
    ]);
  });

  it('a sent mapping wins over a saved one; without a match the synonyms read the file', async () => {
    const candidate = saved('m1', ['Kundenname', 'Kontakt', 'Ruf', 'Notiz'], MAPPING);
    const sent = await parse(FIRST, 'csv', {
      savedMappings: [candidate],
      mapping: { Kundenname: 'company', Kontakt: 'email' },
    });
    expect(sent.details).toMatchObject({ mappingSource: 'request', savedMappingId: null });
    expect(sent.records[0]).toMatchObject({ company: 'Ada Lovelace', fullName: null });

    const other = saved('m2', ['Name', 'Email'], { Name: 'company', Email: 'email' });
    const none = await parse('Name,Email,Phone\nAda,ada@example.com,\n', 'csv', { savedMappings: [other] });
    expect(none.details).toMatchObject({ mappingSource: 'synonyms', savedMappingId: null });
    expect(none.records[0]).toMatchObject({ fullName: 'Ada' });
  });

  it('finds the header row of a workbook with the saved mapping (its headers mean nothing to the synonyms)', async () => {
    const candidate = saved('m1', ['Kundenname', 'Kontakt', 'Ruf', 'Notiz'], MAPPING);
    const book = xlsxOf([
      ['Notiz', 'Kundenname', 'Ruf', 'Kontakt'],
      ['x', 'Cy Young', '+1 202 555 0100', 'cy@example.com'],
    ]);
    const r = await parse(book, 'xlsx', { savedMappings: [candidate] });
    expect(r.error).toBeNull();
    expect(r.details.mappingSource).toBe('saved');
    expect(r.records).toEqual([expect.objectContaining({ fullName: 'Cy Young', email: 'cy@example.com' })]);
  });
});
