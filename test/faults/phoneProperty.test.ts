import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allPhoneCases, isWrong, readPhone, type PhoneCase } from '../support/phoneCases.js';

/**
 * The larger run of the phone property (the unit suite samples 1,500 cases with a fixed seed):
 * every region's example number in every written form, read with the row's country in English,
 * in the local language, as an ISO code, and with no country but the batch's region. Right or
 * null with an issue, never another valid number. Before issue 22's fix, 270 of the 6,192
 * row-country cases came out as another valid number.
 */
const WAYS = ['row country', 'iso code', 'batch region'] as const;

function wrongOnes(cases: PhoneCase[], way: (typeof WAYS)[number]): string[] {
  return cases
    .filter((c) => isWrong(c, readPhone(c, way)))
    .map(
      (c) =>
        `${c.region} ${c.form} "${c.phoneCell}" (${way}: ${c.countryCell}) -> ${readPhone(c, way).phone}`,
    );
}

describe('phone property, every case', () => {
  const cases = allPhoneCases();

  for (const way of WAYS) {
    it(`is right or null for all ${cases.length} cases, country given as: ${way}`, () => {
      expect(wrongOnes(cases, way)).toEqual([]);
    });
  }

  it('holds for a random sample with surrounding whitespace and a random seed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.constantFrom(...WAYS),
        fc.constantFrom('', ' ', '\t', '\u00a0'),
        (c, way, pad) => {
          const padded = { ...c, phoneCell: `${pad}${c.phoneCell}${pad}` };
          expect(isWrong(padded, readPhone(padded, way)), `${c.region} ${c.form} ${way}`).toBe(false);
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
