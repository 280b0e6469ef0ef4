import { describe, expect, it } from 'vitest';
import { REGION_SAMPLE_ROWS } from '../../../src/parsing/normalizeRows.js';
import { parse } from './helpers.js';

/**
 * Issue 22, class 4: with no phoneRegion, a file's own evidence (numbers written with a country
 * code, its country column, e-mail country domains) decides the region its local numbers are
 * read in; conflicting evidence gives null with an issue, never the deployment default's guess.
 */
const ITALIAN = [
  'Name,Email,Phone',
  // 312 345 6789 is an Italian mobile (Italy has no trunk prefix) that also fits the US pattern:
  // read in the default region US it became +1 312 345 6789, a valid Chicago number.
  'Mario Rossi,mario@example.it,312 345 6789',
  'Giulia Bianchi,giulia@example.it,+39 347 123 4567',
  'Luca Verdi,luca@example.it,333 123 4567',
].join('\n');

describe('the region a file’s own evidence gives', () => {
  it('reads local numbers in the region the file clearly names, and says why', async () => {
    const r = await parse(ITALIAN, 'csv');
    expect(r.records.map((c) => [c.phone, c.issues])).toEqual([
      ['+393123456789', []],
      ['+393471234567', []],
      ['+393331234567', []],
    ]);
    expect(r.details.regionInference).toEqual({
      status: 'inferred',
      region: 'IT',
      evidence: [{ region: 'IT', phones: 1, countries: 0, emails: 3 }],
    });
  });

  it('gives no phone and an issue, not a guess, when the evidence conflicts', async () => {
    const csv = [
      ITALIAN,
      'Jürgen Müller,juergen@example.de,+49 151 23456789',
      'Anna Schmidt,anna@example.de,0170 1234567',
      'Petra Weiß,petra@example.de,',
    ].join('\n');
    const r = await parse(csv, 'csv');
    expect(r.details.regionInference).toMatchObject({ status: 'conflict', region: null });
    expect(r.records.map((c) => c.phone)).toEqual([
      null,
      '+393471234567', // written with its country code: needs no region
      null,
      '+4915123456789',
      null,
      null,
    ]);
    expect(r.records[0]!.issues).toEqual([
      'phone number "312 345 6789" has no country code (+…) and no region to read it in',
    ]);
  });

  it('keeps the deployment default when the evidence is too thin, and never infers over phoneRegion', async () => {
    const thin = await parse('Name,Email,Phone\nAda,ada@example.it,(415) 555-2671\n', 'csv');
    expect(thin.details.regionInference).toMatchObject({ status: 'none', region: null });
    expect(thin.records[0]!.phone).toBe('+14155552671');
    const chosen = await parse(ITALIAN, 'csv', { phoneRegion: 'US' });
    expect(chosen.details.regionInference).toBeNull();
    expect(chosen.records[0]!.phone).toBe('+13123456789');
  });

  it('lets a few foreign contacts decide nothing about a long list of local numbers', async () => {
    // Read in Germany, (415) 555-26xx is a valid-looking +49 415 … number: the US list must stay US.
    const us = Array.from({ length: 20 }, (_, i) => `P${i},p${i}@example.com,(415) 555-${2600 + i}`);
    const foreign = [
      'Jürgen Müller,juergen@example.de,+49 151 23456789',
      'Anna Schmidt,anna@example.de,+49 170 1234567',
      'Élodie Martin,elodie@example.fr,+33 6 12 34 56 78',
      'Paul Durand,paul@example.fr,+33 6 98 76 54 32',
    ];
    const r = await parse(['Name,Email,Phone', ...us, ...foreign].join('\n'), 'csv');
    expect(r.details.regionInference).toMatchObject({ status: 'none', region: null });
    expect(r.records[0]!.phone).toBe('+14155552600');
    expect(r.records.every((c) => c.phone !== null)).toBe(true);
  });

  it('takes e-mail domains used as generic names (.io, .co) as no evidence', async () => {
    const csv = 'Name,Email,Phone\nA,a@startup.io,(415) 555-2671\nB,b@brand.co,(415) 555-2672\nC,c@x.io,\n';
    const r = await parse(csv, 'csv');
    expect(r.details.regionInference).toEqual({ status: 'none', region: null, evidence: [] });
    expect(r.records.map((c) => c.phone)).toEqual(['+14155552671', '+14155552672', null]);
  });

  it('decides on the first rows and reads a long file in that region to the end', async () => {
    const rows = Array.from(
      { length: REGION_SAMPLE_ROWS + 50 },
      (_, i) => `P${i},p${i}@example.it,333 123 ${String(4000 + i)}`,
    );
    const r = await parse(['Name,Email,Phone', ...rows].join('\n'), 'csv', { chunkSize: 512 });
    expect(r.records).toHaveLength(REGION_SAMPLE_ROWS + 50);
    expect(r.records.at(-1)!.phone).toBe(`+39333123${4000 + REGION_SAMPLE_ROWS + 49}`);
  });

  it('still yields the rows read before a parse error, then the error', async () => {
    const r = await parse(`${ITALIAN}\n"Never closed,x@example.it,1\n`, 'csv');
    expect(r.records.map((c) => c.phone)).toEqual(['+393123456789', '+393471234567', '+393331234567']);
    expect(r.error).toMatchObject({ message: expect.stringMatching(/unterminated quote/) as unknown });
  });
});
