import { domainToASCII } from 'node:url';
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { ContactRecord, ParsedRow } from './types.js';
import type { MappedFields } from './headerSynonyms.js';

export interface RawContact {
  rowNumber: number;
  fields: MappedFields;
  original: Record<string, string>;
  /** Issues found before normalisation (truncated cells, dropped columns, ...). */
  issues: string[];
}

/** WHATWG HTML "valid e-mail address" local part and domain label. */
const EMAIL_LOCAL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const DOMAIN_LABEL = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/** Several values in one cell (Google Contacts uses " ::: "). The first one is used. */
function firstOfMany(value: string, separators: RegExp): string {
  return value.split(separators)[0]!.trim();
}

export interface EmailResult {
  email: string | null;
  issue: string | null;
}

/** Trims, removes `mailto:` and `Name <...>`, lower-cases the domain, validates. */
export function normalizeEmail(raw: string): EmailResult {
  let v = firstOfMany(raw.trim(), /\s*(?::::|;|,|\s)\s*/);
  const angle = /<([^<>]+)>/.exec(raw);
  if (angle) {
    v = angle[1]!.trim();
  }
  v = v.replace(/^mailto:/i, '');
  const at = v.lastIndexOf('@');
  const bad = { email: null, issue: `email address is not valid: ${raw.trim()}` };
  if (at <= 0 || at === v.length - 1 || v.length > 254) {
    return bad;
  }
  const local = v.slice(0, at);
  const domain = v.slice(at + 1).toLowerCase();
  const asciiDomain = domainToASCII(domain);
  if (!EMAIL_LOCAL.test(local) || local.length > 64 || asciiDomain === '') {
    return bad;
  }
  const labels = asciiDomain.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) {
    return bad;
  }
  return { email: `${local}@${domain}`, issue: null };
}

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

/** Lower-case name particles that belong to the last name ("Ludwig van Beethoven"). */
const PARTICLES = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'del',
  'della',
  'di',
  'da',
  'du',
  'la',
  'le',
  'ter',
  'ten',
  'zu',
  'dos',
  'das',
  'y',
]);

/** Splits "Last, First" or "First Middle Last" into first and last name. */
export function splitFullName(full: string): { firstName: string | null; lastName: string | null } {
  const comma = full.indexOf(',');
  if (comma > 0) {
    const last = full.slice(0, comma).trim();
    const first = full.slice(comma + 1).trim();
    return { firstName: first || null, lastName: last || null };
  }
  const words = full.split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) {
    return { firstName: null, lastName: null };
  }
  if (words.length === 1) {
    return { firstName: words[0]!, lastName: null };
  }
  let lastStart = words.length - 1;
  while (lastStart > 1 && PARTICLES.has(words[lastStart - 1]!)) {
    lastStart--;
  }
  return { firstName: words[0]!, lastName: words.slice(lastStart).join(' ') };
}

const clean = (v: string | null): string | null => {
  if (v === null) {
    return null;
  }
  const t = v.replace(/\s+/g, ' ').trim();
  return t === '' ? null : t;
};

/** Turns mapped fields into a ContactRecord, or an InvalidRow when nothing identifies a contact. */
export function normalizeContact(raw: RawContact, defaultRegion: string): ParsedRow {
  const f = raw.fields;
  const issues = [...raw.issues];
  let fullName = clean(f.fullName);
  let firstName = clean(f.firstName);
  let lastName = clean(f.lastName);
  const middleName = clean(f.middleName);
  if (fullName === null && (firstName !== null || lastName !== null)) {
    fullName = [firstName, middleName, lastName].filter((x) => x !== null).join(' ');
  } else if (fullName !== null && firstName === null && lastName === null) {
    ({ firstName, lastName } = splitFullName(fullName));
    if (fullName.includes(',')) {
      fullName = [firstName, lastName].filter((x) => x !== null).join(' ');
    }
  }

  let email: string | null = null;
  const rawEmail = clean(f.email);
  if (rawEmail !== null) {
    const r = normalizeEmail(rawEmail);
    email = r.email;
    if (r.issue) {
      issues.push(r.issue);
    }
  }

  let phone: string | null = null;
  let phoneParsed = false;
  const rawPhone = clean(f.phone);
  if (rawPhone !== null) {
    const r = normalizePhone(rawPhone, defaultRegion);
    phone = r.phone;
    phoneParsed = r.parsed;
    if (r.issue) {
      issues.push(r.issue);
    }
  }

  if (fullName === null && email === null && !phoneParsed) {
    return {
      kind: 'invalid',
      row: {
        rowNumber: raw.rowNumber,
        reason: ['no name, email or phone', ...issues].join('; '),
        original: raw.original,
      },
    };
  }

  const record: ContactRecord = {
    rowNumber: raw.rowNumber,
    fullName,
    firstName,
    lastName,
    email,
    phone,
    company: clean(f.company),
    title: clean(f.title),
    street: clean(f.street),
    city: clean(f.city),
    region: clean(f.region),
    postalCode: clean(f.postalCode),
    country: clean(f.country),
    original: raw.original,
    issues,
  };
  return { kind: 'record', record };
}
