/**
 * vCard 4.0 writing (RFC 6350) for the records.vcf export: one card per contact record, CRLF line
 * ends, text values escaped (section 3.4) and content lines folded at 75 octets (section 3.2)
 * without splitting a UTF-8 character.
 */
import { FIELD_LIST, type ContactRecord, type TextField } from '../contacts/contactSchema.js';

const CRLF = '\r\n';
/** RFC 6350 3.2: lines SHOULD NOT be longer than 75 octets, excluding the line break. */
const MAX_LINE_OCTETS = 75;
const E164 = /^\+[1-9]\d{1,14}$/;

/** A TEXT value escaped per RFC 6350 3.4: backslash, comma, semicolon and newlines. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/,/g, '\\,')
    .replace(/;/g, '\\;')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** A content line folded into ≤75-octet pieces; continuation lines start with one space. */
export function foldLine(line: string): string {
  const pieces: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    // A continuation line's leading space counts toward its 75 octets.
    const limit = pieces.length === 0 ? MAX_LINE_OCTETS : MAX_LINE_OCTETS - 1;
    if (octets + size > limit) {
      pieces.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  pieces.push(current);
  return pieces.join(`${CRLF} `) + CRLF;
}

/** The formatted name (FN is required): the full name, else first+last, else email/phone/company. */
function formattedName(record: ContactRecord): string {
  const joined = [record.firstName, record.lastName].filter((p) => p !== null && p !== '').join(' ');
  const candidates = [record.fullName, joined, record.email, record.phone, record.company];
  return candidates.find((c): c is string => c !== null && c !== '') ?? `Contact ${record.rowNumber}`;
}

/** A structured value (N, ADR): components escaped one by one, joined by `;`. */
function structured(components: ReadonlyArray<string | null>): string {
  return components.map((c) => escapeText(c ?? '')).join(';');
}

/** Components of the structured properties as RFC 6350 defines them (6.2.2 N, 6.3.1 ADR). */
const COMPONENTS: Record<string, number> = { N: 5, ADR: 7 };

interface Bound {
  field: TextField;
  component: number | undefined;
}

/** The text fields each property carries, in record order (from the schema's `vcard` bindings). */
const PROPERTIES: ReadonlyMap<string, readonly Bound[]> = (() => {
  const byProperty = new Map<string, Bound[]>();
  for (const { name, spec } of FIELD_LIST) {
    // FN is written from the whole record (formattedName): it is required.
    if (spec.kind === 'text' && spec.vcard && spec.vcard.property !== 'FN') {
      const bound = { field: name as TextField, component: spec.vcard.component };
      byProperty.set(spec.vcard.property, [...(byProperty.get(spec.vcard.property) ?? []), bound]);
    }
  }
  return byProperty;
})();

/** One property's content line, or null when the record has none of its fields. */
function propertyLine(record: ContactRecord, property: string, bindings: readonly Bound[]): string | null {
  const first = record[bindings[0]!.field];
  if (!bindings.some((b) => record[b.field] !== null && record[b.field] !== '')) {
    return null;
  }
  if (property === 'TEL' && first) {
    // A tel: URI (RFC 6350 6.4.1 prefers it). Records hold E.164 or null; text is kept only for
    // rows stored before that contract, which the stores now refuse to write.
    return E164.test(first) ? `TEL;VALUE=uri:tel:${first}` : `TEL:${escapeText(first)}`;
  }
  if (bindings.every((b) => b.component === undefined)) {
    return first ? `${property}:${escapeText(first)}` : null;
  }
  const size = Math.max(COMPONENTS[property] ?? 0, ...bindings.map((b) => (b.component ?? 0) + 1));
  const components: Array<string | null> = new Array<string | null>(size).fill(null);
  for (const b of bindings) {
    components[b.component ?? 0] = record[b.field];
  }
  return `${property}:${structured(components)}`;
}

/** The content lines of one card, unfolded: FN, then each bound property in record order. */
function contentLines(record: ContactRecord): string[] {
  const lines = ['BEGIN:VCARD', 'VERSION:4.0', `FN:${escapeText(formattedName(record))}`];
  for (const [property, fields] of PROPERTIES) {
    const line = propertyLine(record, property, fields);
    if (line !== null) {
      lines.push(line);
    }
  }
  lines.push('END:VCARD');
  return lines;
}

/** One contact as a vCard 4.0 card, folded, CRLF line ends. */
export function recordVcard(record: ContactRecord): string {
  return contentLines(record).map(foldLine).join('');
}
