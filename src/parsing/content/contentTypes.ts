import type { FileFormat } from '../types.js';

/**
 * The media type stored with an upload, derived from the format the content was checked
 * against. The client's part Content-Type is never stored: it is unchecked input (a control or
 * latin-1 byte in it used to reach the S3 request header and fail the upload as a fake outage).
 */
const CONTENT_TYPES: Record<FileFormat, string> = {
  csv: 'text/csv',
  txt: 'text/plain',
  vcf: 'text/vcard',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function contentTypeOf(format: FileFormat): string {
  return CONTENT_TYPES[format];
}
