/**
 * Deterministic benchmark inputs: contact CSVs, vCard files and XLSX workbooks of a target size,
 * shaped like real exports (mixed phone formats, non-ASCII names, quoted commas, ~1% unusable
 * rows), plus the zip bomb XLSX used for the worker memory check.
 */
import * as XLSX from '@e965/xlsx';

/** Small, fast, seeded PRNG (mulberry32) so every run sees the same files (tests use it too). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Jürgen', 'Zoë', 'Amélie', 'Søren', 'Chen', 'Priya'];
const LAST = [
  'Lovelace',
  'Hopper',
  'Müller',
  'Hamilton',
  'García',
  'Ørsted',
  'Nakamura',
  'Okafor',
  'Kowalski',
];
const CITY = ['San Francisco', 'New York', 'Berlin', 'London', 'Austin', 'Zürich', 'Chicago'];
const TITLE = ['Engineer', 'Sales Manager', 'CTO', 'Account Executive', '', 'Designer'];

export interface Contact {
  first: string;
  last: string;
  email: string;
  phone: string;
  company: string;
  title: string;
  city: string;
}

/** The i-th contact (1-based); about 1% have no name, email or usable phone (invalid rows). */
export function contact(i: number, next: () => number): Contact {
  const r = next();
  const first = `${FIRST[i % FIRST.length]!}${i}`;
  const last = LAST[(i * 7) % LAST.length]!;
  const area = 200 + (i % 700);
  const line = String(1000 + (i % 9000)).padStart(4, '0');
  let phone: string;
  if (r < 0.5) {
    phone = `+1 ${area} 555 ${line}`;
  } else if (r < 0.8) {
    phone = `(${area}) 555-${line}`;
  } else if (r < 0.9) {
    phone = `+44 20 7946 ${line}`;
  } else if (r < 0.97) {
    phone = `+49 30 ${String(1_000_000 + i).slice(-7)}`;
  } else {
    phone = `ext ${line}`; // unparseable: kept as text with an issue
  }
  if (r > 0.99) {
    return {
      first: '',
      last: '',
      email: 'not-an-email',
      phone: 'n/a',
      company: `Co ${i % 50}`,
      title: '',
      city: '',
    };
  }
  return {
    first,
    last,
    email: r < 0.95 ? `${first.toLowerCase()}.${i}@Example.com` : '',
    phone,
    company: `Company ${i % 50}, Inc.`,
    title: TITLE[i % TITLE.length]!,
    city: CITY[i % CITY.length]!,
  };
}

export const CSV_HEADER = [
  'First Name',
  'Last Name',
  'E-mail Address',
  'Mobile Phone',
  'Company',
  'Job Title',
  'City',
];

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function contactCells(c: Contact): string[] {
  return [c.first, c.last, c.email, c.phone, c.company, c.title, c.city];
}

export interface GeneratedFile {
  bytes: Buffer;
  /** Data rows (CSV/XLSX) or cards (VCF). */
  rows: number;
  contacts: Contact[];
}

/** A contacts CSV (CRLF, UTF-8) of at most `targetBytes`. */
export function contactsCsv(targetBytes: number, seed = 1): GeneratedFile {
  const next = rng(seed);
  const lines = [CSV_HEADER.join(',')];
  const contacts: Contact[] = [];
  let size = Buffer.byteLength(lines[0]!) + 2;
  for (let i = 1; ; i++) {
    const c = contact(i, next);
    const line = contactCells(c).map(csvCell).join(',');
    const bytes = Buffer.byteLength(line) + 2;
    if (size + bytes > targetBytes) {
      break;
    }
    size += bytes;
    lines.push(line);
    contacts.push(c);
  }
  return { bytes: Buffer.from(lines.join('\r\n') + '\r\n'), rows: contacts.length, contacts };
}

/** The same contacts as key-prefixed CSV rows for cqlsh COPY (batch_id, bucket, row_number, ...). */
export function cqlshCsv(contacts: readonly Contact[], batchId: string, bucketSize: number): Buffer {
  const lines = contacts.map((c, idx) => {
    const row = idx + 1;
    return [batchId, String(Math.floor(row / bucketSize)), String(row), ...contactCells(c).map(csvCell)].join(
      ',',
    );
  });
  return Buffer.from(lines.join('\n') + '\n');
}

function vcardText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/;/g, '\\;');
}

/** A vCard 3.0 file of at most `targetBytes`. */
export function contactsVcf(targetBytes: number, seed = 2): GeneratedFile {
  const next = rng(seed);
  const cards: string[] = [];
  const contacts: Contact[] = [];
  let size = 0;
  for (let i = 1; ; i++) {
    const c = contact(i, next);
    const lines = ['BEGIN:VCARD', 'VERSION:3.0', `N:${vcardText(c.last)};${vcardText(c.first)};;;`];
    lines.push(`FN:${vcardText(`${c.first} ${c.last}`.trim())}`);
    if (c.email) {
      lines.push(`EMAIL;TYPE=INTERNET:${c.email}`);
    }
    lines.push(`TEL;TYPE=CELL:${c.phone}`);
    lines.push(`ORG:${vcardText(c.company)}`);
    if (c.title) {
      lines.push(`TITLE:${vcardText(c.title)}`);
    }
    lines.push(
      `ADR;TYPE=WORK:;;${i} Main Street;${vcardText(c.city)};;${10000 + (i % 89999)};USA`,
      'END:VCARD',
    );
    const card = lines.join('\r\n') + '\r\n';
    const bytes = Buffer.byteLength(card);
    if (size + bytes > targetBytes) {
      break;
    }
    size += bytes;
    cards.push(card);
    contacts.push(c);
  }
  return { bytes: Buffer.from(cards.join('')), rows: contacts.length, contacts };
}

/** An XLSX (SheetJS writer, shared strings) of the given contacts, trimmed to at most `maxBytes`. */
export function contactsXlsx(contacts: readonly Contact[], maxBytes: number): GeneratedFile {
  let n = contacts.length;
  for (;;) {
    const aoa = [CSV_HEADER, ...contacts.slice(0, n).map(contactCells)];
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(aoa), 'Contacts');
    const bytes = XLSX.write(wb, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer;
    if (bytes.length <= maxBytes) {
      return { bytes, rows: n, contacts: contacts.slice(0, n) };
    }
    n = Math.floor((n * maxBytes) / bytes.length) - 100;
  }
}
