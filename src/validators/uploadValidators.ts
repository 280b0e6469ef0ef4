import { extname } from 'node:path';
import { ValidationError } from '../errors.js';
import type { FileFormat } from '../parsing/types.js';

const FORMATS: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.txt': 'txt',
  '.vcf': 'vcf',
  '.xls': 'xls',
  '.xlsx': 'xlsx',
};

export const ALLOWED_EXTENSIONS = Object.keys(FORMATS);

/** The format implied by the file name; content is checked separately while streaming. */
export function formatFromFilename(filename: string | undefined): FileFormat {
  if (!filename || filename.trim() === '') {
    throw new ValidationError('the uploaded file has no name');
  }
  if (filename.length > 1024) {
    throw new ValidationError('file name is too long (1024 characters at most)');
  }
  if (filename.includes('\0')) {
    throw new ValidationError('file name contains a NUL byte');
  }
  const ext = extname(filename.split(/[/\\]/).pop() ?? '').toLowerCase();
  const format = FORMATS[ext];
  if (!format) {
    throw new ValidationError(
      `file type ${ext || '(no extension)'} is not allowed; use one of ${ALLOWED_EXTENSIONS.join(', ')}`,
    );
  }
  return format;
}

/**
 * A part whose file name has no extension (clients that name the part after the field, e.g.
 * `filename="file"`) gets the extension its declared Content-Type stands for, so its format is
 * still decided once, by formatFromFilename. Any other name is left as sent.
 */
const EXTENSION_BY_TYPE: Record<string, string> = {
  'text/csv': '.csv',
  'text/plain': '.txt',
  'text/vcard': '.vcf',
  'text/x-vcard': '.vcf',
  'application/vnd.ms-excel': '.xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
};

export function filenameWithFormat(filename: string, mimetype: string): string {
  const base = filename.split(/[/\\]/).pop() ?? '';
  const extension = EXTENSION_BY_TYPE[mimetype.split(';')[0]?.trim().toLowerCase() ?? ''];
  return filename.trim() !== '' && extname(base) === '' && extension ? `${filename}${extension}` : filename;
}

/** As a JSON Schema pattern too (the header is declared with it in the OpenAPI document). */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7e]{1,200}$';
const IDEMPOTENCY_KEY_RE = new RegExp(IDEMPOTENCY_KEY_PATTERN);

export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) {
    return null;
  }
  if (Array.isArray(header)) {
    throw new ValidationError('send one Idempotency-Key header');
  }
  if (!IDEMPOTENCY_KEY_RE.test(header)) {
    throw new ValidationError('Idempotency-Key must be 1-200 visible ASCII characters');
  }
  return header;
}
