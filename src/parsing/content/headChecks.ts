import type { FileFormat } from '../types.js';
import {
  bomOf,
  describeTextHead,
  findBomOnlySignature,
  findSignature,
  headText,
  startsWith,
} from './signatures.js';

/**
 * Verdicts on the first bytes of an upload: each returns the message for the user when the
 * content does not match the extension, or null when it may.
 */

export const LABEL: Record<FileFormat, string> = {
  csv: 'CSV text',
  txt: 'plain text',
  vcf: 'vCard text',
  xls: 'an XLS workbook',
  xlsx: 'an XLSX workbook',
};

function xlsxHeadProblem(head: Buffer): string | null {
  if (startsWith(head, 'zip')) {
    return null;
  }
  if (startsWith(head, 'cfb')) {
    return 'content is an old-format XLS workbook or a password-protected workbook, not an XLSX workbook';
  }
  const sig = findSignature(head);
  if (sig) {
    return `content is ${sig.what}, not an XLSX workbook`;
  }
  const text = describeTextHead(head);
  if (text) {
    return `content is ${text}, not an XLSX workbook (was the file renamed to .xlsx?)`;
  }
  return 'file is not a valid XLSX workbook';
}

function xlsHeadProblem(head: Buffer): string | null {
  if (startsWith(head, 'cfb')) {
    return null;
  }
  if (startsWith(head, 'zip')) {
    return 'content is an XLSX workbook (zip), not XLS; rename the file to .xlsx';
  }
  const sig = findSignature(head);
  if (sig) {
    return `content is ${sig.what}, not an XLS workbook`;
  }
  const text = describeTextHead(head);
  if (text) {
    return `content is ${text}, not an XLS workbook (save it from Excel as .xls, .xlsx or .csv)`;
  }
  return 'file is not a valid XLS workbook';
}

/**
 * Text formats: a known binary signature is refused, also behind a byte order mark (a UTF-16 BOM
 * in front of an executable must not make it "text"). NUL bytes are checked apart.
 */
function textHeadProblem(head: Buffer, format: FileFormat): string | null {
  const bom = bomOf(head);
  const body = head.subarray(bom === null ? 0 : bom === 'utf-8' ? 3 : 2);
  const sig = findSignature(body) ?? (bom === null ? undefined : findBomOnlySignature(body));
  if (!sig) {
    return null;
  }
  return `content is ${sig.what}${bom === null ? '' : ' behind a text byte order mark'}, not ${LABEL[format]}`;
}

/** Markup that opens a document: a tag name a browser knows, a doctype, comment or XML prolog. */
const MARKUP_START =
  /^<(?:[!?]|(?:html|head|body|svg|script|style|iframe|object|embed|meta|link|div|span|table|img|form|a|p)[\s/>])/i;
/** Markup that makes the whole file a web document wherever it appears in the head. */
const MARKUP_ANYWHERE = /<(?:!doctype\s+html|html[\s>]|svg[\s>]|script[\s/>]|iframe[\s/>]|\?xml\s)/i;

function markupKind(text: string): string {
  const t = text.toLowerCase();
  if (/<svg[\s>]/.test(t)) {
    return 'an SVG image';
  }
  if (/<!doctype\s+html|<html[\s>]|<script[\s/>]|<iframe[\s/>]/.test(t)) {
    return 'an HTML page';
  }
  if (t.startsWith('<?xml') || /<\?xml\s/.test(t)) {
    return 'an XML document';
  }
  return 'markup (HTML or XML)';
}

/**
 * `.csv` and `.txt` hold contact data, never documents a browser or shell would run: HTML, SVG,
 * XML and `#!` scripts are refused. A cell that merely contains `<` or `&` (an address in angle
 * brackets, "Smith & Sons") is data and passes: only a document start, or a tag that turns the
 * file into a web document, is refused. Judged on the first HEAD_BYTES of text.
 */
export function markupProblem(head: Buffer, format: FileFormat): string | null {
  if (format !== 'csv' && format !== 'txt') {
    return null;
  }
  const text = headText(head);
  const start = text.trimStart();
  if (start.startsWith('#!')) {
    return `content is a script (it starts with "#!"), not ${LABEL[format]}`;
  }
  if (MARKUP_START.test(start) || MARKUP_ANYWHERE.test(text)) {
    return `content is ${markupKind(text)}, not ${LABEL[format]}; markup is not accepted as contact data`;
  }
  return null;
}

export function headProblem(head: Buffer, format: FileFormat): string | null {
  if (format === 'xlsx') {
    return xlsxHeadProblem(head);
  }
  if (format === 'xls') {
    return xlsHeadProblem(head);
  }
  return textHeadProblem(head, format);
}

/**
 * A .vcf must start with BEGIN:VCARD (after an optional BOM and whitespace). Before the input
 * is `complete`, a head that is still a prefix of "BEGIN:VCARD" is not refused yet.
 */
export function vcardStartProblem(head: Buffer, complete: boolean): string | null {
  const t = headText(head)
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (/^BEGIN:VCARD/i.test(t)) {
    return null;
  }
  if (!complete && t.length < 11 && 'BEGIN:VCARD'.startsWith(t.toUpperCase())) {
    return null;
  }
  return 'content is not a vCard: a .vcf file must start with BEGIN:VCARD';
}
