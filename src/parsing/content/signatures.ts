/** Magic numbers of common non-contact files, byte order marks and a look at text heads. */

import { sniffUtf16 } from '../text/utf16Sniff.js';

export interface Signature {
  /** Bytes at the start of the file. */
  bytes: readonly number[];
  /** What the user is told the file is. */
  what: string;
}

/** Looked up in this order by findSignature. */
const SIGNATURES = {
  png: { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  jpeg: { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  gif87a: { bytes: [0x47, 0x49, 0x46, 0x38, 0x37, 0x61], what: 'a GIF image' },
  gif89a: { bytes: [0x47, 0x49, 0x46, 0x38, 0x39, 0x61], what: 'a GIF image' },
  pdf: { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  zip: { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (such as an XLSX workbook)' },
  emptyZip: { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'an empty ZIP archive' },
  cfb: {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    what: 'an Office document (such as an XLS workbook)',
  },
  elf: { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an ELF executable' },
  gzip: { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  rar: { bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], what: 'a RAR archive' },
  sevenZip: { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
} as const satisfies Record<string, Signature>;

type SignatureName = keyof typeof SIGNATURES;

export function startsWith(head: Buffer, name: SignatureName): boolean {
  const { bytes } = SIGNATURES[name];
  return head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
}

/** The first known signature the head starts with. */
export function findSignature(head: Buffer): Signature | undefined {
  const names = Object.keys(SIGNATURES) as SignatureName[];
  const name = names.find((n) => startsWith(head, n));
  return name === undefined ? undefined : SIGNATURES[name];
}

/**
 * Signatures too short to refuse plain text by ("MZ" may start a line of text), but never text
 * right after a byte order mark.
 */
const BOM_ONLY_SIGNATURES: readonly Signature[] = [{ bytes: [0x4d, 0x5a], what: 'a Windows executable' }];

export function findBomOnlySignature(body: Buffer): Signature | undefined {
  return BOM_ONLY_SIGNATURES.find(
    ({ bytes }) => body.length >= bytes.length && bytes.every((b, i) => body[i] === b),
  );
}

export function bomOf(head: Buffer): 'utf-8' | 'utf-16le' | 'utf-16be' | null {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    return 'utf-8';
  }
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) {
    return 'utf-16le';
  }
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) {
    return 'utf-16be';
  }
  return null;
}

/** The head as text (BOM removed; Latin-1 unless a UTF-16 BOM or UTF-16's NULs say otherwise). */
export function headText(head: Buffer): string {
  const bom = bomOf(head);
  if (bom === 'utf-16le' || bom === 'utf-16be') {
    return new TextDecoder(bom).decode(head.subarray(2));
  }
  const utf16 = bom === null && head.includes(0) ? sniffUtf16(head) : null;
  if (utf16 !== null) {
    return new TextDecoder(utf16).decode(head);
  }
  return head.subarray(bom ? 3 : 0).toString('latin1');
}

/** What a text head looks like ("an HTML page", ... "text"), or null when it is binary. */
export function describeTextHead(head: Buffer): string | null {
  if (head.includes(0) && sniffUtf16(head) === null) {
    return null;
  }
  const t = headText(head).trimStart().slice(0, 200).toLowerCase();
  if (t.startsWith('<!doctype html') || t.startsWith('<html') || t.startsWith('<table')) {
    return 'an HTML page';
  }
  if (t.startsWith('<?xml')) {
    return 'an XML document';
  }
  if (t.startsWith('{\\rtf')) {
    return 'an RTF document';
  }
  return 'text';
}
