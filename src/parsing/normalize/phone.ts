import {
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
} from 'libphonenumber-js';
import { LRUCache } from 'lru-cache';
import { firstOfMany } from './firstOfMany.js';
import { keepsDigits } from './phoneDigits.js';
import { storedNumber, type StoredNumber } from './storedNumber.js';

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

/** The texts to read, in order, each with the region it is read in (none: it has its "+"). */
function readings(written: string, country: CountryCode | undefined): [string, CountryCode | undefined][] {
  const digits = written.replace(/[\s().\-/]/g, '');
  const out: [string, CountryCode | undefined][] = [];
  // Digits with no trunk 0 that begin with the region's own country code are most likely the
  // international number without its "+" (a spreadsheet number): read as national, the country
  // code would be doubled (4917612345678 in Germany -> +494917612345678, which looks valid).
  if (
    country !== undefined &&
    /^[1-9]\d+$/.test(digits) &&
    digits.startsWith(getCountryCallingCode(country))
  ) {
    out.push([`+${digits}`, undefined]);
  }
  out.push([written, country]);
  if (/^00\d{8,15}$/.test(digits)) {
    out.push([`+${digits.slice(2)}`, undefined]);
  }
  // A number stored as a spreadsheet number lost its "+": 4915112345678.
  if (/^\d{10,15}$/.test(digits)) {
    out.push([`+${digits}`, undefined]);
  }
  return out;
}

/** The problem with a cell that holds a number printed by a spreadsheet, or null. */
function storedNumberIssue(text: string, stored: StoredNumber | null): string | null {
  switch (stored?.kind) {
    case 'lostDigits':
      return (
        `phone number "${text}" was stored as a number and written in scientific notation, which ` +
        'dropped digits; format the column as text in the spreadsheet and export it again'
      );
    case 'fraction':
      return `phone number "${text}" is not a phone number`;
    default:
      return null;
  }
}

/**
 * The first number of a cell as E.164, read in `region` when it has no country code. Never
 * returns the raw text as the phone: the record contract is E.164 or null, and a reading that
 * changes the written digits (see phoneDigits.ts) gives null with an issue, never a guess.
 */
export function normalizePhoneUncached(raw: string, region: string): PhoneResult {
  const text = firstOfMany(raw, /\s*(?::::|;|\/\/)\s*/);
  if (text === '') {
    return { phone: null, issue: null };
  }
  const stored = storedNumber(text);
  const storedIssue = storedNumberIssue(text, stored);
  if (storedIssue !== null) {
    return { phone: null, issue: storedIssue };
  }
  const written = stored?.kind === 'digits' ? stored.digits : text;
  const upper = region.toUpperCase();
  const defaultCountry = isSupportedCountry(upper) ? upper : undefined;
  let changed: string | null = null;
  for (const [candidate, country] of readings(written, defaultCountry)) {
    const pn = parsePhoneNumberFromString(candidate, country ? { defaultCountry: country } : {});
    if (pn?.isValid()) {
      if (keepsDigits(written, pn, defaultCountry)) {
        return { phone: pn.number, issue: null };
      }
      changed ??= pn.number;
    }
  }
  if (changed !== null) {
    return {
      phone: null,
      issue: `phone number "${text}" reads as ${changed} only by changing its digits, so it was not used`,
    };
  }
  return { phone: null, issue: unusableReason(written, defaultCountry) };
}
