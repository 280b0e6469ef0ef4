import type { FileFormat } from '../types.js';
import { bomOf, describeTextHead, findSignature, headText, startsWith } from './signatures.js';

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

/** Text formats: only a known binary signature is refused here (NUL bytes are checked apart). */
function textHeadProblem(head: Buffer, format: FileFormat): string | null {
  if (bomOf(head) !== null) {
    return null;
  }
  const sig = findSignature(head);
  return sig ? `content is ${sig.what}, not ${LABEL[format]}` : null;
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
