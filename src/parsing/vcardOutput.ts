/**
 * vCard 4.0 writing (RFC 6350) for the records.vcf export: one card per contact record, CRLF line
 * ends, text values escaped (section 3.4) and content lines folded at 75 octets (section 3.2)
 * without splitting a UTF-8 character.
 */
import type { ContactRecord } from '../contacts/contactSchema.js';

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

function hasAny(values: ReadonlyArray<string | null>): boolean {
  return values.some((v) => v !== null && v !== '');
}

/** The content lines of one card, unfolded. */
function contentLines(record: ContactRecord): string[] {
  const lines = ['BEGIN:VCARD', 'VERSION:4.0', `FN:${escapeText(formattedName(record))}`];
  if (hasAny([record.lastName, record.firstName])) {
    lines.push(`N:${structured([record.lastName, record.firstName, null, null, null])}`);
  }
  if (record.email) {
    lines.push(`EMAIL:${escapeText(record.email)}`);
  }
  if (record.phone) {
    // A tel: URI (RFC 6350 6.4.1 prefers it). Records hold E.164 or null; text is kept only for
    // rows stored before that contract, which the stores now refuse to write.
    lines.push(
      E164.test(record.phone) ? `TEL;VALUE=uri:tel:${record.phone}` : `TEL:${escapeText(record.phone)}`,
    );
  }
  if (record.company) {
    lines.push(`ORG:${escapeText(record.company)}`);
  }
  if (record.title) {
    lines.push(`TITLE:${escapeText(record.title)}`);
  }
  const address = [record.street, record.city, record.region, record.postalCode, record.country];
  if (hasAny(address)) {
    // ADR components: PO box; extended address; street; locality; region; postal code; country.
    lines.push(`ADR:${structured([null, null, ...address])}`);
  }
  lines.push('END:VCARD');
  return lines;
}

/** One contact as a vCard 4.0 card, folded, CRLF line ends. */
export function recordVcard(record: ContactRecord): string {
  return contentLines(record).map(foldLine).join('');
}
