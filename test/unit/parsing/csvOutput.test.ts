import { describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../../src/contacts/contactSchema.js';
import {
  csvLine,
  neutraliseFormulas,
  recordCsvLine,
  recordsCsvHeaderLine,
} from '../../../src/parsing/csvOutput.js';
import { parse } from './helpers.js';
import { contactRecord } from '../../support/contactRecord.js';

describe('csvLine', () => {
  it('quotes per RFC 4180, and also cells with ";" or tab so ";"/tab readers keep them whole', () => {
    expect(csvLine(['a', 'b c', ''])).toBe('a,b c,\r\n');
    expect(csvLine(['x,y', 'say "hi"', 'two\nlines', ' padded '])).toBe(
      '"x,y","say ""hi""","two\nlines"," padded "\r\n',
    );
    expect(csvLine(['a;b', 'a\tb'])).toBe('"a;b","a\tb"\r\n');
  });

  it('quotes and neutralises a formula start at the beginning of a cell', () => {
    expect(csvLine(['=1+2', '+49 30 123', '-5', '@SUM(A1)', '\tx', '\rx'])).toBe(
      `"'=1+2","'+49 30 123","'-5","'@SUM(A1)","'\tx","'\rx"\r\n`,
    );
    expect(csvLine(['=HYPERLINK("http://evil","x")'])).toBe(`"'=HYPERLINK(""http://evil"",""x"")"\r\n`);
  });

  it('neutralises a formula start after any separator (Excel set to ";" splits "a;=1+1")', () => {
    expect(csvLine([';=1+1'])).toBe(`";'=1+1"\r\n`);
    expect(csvLine(["x,=cmd|' /C calc'!A0"])).toBe(`"x,'=cmd|' /C calc'!A0"\r\n`);
    expect(csvLine(['a\t+1', 'note\n-2', 'a\r@x', 'a;;=1'])).toBe(
      `"a\t'+1","note\n'-2","a\r'@x","a;;'=1"\r\n`,
    );
  });

  it('guards the character after a leading tab or CR too (that separator is itself a formula start)', () => {
    expect(csvLine(['\t=1', '\r+1', '\t\t@x'])).toBe(`"'\t'=1","'\r'+1","'\t'\t'@x"\r\n`);
  });

  it('leaves values without a formula start untouched', () => {
    const plain = [
      'a=b',
      'Saint-Étienne',
      'x+y',
      'user@example.com',
      'R&D',
      '42',
      '(030) 123-45',
      '{"a":"-1"}',
    ];
    expect(csvLine(plain)).toBe(
      `a=b,Saint-Étienne,x+y,user@example.com,R&D,42,(030) 123-45,"{""a"":""-1""}"\r\n`,
    );
    for (const value of plain) {
      expect(neutraliseFormulas(value)).toBe(value);
    }
  });
});

describe('E.164 phone numbers', () => {
  const record: ContactRecord = contactRecord(1, {
    fullName: 'Ann Example',
    email: 'ann@example.com',
    phone: '+4915123456789',
  });

  it("are written as text a spreadsheet shows as is ('+…), never as a number or formula", () => {
    expect(recordCsvLine(record)).toContain(`,"'+4915123456789",`);
  });

  it('survive an export -> import round trip as the same E.164 number', async () => {
    const exported = recordsCsvHeaderLine() + recordCsvLine(record);
    // A region whose numbers look nothing like +49, so only the text itself can give the result.
    const imported = await parse(exported, 'csv', { defaultRegion: 'US' });
    expect(imported.error).toBeNull();
    expect(imported.records.map((r) => [r.phone, r.issues])).toEqual([['+4915123456789', []]]);
  });
});
