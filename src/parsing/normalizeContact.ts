import { TEXT_FIELDS, type TextField } from '../contacts/contactSchema.js';
import type { MappedFields } from './headerSynonyms.js';
import { regionOfCountry } from './normalize/country.js';
import { normalizeEmail } from './normalize/email.js';
import { splitFullName } from './normalize/names.js';
import { normalizePhone } from './normalize/phone.js';
import type { ContactRecord, ParsedRow } from './types.js';

export { normalizeEmail } from './normalize/email.js';
export { splitFullName } from './normalize/names.js';
export { normalizePhone } from './normalize/phone.js';

export interface RawContact {
  rowNumber: number;
  fields: MappedFields;
  original: Record<string, string>;
  /** Issues found before normalisation (truncated cells, dropped columns, ...). */
  issues: string[];
}

/** Whitespace collapsed and trimmed; empty -> null. */
const clean = (v: string | null): string | null => {
  if (v === null) {
    return null;
  }
  const t = v.replace(/\s+/g, ' ').trim();
  return t === '' ? null : t;
};

/** Fields with rules of their own below; every other text field of the schema is only cleaned. */
const RULED: ReadonlySet<TextField> = new Set(['fullName', 'firstName', 'lastName', 'email', 'phone']);
const PLAIN_FIELDS = TEXT_FIELDS.filter((f) => !RULED.has(f));

interface Names {
  fullName: string | null;
  firstName: string | null;
  lastName: string | null;
}

/** Fills the full name from its parts, or the parts from the full name ("Last, First"). */
function completeNames(f: MappedFields): Names {
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
  return { fullName, firstName, lastName };
}

/**
 * The email and phone of the row; problems with either are added to `issues`. The phone is read
 * in the row's own country when its country cell names one, else in `region` (the batch's).
 */
function contactDetails(f: MappedFields, region: string, issues: string[]) {
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
  const rawPhone = clean(f.phone);
  if (rawPhone !== null) {
    const r = normalizePhone(rawPhone, regionOfCountry(clean(f.country)) ?? region);
    phone = r.phone;
    if (r.issue) {
      issues.push(r.issue);
    }
  }
  return { email, phone };
}

/**
 * Turns mapped fields into a ContactRecord, or an InvalidRow when nothing identifies a contact.
 * `region` reads phone numbers without a country code (the batch's, else the deployment's).
 * An invalid row carries its record too, so a preview can show what was read from it.
 */
export function normalizeContact(raw: RawContact, region: string): ParsedRow {
  const f = raw.fields;
  const issues = [...raw.issues];
  const names = completeNames(f);
  const { email, phone } = contactDetails(f, region, issues);
  // A text field added to the contact schema is carried here without an edit (cleaned).
  const built: Record<string, unknown> = {
    rowNumber: raw.rowNumber,
    fullName: names.fullName,
    firstName: names.firstName,
    lastName: names.lastName,
    email,
    phone,
  };
  for (const name of PLAIN_FIELDS) {
    built[name] = clean(f[name]);
  }
  built['original'] = raw.original;
  built['issues'] = issues;
  const record = built as unknown as ContactRecord;
  if (names.fullName === null && email === null && phone === null) {
    const reason = ['no name, email or phone', ...issues].join('; ');
    return {
      kind: 'invalid',
      row: { rowNumber: raw.rowNumber, reason, original: raw.original },
      record: { ...record, issues: [reason] },
    };
  }
  return { kind: 'record', record };
}
