import {
  isSupportedCountry,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
} from 'libphonenumber-js';
import { LRUCache } from 'lru-cache';
import { firstOfMany } from './firstOfMany.js';

export interface PhoneResult {
  /** E.164, or null when the text is no usable number (the raw text stays in `original`). */
  phone: string | null;
  /** Why a non-empty text gave no number; null when it did (or when there was no text). */
  issue: string | null;
}

/** Why libphonenumber refused `text`, in words a person can act on. */
function unusableReason(text: string, country: CountryCode | undefined): string {
  const quoted = `phone number "${text}"`;
  // A number with its own country code is not read in the region, so naming it would mislead.
  const where = /^\s*(\+|00)/.test(text) || country === undefined ? '' : ` for region ${country}`;
  switch (validatePhoneNumberLength(text, country)) {
    case 'NOT_A_NUMBER':
      return `${quoted} is not a phone number`;
    case 'INVALID_COUNTRY':
      return country === undefined
        ? `${quoted} has no country code (+…) and no region to read it in`
        : `${quoted} has an unknown country code`;
    case 'TOO_SHORT':
      return `${quoted} is too short${where}`;
    case 'TOO_LONG':
      return `${quoted} is too long${where}`;
    default:
      return `${quoted} is not a valid number${where}`;
  }
}

/**
 * Results per (region, raw text). Exports often repeat numbers (a company's switchboard, a
 * shared office line) and libphonenumber's parse + isValid is the parser's largest cost; the
 * bound keeps each parse thread's share small (about 1-2 MB).
 */
const cache = new LRUCache<string, PhoneResult>({ max: 10_000 });

/** Like normalizePhoneUncached, remembered per (region, raw text); results are never mutated. */
export function normalizePhone(raw: string, region: string): PhoneResult {
  const key = `${region}\u0000${raw}`;
  let result = cache.get(key);
  if (result === undefined) {
    result = normalizePhoneUncached(raw, region);
    cache.set(key, result);
  }
  return result;
}

/**
 * The first number of a cell as E.164, read in `region` when it has no country code. Never
 * returns the raw text as the phone: the record contract is E.164 or null.
 */
export function normalizePhoneUncached(raw: string, region: string): PhoneResult {
  const text = firstOfMany(raw, /\s*(?::::|;|\/\/)\s*/);
  if (text === '') {
    return { phone: null, issue: null };
  }
  const upper = region.toUpperCase();
  const defaultCountry = isSupportedCountry(upper) ? upper : undefined;
  const tryParse = (s: string, country?: CountryCode): string | null => {
    const pn = parsePhoneNumberFromString(s, country ? { defaultCountry: country } : {});
    return pn?.isValid() ? pn.number : null;
  };
  let e164 = tryParse(text, defaultCountry);
  const digits = text.replace(/[\s().\-/]/g, '');
  if (e164 === null && /^00\d{8,15}$/.test(digits)) {
    e164 = tryParse(`+${digits.slice(2)}`);
  }
  // A number stored as a spreadsheet number lost its "+": 4915112345678.
  if (e164 === null && /^\d{10,15}$/.test(digits)) {
    e164 = tryParse(`+${digits}`);
  }
  if (e164 !== null) {
    return { phone: e164, issue: null };
  }
  return { phone: null, issue: unusableReason(text, defaultCountry) };
}
