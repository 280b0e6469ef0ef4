import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { regionOfCountry } from '../../../src/parsing/normalize/country.js';
import { normalizePhoneUncached } from '../../../src/parsing/normalize/phone.js';
import { allPhoneCases, isWrong, readPhone } from '../../support/phoneCases.js';

/** Issue 22, class 3: a phone is E.164 and right, or null with an issue — never another number. */
describe('phone numbers stored as numbers', () => {
  it('reads digits that begin with the region’s own country code as international first', () => {
    // Before: +494917612345678, the country code doubled (valid-looking, wrong).
    expect(normalizePhoneUncached('4917612345678', 'DE')).toEqual({ phone: '+4917612345678', issue: null });
    expect(normalizePhoneUncached('49 151 23456789', 'DE').phone).toBe('+4915123456789');
    expect(normalizePhoneUncached('12125550199', 'US').phone).toBe('+12125550199');
  });

  it('still reads national numbers, with or without the trunk prefix', () => {
    expect(normalizePhoneUncached('0151 23456789', 'DE').phone).toBe('+4915123456789');
    expect(normalizePhoneUncached('15123456789', 'DE').phone).toBe('+4915123456789');
    expect(normalizePhoneUncached('8 912 345-67-89', 'RU').phone).toBe('+79123456789');
    expect(normalizePhoneUncached('+44 (0)20 7946 0958', 'US').phone).toBe('+442079460958');
    expect(normalizePhoneUncached('011 44 20 7946 0958', 'US').phone).toBe('+442079460958');
  });

  it('reads a float’s ".0" as the end of the number, not as one more digit', () => {
    // Before: libphonenumber read "4917612345678.0" as the digits 49176123456780.
    expect(normalizePhoneUncached('4917612345678.0', 'DE').phone).toBe('+4917612345678');
    expect(normalizePhoneUncached('442079460958.0', 'GB').phone).toBe('+442079460958');
    expect(normalizePhoneUncached('4.42079460958E+11', 'GB').phone).toBe('+442079460958');
  });

  it('refuses scientific notation that dropped digits, saying so', () => {
    for (const text of ['4.42079E+11', '4,91761E+12']) {
      const r = normalizePhoneUncached(text, 'GB');
      expect(r.phone).toBeNull();
      expect(r.issue).toContain('scientific notation, which dropped digits');
    }
    expect(normalizePhoneUncached('4.4207946095812E+11', 'GB')).toEqual({
      phone: null,
      issue: 'phone number "4.4207946095812E+11" is not a phone number',
    });
  });

  it('refuses a reading that changes the written digits (null and an issue, not a guess)', () => {
    // libphonenumber turns the Argentine "15" mobile form into +54 9 …: other digits than written.
    expect(normalizePhoneUncached('011 15 2345-6789', 'AR')).toEqual({
      phone: null,
      issue:
        'phone number "011 15 2345-6789" reads as +5491123456789 only by changing its digits, so it was not used',
    });
    // "(0)" is dropped only where it is written: bare 6201234567 in Hungary is not +62 (0)1234567.
    expect(normalizePhoneUncached('6201234567', 'HU').phone).not.toBe('+621234567');
  });

  it('knows a row’s country in the region’s own language', () => {
    expect(regionOfCountry('Россия')).toBe('RU');
    expect(regionOfCountry('日本')).toBe('JP');
    expect(regionOfCountry('Magyarország')).toBe('HU');
    expect(regionOfCountry('Deutschland')).toBe('DE');
    expect(regionOfCountry('Germany')).toBe('DE');
  });
});

describe('property: every region’s example number, in every written form, is right or null', () => {
  const cases = allPhoneCases();

  it('covers every region and form the generator knows', () => {
    expect(cases.length).toBeGreaterThan(6000);
  });

  it('never gives another valid number (fixed seed; the full set runs in test/faults)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases), (c) => {
        const result = readPhone(c);
        expect(isWrong(c, result), `${c.region} ${c.form} "${c.phoneCell}" (${c.countryCell})`).toBe(false);
      }),
      { seed: 22, numRuns: 1500 },
    );
  });
});
