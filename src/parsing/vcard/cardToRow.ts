import { FIELD_LIST, type TextField, type VcardBinding } from '../../contacts/contactSchema.js';
import { MAPPABLE_FIELDS, type MappableField } from '../headers/fields.js';
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

/** A property's value as a contact field: EMAIL without "mailto:", TEL without "tel:". */
const PROPERTY_TEXT: Record<string, (rawValue: string) => string> = {
  EMAIL: (v) => unescapeText(v).replace(/^mailto:/i, ''),
  TEL: telValue,
};

/**
 * A structured value's component. The street line also takes the extended address (flat, suite)
 * in front of it, and falls back to the PO box when the card gives no street.
 */
function componentText(property: string, parts: readonly string[], component: number): string | null {
  const part = parts[component] ? parts[component] : null;
  if (property !== 'ADR' || component !== 2) {
    return part;
  }
  const street = [parts[1], parts[2]].filter((x) => x).join(', ');
  return street || (parts[0] ? parts[0] : null);
}

/** N's additional names: not stored, read to complete the full name (headers/fields.ts). */
const MIDDLE_NAME: VcardBinding = { property: 'N', component: 2 };

/** Where each field is read: the schema's `vcard` bindings (FN, N, EMAIL, TEL, ORG, TITLE, ADR today). */
const BINDINGS: ReadonlyArray<[MappableField, VcardBinding]> = [
  ...FIELD_LIST.flatMap(({ name, spec }): Array<[MappableField, VcardBinding]> =>
    spec.kind === 'text' && spec.vcard ? [[name as TextField, spec.vcard]] : [],
  ),
  ['middleName', MIDDLE_NAME],
];

/**
 * The contact fields, each read where its binding says: of several properties of one name the
 * preferred one, one card property feeding all of its fields. A field without a binding is null.
 */
function mappedFields(props: readonly VcardProperty[]): MappedFields {
  const chosen = new Map<string, VcardProperty | null>();
  const pick = (name: string) => {
    if (!chosen.has(name)) {
      chosen.set(name, pickPreferred(props.filter((p) => p.name === name && !p.skipped)));
    }
    return chosen.get(name)!;
  };
  const fields = Object.fromEntries(MAPPABLE_FIELDS.map((f) => [f, null])) as MappedFields;
  for (const [field, binding] of BINDINGS) {
    const p = pick(binding.property);
    if (p) {
      const value =
        binding.component === undefined
          ? (PROPERTY_TEXT[binding.property] ?? unescapeText)(p.rawValue)
          : componentText(binding.property, splitStructured(p.rawValue), binding.component);
      fields[field] =
        value !== null && value.length > MAX_CELL_CHARS ? value.slice(0, MAX_CELL_CHARS) : value;
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
