import iconv from 'iconv-lite';
import { checkUtf8 } from '../text/utf8.js';
import type { LogicalLine } from './lines.js';

/** Logical line -> property: name, parameters and the value decoded to text. */

export interface VcardParam {
  name: string;
  values: string[];
}

export interface VcardProperty {
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

/** Index of the first ":" outside double quotes (end of the name and parameters), or -1. */
function headerEnd(bytes: Buffer): number {
  let q = false;
  const limit = Math.min(bytes.length, 4096);
  for (let i = 0; i < limit; i++) {
    const b = bytes[i];
    if (b === 0x22) {
      q = !q;
    } else if (b === 0x3a && !q) {
      return i;
    }
  }
  return -1;
}

/** `TYPE=a,"b"` or a vCard 2.1 bare parameter (";WORK;VOICE;QUOTED-PRINTABLE"). */
function parseParam(part: string): VcardParam {
  const eq = part.indexOf('=');
  let name: string;
  let value: string;
  if (eq < 0) {
    const token = part.trim().toUpperCase();
    name = ENCODING_TOKENS.has(token) ? 'ENCODING' : 'TYPE';
    value = token;
  } else {
    name = part.slice(0, eq).trim().toUpperCase();
    value = part.slice(eq + 1).trim();
  }
  const values = splitOutsideQuotes(value, ',')
    .map((v) => v.trim().replace(/^"(.*)"$/, '$1'))
    .filter((v) => v.length > 0);
  return { name, values };
}

/** The value as text (QP and CHARSET applied), or null for binary values that are skipped. */
function decodeValue(name: string, params: readonly VcardParam[], valueBytes: Buffer): string | null {
  const param = (n: string) => params.find((p) => p.name === n)?.values[0]?.toUpperCase() ?? null;
  const encoding = param('ENCODING');
  if (
    BINARY_PROPERTIES.has(name) ||
    encoding === 'B' ||
    encoding === 'BASE64' ||
    param('VALUE') === 'BINARY'
  ) {
    return null;
  }
  const bytes = encoding === 'QUOTED-PRINTABLE' ? decodeQuotedPrintable(valueBytes) : valueBytes;
  return decodeBytes(bytes, param('CHARSET'));
}

export function parsePropertyLine(line: LogicalLine): VcardProperty | null {
  const { bytes } = line;
  const colon = headerEnd(bytes);
  if (colon <= 0) {
    return null;
  }
  const head = decodeBytes(bytes.subarray(0, colon), null);
  const [nameWithGroup = '', ...paramParts] = splitOutsideQuotes(head, ';');
  // A group prefix ("item1.ADR", Apple) does not change the meaning of the property.
  const name = nameWithGroup
    .slice(nameWithGroup.lastIndexOf('.') + 1)
    .trim()
    .toUpperCase();
  if (!/^[A-Z0-9-]+$/.test(name)) {
    return null;
  }
  const params = paramParts.map(parseParam);
  const value = decodeValue(name, params, bytes.subarray(colon + 1));
  return {
    name,
    params,
    rawValue: value ?? '',
    skipped: value === null,
    truncated: line.truncated,
  };
}
