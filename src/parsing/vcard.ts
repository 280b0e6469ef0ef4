/**
 * Streaming vCard 2.1 / 3.0 / 4.0 reader.
 *
 * Why hand-written: the npm vCard packages either read one card at a time from a string
 * (vcard-parser, vcf), do not handle vCard 2.1 QUOTED-PRINTABLE with CHARSET and soft line
 * breaks (which Android and older Nokia/Outlook exports use), or are unmaintained for years
 * (vcard-json, vcards-js is a writer). None streams, so a 10 MB file with embedded photos would
 * be held in memory several times over. The subset needed here (unfolding, parameters, escapes,
 * QP + charset, a handful of properties) is small enough to own and test.
 *
 * Work is done on bytes: lines are split and unfolded as bytes and every value is decoded with
 * its own CHARSET (default UTF-8, Windows-1252 when the bytes are not UTF-8). A logical line is
 * kept up to MAX_VCARD_LINE_BYTES; the rest (typically an inline PHOTO) is discarded while
 * streaming, so memory stays bounded.
 */
import iconv from 'iconv-lite';
import { FileContentError } from '../errors.js';
import { checkUtf8 } from './text/utf8.js';
import type { MappedFields } from './headerSynonyms.js';
import { MAX_CELL_CHARS, MAX_COLUMNS, MAX_VCARD_LINE_BYTES } from './limits.js';
import { normalizeContact } from './normalizeContact.js';
import { tooManyRows } from './tabular.js';
import type { ParsedRow } from './types.js';

export interface VcardParam {
  name: string;
  values: string[];
}

export interface VcardProperty {
  group: string | null;
  name: string;
  params: VcardParam[];
  /** Decoded text (QP and charset applied, vCard escapes still present). */
  rawValue: string;
  /** Binary (base64) values and over-long lines are not decoded. */
  skipped: boolean;
  truncated: boolean;
}

const ENCODING_TOKENS = new Set(['QUOTED-PRINTABLE', 'BASE64', 'B', '8BIT', '7BIT']);
const BINARY_PROPERTIES = new Set(['PHOTO', 'LOGO', 'SOUND', 'KEY']);

// ---------------------------------------------------------------------------------------------
// Bytes -> logical lines

interface LogicalLine {
  bytes: Buffer;
  truncated: boolean;
}

class LineAssembler {
  private parts: Buffer[] = [];
  private size = 0;
  private truncated = false;
  private qp = false;
  private lastByte = -1;
  private open = false;

  constructor(private readonly emit: (line: LogicalLine) => void) {}

  private append(b: Buffer): void {
    if (b.length === 0) {
      return;
    }
    this.lastByte = b[b.length - 1]!;
    const room = MAX_VCARD_LINE_BYTES - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const take = b.length > room ? b.subarray(0, room) : b;
    if (take.length < b.length) {
      this.truncated = true;
    }
    this.parts.push(Buffer.from(take));
    this.size += take.length;
  }

  /** One physical line (without its line break); `cut` when the physical line itself was capped. */
  line(phys: Buffer, cut: boolean): void {
    const first = phys[0];
    if (this.open && (first === 0x20 || first === 0x09)) {
      this.append(phys.subarray(1));
    } else if (this.open && this.qp && this.lastByte === 0x3d /* = */) {
      // QUOTED-PRINTABLE soft line break: drop the "=" and join.
      const last = this.parts[this.parts.length - 1];
      if (last && last.length > 0) {
        this.parts[this.parts.length - 1] = last.subarray(0, last.length - 1);
        this.size--;
      }
      this.lastByte = -1;
      this.append(phys);
    } else {
      this.flush();
      if (phys.length === 0) {
        return;
      }
      this.open = true;
      this.append(phys);
      const colon = phys.indexOf(0x3a);
      const head = phys.subarray(0, colon < 0 ? Math.min(phys.length, 512) : colon).toString('latin1');
      this.qp = /QUOTED-PRINTABLE/i.test(head);
    }
    if (cut) {
      this.truncated = true;
    }
  }

  flush(): void {
    if (this.open) {
      this.emit({ bytes: Buffer.concat(this.parts, this.size), truncated: this.truncated });
    }
    this.parts = [];
    this.size = 0;
    this.truncated = false;
    this.qp = false;
    this.lastByte = -1;
    this.open = false;
  }
}

/** Splits chunks into physical lines (CRLF, LF or CR), each capped at MAX_VCARD_LINE_BYTES. */
class PhysicalLines {
  private parts: Buffer[] = [];
  private size = 0;
  private cut = false;
  private pendingCR = false;

  constructor(private readonly out: LineAssembler) {}

  private add(b: Buffer): void {
    const room = MAX_VCARD_LINE_BYTES + 1 - this.size;
    if (room <= 0) {
      if (b.length > 0) {
        this.cut = true;
      }
      return;
    }
    const take = b.length > room ? b.subarray(0, room) : b;
    if (take.length < b.length) {
      this.cut = true;
    }
    if (take.length > 0) {
      this.parts.push(Buffer.from(take));
      this.size += take.length;
    }
  }

  private end(): void {
    this.out.line(Buffer.concat(this.parts, this.size), this.cut);
    this.parts = [];
    this.size = 0;
    this.cut = false;
  }

  write(chunk: Buffer): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.pendingCR) {
        this.pendingCR = false;
        if (b === 0x0a && i === start) {
          start = i + 1;
          continue;
        }
      }
      if (b === 0x0a || b === 0x0d) {
        this.add(chunk.subarray(start, i));
        this.end();
        if (b === 0x0d) {
          if (i + 1 < chunk.length) {
            if (chunk[i + 1] === 0x0a) {
              i++;
            }
          } else {
            this.pendingCR = true;
          }
        }
        start = i + 1;
      }
    }
    this.add(chunk.subarray(start));
  }

  finish(): void {
    if (this.size > 0 || this.cut) {
      this.end();
    }
    this.out.flush();
  }
}

// ---------------------------------------------------------------------------------------------
// Logical line -> property

function decodeQuotedPrintable(bytes: Buffer): Buffer {
  const out = Buffer.alloc(bytes.length);
  let o = 0;
  const hex = (c: number) =>
    c >= 0x30 && c <= 0x39
      ? c - 0x30
      : c >= 0x41 && c <= 0x46
        ? c - 55
        : c >= 0x61 && c <= 0x66
          ? c - 87
          : -1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x3d && i + 2 < bytes.length) {
      const h = hex(bytes[i + 1]!);
      const l = hex(bytes[i + 2]!);
      if (h >= 0 && l >= 0) {
        out[o++] = h * 16 + l;
        i += 2;
        continue;
      }
    }
    out[o++] = b;
  }
  return out.subarray(0, o);
}

function decodeBytes(bytes: Buffer, charset: string | null): string {
  if (charset && charset.toUpperCase() !== 'UTF-8' && iconv.encodingExists(charset)) {
    return iconv.decode(bytes, charset);
  }
  const check = checkUtf8(bytes);
  if (check.invalidAt < 0 && check.incompleteTail === 0) {
    return bytes.toString('utf8');
  }
  return iconv.decode(bytes, 'windows-1252');
}

/** Splits `a;b="x;y":value` header parts respecting double quotes. */
function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (const ch of s) {
    if (ch === '"') {
      q = !q;
    }
    if (ch === sep && !q) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

export function parsePropertyLine(line: LogicalLine): VcardProperty | null {
  const { bytes } = line;
  // The name/parameter part ends at the first ":" outside double quotes.
  let colon = -1;
  let q = false;
  const limit = Math.min(bytes.length, 4096);
  for (let i = 0; i < limit; i++) {
    const b = bytes[i];
    if (b === 0x22) {
      q = !q;
    } else if (b === 0x3a && !q) {
      colon = i;
      break;
    }
  }
  if (colon <= 0) {
    return null;
  }
  const head = decodeBytes(bytes.subarray(0, colon), null);
  const [nameWithGroup = '', ...paramParts] = splitOutsideQuotes(head, ';');
  const dot = nameWithGroup.lastIndexOf('.');
  const group = dot > 0 ? nameWithGroup.slice(0, dot) : null;
  const name = nameWithGroup
    .slice(dot + 1)
    .trim()
    .toUpperCase();
  if (!/^[A-Z0-9-]+$/.test(name)) {
    return null;
  }
  const params: VcardParam[] = [];
  for (const part of paramParts) {
    const eq = part.indexOf('=');
    let pname: string;
    let pvalue: string;
    if (eq < 0) {
      // vCard 2.1 bare parameter: ";WORK;VOICE;QUOTED-PRINTABLE".
      const token = part.trim().toUpperCase();
      pname = ENCODING_TOKENS.has(token) ? 'ENCODING' : 'TYPE';
      pvalue = token;
    } else {
      pname = part.slice(0, eq).trim().toUpperCase();
      pvalue = part.slice(eq + 1).trim();
    }
    const values = splitOutsideQuotes(pvalue, ',')
      .map((v) => v.trim().replace(/^"(.*)"$/, '$1'))
      .filter((v) => v.length > 0);
    params.push({ name: pname, values });
  }
  const param = (n: string) => params.find((p) => p.name === n)?.values[0]?.toUpperCase() ?? null;
  const encoding = param('ENCODING');
  const valueType = param('VALUE');
  const skipped =
    BINARY_PROPERTIES.has(name) || encoding === 'B' || encoding === 'BASE64' || valueType === 'BINARY';
  let rawValue = '';
  if (!skipped) {
    let valueBytes = bytes.subarray(colon + 1);
    if (encoding === 'QUOTED-PRINTABLE') {
      valueBytes = decodeQuotedPrintable(valueBytes);
    }
    rawValue = decodeBytes(valueBytes, param('CHARSET'));
  }
  return { group, name, params, rawValue, skipped, truncated: line.truncated };
}

// ---------------------------------------------------------------------------------------------
// Values

export function unescapeText(v: string): string {
  return v.replace(/\\([\\,;:nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Splits a structured value (N, ADR, ORG) on unescaped ";" and unescapes each component. */
export function splitStructured(v: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (ch === '\\' && i + 1 < v.length) {
      cur += ch + v[i + 1]!;
      i++;
    } else if (ch === ';') {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((c) => unescapeText(c).trim());
}

function types(p: VcardProperty): string[] {
  return p.params
    .filter((x) => x.name === 'TYPE')
    .flatMap((x) => x.values.flatMap((v) => v.split(',')))
    .map((t) => t.trim().toUpperCase())
    .filter((t) => t.length > 0);
}

/** Lower is preferred: PREF=1 (4.0) < TYPE=pref / bare PREF (2.1, 3.0) < others in file order. */
function preference(p: VcardProperty): number {
  const pref = p.params.find((x) => x.name === 'PREF')?.values[0];
  if (pref !== undefined && /^\d+$/.test(pref)) {
    return Number(pref);
  }
  if (types(p).includes('PREF')) {
    return 1;
  }
  return 1000;
}

function pickPreferred(props: VcardProperty[]): VcardProperty | null {
  let best: VcardProperty | null = null;
  for (const p of props) {
    if (p.rawValue.trim() === '') {
      continue;
    }
    if (!best || preference(p) < preference(best)) {
      best = p;
    }
  }
  return best;
}

/** `tel:+1-555-555-0100;ext=12` -> `+1-555-555-0100`. */
function telValue(v: string): string {
  const t = unescapeText(v).trim();
  if (/^tel:/i.test(t)) {
    return t.slice(4).split(';')[0]!.trim();
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Card -> ParsedRow

function cardToRow(props: VcardProperty[], rowNumber: number, defaultRegion: string, extraIssues: string[]) {
  const issues = [...extraIssues];
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
    let value = ['N', 'ADR', 'ORG'].includes(p.name)
      ? splitStructured(p.rawValue).join(';')
      : unescapeText(p.rawValue);
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
  return normalizeContact({ rowNumber, fields, original, issues }, defaultRegion);
}

/** Re-encodes UTF-16 (with BOM) input to UTF-8 and strips a UTF-8 BOM. */
async function* utf8Bytes(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let decoder: iconv.DecoderStream | null = null;
  let first = true;
  for await (const chunk of input) {
    let c = chunk;
    if (first) {
      first = false;
      if (c.length >= 2 && c[0] === 0xff && c[1] === 0xfe) {
        decoder = iconv.getDecoder('utf-16le');
      } else if (c.length >= 2 && c[0] === 0xfe && c[1] === 0xff) {
        decoder = iconv.getDecoder('utf-16be');
      } else if (c.length >= 3 && c[0] === 0xef && c[1] === 0xbb && c[2] === 0xbf) {
        c = c.subarray(3);
      }
    }
    yield decoder ? Buffer.from(decoder.write(c), 'utf8') : c;
  }
  if (decoder) {
    const tail = decoder.end();
    if (tail) {
      yield Buffer.from(tail, 'utf8');
    }
  }
}

const MAX_PROPERTIES_PER_CARD = 2000;

export async function* parseVcard(
  input: AsyncIterable<Buffer>,
  opts: { maxRows: number; defaultRegion: string },
): AsyncGenerator<ParsedRow> {
  const ready: ParsedRow[] = [];
  let cardProps: VcardProperty[] | null = null;
  let cardIssues: string[] = [];
  let nested = 0;
  let cards = 0;
  let sawCard = false;

  const finishCard = () => {
    if (!cardProps) {
      return;
    }
    const props = cardProps;
    cardProps = null;
    if (!props.some((p) => !['VERSION', 'BEGIN', 'END'].includes(p.name) && p.rawValue.trim() !== '')) {
      return; // an empty card is skipped like a blank row
    }
    cards++;
    if (cards > opts.maxRows) {
      throw tooManyRows(opts.maxRows);
    }
    ready.push(cardToRow(props, cards, opts.defaultRegion, cardIssues));
  };

  const assembler = new LineAssembler((line) => {
    const prop = parsePropertyLine(line);
    if (!prop) {
      return;
    }
    const value = prop.rawValue.trim().toUpperCase();
    if (prop.name === 'BEGIN' && value === 'VCARD') {
      sawCard = true;
      if (cardProps) {
        nested++;
      } else {
        cardProps = [];
        cardIssues = [];
      }
      return;
    }
    if (prop.name === 'END' && value === 'VCARD') {
      if (nested > 0) {
        nested--;
      } else {
        finishCard();
      }
      return;
    }
    if (!cardProps || nested > 0) {
      return;
    }
    if (cardProps.length >= MAX_PROPERTIES_PER_CARD) {
      if (cardIssues.length === 0 || !cardIssues.includes('too many properties; the rest were ignored')) {
        cardIssues.push('too many properties; the rest were ignored');
      }
      return;
    }
    cardProps.push(prop);
  });
  const lines = new PhysicalLines(assembler);

  for await (const chunk of utf8Bytes(input)) {
    lines.write(chunk);
    while (ready.length > 0) {
      yield ready.shift()!;
    }
  }
  lines.finish();
  if (cardProps) {
    cardIssues.push('the card is not terminated (END:VCARD is missing)');
    finishCard();
  }
  while (ready.length > 0) {
    yield ready.shift()!;
  }
  if (!sawCard) {
    throw new FileContentError('no contacts found: the file contains no vCard (BEGIN:VCARD … END:VCARD)');
  }
  if (cards === 0) {
    throw new FileContentError('no contacts found: every vCard in the file is empty');
  }
}
