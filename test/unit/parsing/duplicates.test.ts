import { describe, expect, it } from 'vitest';
import { parse } from './helpers.js';

describe('duplicate contacts within one file', () => {
  it('keeps every row and notes repeats by email, or by phone when there is no email', async () => {
    const csv = [
      'Name,Email,Phone',
      'Ada,ada@example.com,+1 415 555 0100',
      'Ada again,ADA@example.com,',
      'Bob,,+1 415 555 0199',
      'Bob twin,,(415) 555-0199',
      'Carol,carol@example.com,+1 415 555 0199',
    ].join('\n');
    const r = await parse(csv, 'csv');
    expect(r.error).toBeNull();
    expect(r.records.map((x) => x.issues.filter((i) => i.startsWith('duplicate')))).toEqual([
      [],
      ['duplicate of row 1 (same email)'],
      [],
      ['duplicate of row 3 (same phone)'],
      [],
    ]);
  });

  it('flags nothing in a file of distinct contacts', async () => {
    const csv = ['Name,Email', ...Array.from({ length: 5000 }, (_, i) => `P${i},p${i}@example.com`)].join(
      '\n',
    );
    const r = await parse(csv, 'csv');
    expect(r.records).toHaveLength(5000);
    expect(r.records.some((x) => x.issues.some((i) => i.startsWith('duplicate')))).toBe(false);
  });
});
