import type { MappedFields } from '../headerSynonyms.js';
import { MAX_CELL_CHARS, MAX_COLUMNS } from '../limits.js';
import type { RawContact } from '../normalizeContact.js';
import type { VcardProperty } from './property.js';
import { pickPreferred, splitStructured, telValue, types, unescapeText } from './values.js';

/** Card -> ParsedRow: every property kept in `original`, the contact fields picked from them. */

const STRUCTURED = new Set(['N', 'ADR', 'ORG']);

/** Displayed text of a property: structured values joined with ";", escapes removed. */
function displayValue(p: VcardProperty): string {
  return STRUCTURED.has(p.name) ? splitStructured(p.rawValue).join(';') : unescapeText(p.rawValue);
}

/** Every non-empty property as "NAME;TYPE=..." -> text, capped in length and count. */
function originalColumns(props: readonly VcardProperty[], issues: string[]): Record<string, string> {
  const original: Record<string, string> = {};
  let keys = 0;
  let droppedKeys = false;
  for (const p of props) {
    if (p.name === 'BEGIN' || p.name === 'END' || p.skipped) {
      continue;
    }
    if (p.truncated) {
      issues.push(`${p.name} value was too long and was truncated`);
    }
    let value = displayValue(p);
    if (value.trim() === '') {
      continue;
    }
    if (value.length > MAX_CELL_CHARS) {
      value = value.slice(0, MAX_CELL_CHARS);
      issues.push(`${p.name} was longer than ${MAX_CELL_CHARS} characters and was truncated`);
    }
    const t = types(p);
    const base = t.length > 0 ? `${p.name};TYPE=${t.join(',')}` : p.name;
    let key = base;
    for (let n = 2; key in original; n++) {
      key = `${base} ${n}`;
    }
    if (keys >= MAX_COLUMNS) {
      droppedKeys = true;
      continue;
    }
    original[key] = value;
    keys++;
  }
  if (droppedKeys) {
    issues.push(`card has more than ${MAX_COLUMNS} properties; the rest were not kept`);
  }
  return original;
}

/** Contact fields from FN, N, EMAIL, TEL, ORG, TITLE and ADR (preferred values first). */
function mappedFields(props: readonly VcardProperty[]): MappedFields {
  const byName = (n: string) => props.filter((p) => p.name === n && !p.skipped);
  const fn = byName('FN').find((p) => p.rawValue.trim() !== '');
  const n = byName('N')[0];
  const nParts = n ? splitStructured(n.rawValue) : [];
  const email = pickPreferred(byName('EMAIL'));
  const tel = pickPreferred(byName('TEL'));
  const org = byName('ORG')[0];
  const title = byName('TITLE')[0];
  const adr = pickPreferred(byName('ADR'));
  const adrParts = adr ? splitStructured(adr.rawValue) : [];
  const part = (arr: string[], i: number) => (arr[i] ? arr[i] : null);
  const street = [adrParts[1], adrParts[2]].filter((x) => x).join(', ');
  const fields: MappedFields = {
    fullName: fn ? unescapeText(fn.rawValue) : null,
    lastName: part(nParts, 0),
    firstName: part(nParts, 1),
    middleName: part(nParts, 2),
    email: email ? unescapeText(email.rawValue).replace(/^mailto:/i, '') : null,
    phone: tel ? telValue(tel.rawValue) : null,
    company: org ? part(splitStructured(org.rawValue), 0) : null,
    title: title ? unescapeText(title.rawValue) : null,
    street: street || part(adrParts, 0),
    city: part(adrParts, 3),
    region: part(adrParts, 4),
    postalCode: part(adrParts, 5),
    country: part(adrParts, 6),
  };
  for (const k of Object.keys(fields) as (keyof MappedFields)[]) {
    const v = fields[k];
    if (v !== null && v.length > MAX_CELL_CHARS) {
      fields[k] = v.slice(0, MAX_CELL_CHARS);
    }
  }
  return fields;
}

/** The card's fields and properties, not normalised yet (normalizeRows does that). */
export function cardToContact(
  props: readonly VcardProperty[],
  rowNumber: number,
  cardIssues: readonly string[],
): RawContact {
  const issues = [...cardIssues];
  const original = originalColumns(props, issues);
  return { rowNumber, fields: mappedFields(props), original, issues };
}
