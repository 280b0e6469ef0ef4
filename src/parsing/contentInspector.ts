import { FileContentError } from '../errors.js';
import type { FileFormat } from './types.js';

/**
 * Checks, while an upload streams in, that the content matches the file extension. O(1) memory:
 * it keeps the first HEAD_BYTES bytes, a few flags and a short tail for substring search.
 *
 * - `.xlsx`: starts with a zip local header and the archive names `[Content_Types].xml` and
 *   `xl/workbook.*` (names are in the local headers and again in the central directory).
 * - `.xls`: starts with the OLE2/CFB signature.
 * - `.csv .txt .vcf`: text — no NUL bytes unless a UTF-16 BOM starts the file, no known binary
 *   signature; a `.vcf` starts with BEGIN:VCARD (after an optional BOM and whitespace).
 */
export interface ContentInspector {
  update(chunk: Buffer): void;
  finish(): void;
}

const HEAD_BYTES = 4096;

interface Signature {
  bytes: number[];
  /** Offset of the signature in the file. */
  at?: number;
  what: string;
}

const SIGNATURES: Signature[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38, 0x37, 0x61], what: 'a GIF image' },
  { bytes: [0x47, 0x49, 0x46, 0x38, 0x39, 0x61], what: 'a GIF image' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (such as an XLSX workbook)' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'an empty ZIP archive' },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    what: 'an Office document (such as an XLS workbook)',
  },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an ELF executable' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  { bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], what: 'a RAR archive' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
];

function matches(head: Buffer, sig: Signature): boolean {
  const at = sig.at ?? 0;
  if (head.length < at + sig.bytes.length) {
    return false;
  }
  return sig.bytes.every((b, i) => head[at + i] === b);
}

const LABEL: Record<FileFormat, string> = {
  csv: 'CSV text',
  txt: 'plain text',
  vcf: 'vCard text',
  xls: 'an XLS workbook',
  xlsx: 'an XLSX workbook',
};

const ZIP_NAMES = {
  contentTypes: '[Content_Types].xml',
  workbook: 'xl/workbook.',
  word: 'word/document.xml',
  powerpoint: 'ppt/presentation.xml',
  opendocument: 'application/vnd.oasis.opendocument',
} as const;
type ZipName = keyof typeof ZIP_NAMES;
const LONGEST_NAME = Math.max(...Object.values(ZIP_NAMES).map((n) => n.length));

function bomOf(head: Buffer): 'utf-8' | 'utf-16le' | 'utf-16be' | null {
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

function headText(head: Buffer): string {
  const bom = bomOf(head);
  if (bom === 'utf-16le') {
    return new TextDecoder('utf-16le').decode(head.subarray(2));
  }
  if (bom === 'utf-16be') {
    return new TextDecoder('utf-16be').decode(head.subarray(2));
  }
  return head.subarray(bom ? 3 : 0).toString('latin1');
}

function describeTextHead(head: Buffer): string | null {
  if (head.includes(0)) {
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

export function createContentInspector(format: FileFormat): ContentInspector {
  const label = LABEL[format];
  const textFormat = format === 'csv' || format === 'txt' || format === 'vcf';
  let head = Buffer.alloc(0);
  let total = 0;
  let headChecked = false;
  let bomKnown = false;
  let utf16 = false;
  let tail = '';
  const seen = new Set<ZipName>();
  let failed: FileContentError | null = null;
  let vcardChecked = false;

  const fail = (message: string): never => {
    failed = new FileContentError(message);
    throw failed;
  };

  const checkSignatures = () => {
    if (format === 'xlsx') {
      if (matches(head, { bytes: [0x50, 0x4b, 0x03, 0x04], what: '' })) {
        return;
      }
      if (matches(head, SIGNATURES[7]!)) {
        fail('content is an old-format XLS workbook or a password-protected workbook, not an XLSX workbook');
      }
      const sig = SIGNATURES.find((s) => matches(head, s));
      if (sig) {
        fail(`content is ${sig.what}, not an XLSX workbook`);
      }
      const text = describeTextHead(head);
      if (text) {
        fail(`content is ${text}, not an XLSX workbook (was the file renamed to .xlsx?)`);
      }
      fail('file is not a valid XLSX workbook');
    }
    if (format === 'xls') {
      if (matches(head, SIGNATURES[7]!)) {
        return;
      }
      if (matches(head, SIGNATURES[5]!)) {
        fail('content is an XLSX workbook (zip), not XLS; rename the file to .xlsx');
      }
      const sig = SIGNATURES.find((s) => matches(head, s));
      if (sig) {
        fail(`content is ${sig.what}, not an XLS workbook`);
      }
      const text = describeTextHead(head);
      if (text) {
        fail(`content is ${text}, not an XLS workbook (save it from Excel as .xls, .xlsx or .csv)`);
      }
      fail('file is not a valid XLS workbook');
    }
    if (bomOf(head) === null) {
      const sig = SIGNATURES.find((s) => matches(head, s));
      if (sig) {
        fail(`content is ${sig.what}, not ${label}`);
      }
    }
  };

  const checkVcardStart = (complete: boolean) => {
    const t = headText(head)
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (/^BEGIN:VCARD/i.test(t)) {
      return;
    }
    // Wait for more bytes when what we have is still a prefix of "BEGIN:VCARD".
    if (!complete && t.length < 11 && 'BEGIN:VCARD'.startsWith(t.toUpperCase())) {
      return;
    }
    fail('content is not a vCard: a .vcf file must start with BEGIN:VCARD');
  };

  const nulError = () => fail(`content is binary data, not ${label} (it contains NUL bytes)`);

  return {
    update(chunk: Buffer): void {
      if (failed) {
        throw failed;
      }
      if (chunk.length === 0) {
        return;
      }
      total += chunk.length;
      if (head.length < HEAD_BYTES) {
        head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      }
      if (textFormat) {
        if (!bomKnown && head.length >= 2) {
          bomKnown = true;
          const bom = bomOf(head);
          utf16 = bom === 'utf-16le' || bom === 'utf-16be';
          if (!utf16 && head.includes(0)) {
            checkSignatures();
            nulError();
          }
        }
        if (bomKnown && !utf16 && chunk.includes(0)) {
          checkSignatures();
          nulError();
        }
      }
      if (format === 'xlsx') {
        const text = tail + chunk.toString('latin1');
        for (const [k, name] of Object.entries(ZIP_NAMES) as [ZipName, string][]) {
          if (!seen.has(k) && text.includes(name)) {
            seen.add(k);
          }
        }
        tail = text.slice(-LONGEST_NAME);
      }
      if (!headChecked && head.length >= 16) {
        headChecked = true;
        checkSignatures();
      }
      if (format === 'vcf' && !vcardChecked && head.length >= 64) {
        vcardChecked = true;
        checkVcardStart(false);
      }
    },

    finish(): void {
      if (failed) {
        throw failed;
      }
      if (total === 0) {
        fail('file is empty');
      }
      if (!headChecked) {
        headChecked = true;
        checkSignatures();
      }
      if (textFormat && !bomKnown && head.includes(0)) {
        nulError();
      }
      if (format === 'vcf') {
        checkVcardStart(true);
      }
      if (format === 'xlsx') {
        if (seen.has('opendocument')) {
          fail('content is an OpenDocument spreadsheet (.ods), not an XLSX workbook; save it as .xlsx');
        }
        if (!seen.has('workbook') && seen.has('word')) {
          fail('content is a Word document, not an XLSX workbook');
        }
        if (!seen.has('workbook') && seen.has('powerpoint')) {
          fail('content is a PowerPoint presentation, not an XLSX workbook');
        }
        if (!seen.has('contentTypes') || !seen.has('workbook')) {
          fail('file is not a valid XLSX workbook (a ZIP archive without an Excel workbook inside)');
        }
      }
    },
  };
}
