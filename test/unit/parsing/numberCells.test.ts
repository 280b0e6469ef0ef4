import { describe, expect, it } from 'vitest';
import { fixture, parse } from './helpers.js';

/**
 * Issue 22, class 3, through the real parsers: workbooks written by openpyxl and xlwt (see
 * test/fixtures/contacts/make_thirdparty_fixtures.py) with phone numbers stored as integer and
 * float cells next to the row's country. Before the fix, the German rows came out with the
 * country code doubled (+494917612345678).
 */
const EXPECTED = [
  ['Jürgen Müller', '+4917612345678'],
  ['Anna Schmidt', '+4915123456789'],
  ['Oliver Smith', '+447911123456'],
  ['Émile Zola', '+33612345678'],
  ['Kenji Watanabe', '+819012345678'],
  // A cell formatted 0.00E+00 shows 4.93E+09; its value has every digit.
  ['Scientific Format', '+4930123456'],
];

describe('phone numbers stored as numbers in third-party workbooks', () => {
  it.each([
    ['openpyxl-numbers.xlsx', 'xlsx'],
    ['xlwt-biff8.xls', 'xls'],
  ] as const)('%s: every number is its own E.164, no issue', async (name, format) => {
    const r = await parse(fixture(`thirdparty/${name}`), format);
    expect(r.error).toBeNull();
    expect(r.records.map((x) => [x.fullName, x.phone])).toEqual(EXPECTED);
    expect(r.records.flatMap((x) => x.issues)).toEqual([]);
  });
});
