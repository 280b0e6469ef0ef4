import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { firstOfMany } from './firstOfMany.js';

export interface PhoneResult {
  /** E.164 when parseable, else the raw text. */
  phone: string | null;
  /** Whether `phone` is a parsed E.164 number. */
  parsed: boolean;
  issue: string | null;
}

export function normalizePhone(raw: string, defaultRegion: string): PhoneResult {
  const text = firstOfMany(raw, /\s*(?::::|;|\/\/)\s*/);
  if (text === '') {
    return { phone: null, parsed: false, issue: null };
  }
  const region = defaultRegion.toUpperCase();
  const defaultCountry = isSupportedCountry(region) ? region : undefined;
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
    return { phone: e164, parsed: true, issue: null };
  }
  return { phone: text, parsed: false, issue: `phone number could not be parsed: ${text}` };
}
