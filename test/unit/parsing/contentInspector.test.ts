import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { FileContentError } from '../../../src/errors.js';
import { createContentInspector } from '../../../src/parsing/contentInspector.js';
import type { FileFormat } from '../../../src/parsing/types.js';
import { fixture } from './helpers.js';

/** Feeds `data` in chunks; returns null when accepted, else the error message. */
function inspect(format: FileFormat, data: Buffer | string, chunkSize = 1000): string | null {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const inspector = createContentInspector(format);
  try {
    for (let i = 0; i < buf.length; i += chunkSize) {
      inspector.update(buf.subarray(i, i + chunkSize));
    }
    inspector.finish();
    return null;
  } catch (e) {
    if (!(e instanceof FileContentError)) {
      throw e;
    }
    return e.message;
  }
}

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
  Buffer.from('IHDR'),
  Buffer.alloc(100),
]);

describe('content inspector', () => {
  it('accepts every real fixture under its own extension', () => {
    const files: [string, FileFormat][] = [
      ['google-contacts.csv', 'csv'],
      ['google-contacts-new.csv', 'csv'],
      ['outlook-contacts.csv', 'csv'],
      ['excel-semicolon-cp1252.csv', 'csv'],
      ['excel-unicode-text.txt', 'txt'],
      ['mixed-good-bad.csv', 'csv'],
      ['apple-contacts-3.0.vcf', 'vcf'],
      ['android-contacts-2.1.vcf', 'vcf'],
      ['vcard-4.0.vcf', 'vcf'],
      ['libreoffice-contacts.xlsx', 'xlsx'],
      ['libreoffice-contacts.xls', 'xls'],
    ];
    for (const [name, format] of files) {
      for (const chunk of [1, 7, 65536]) {
        expect(inspect(format, fixture(name), chunk), name).toBeNull();
      }
    }
  });

  it('names binary content in text-named files', () => {
    expect(inspect('csv', PNG)).toBe('content is a PNG image, not CSV text');
    expect(inspect('csv', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe(
      'content is a JPEG image, not CSV text',
    );
    expect(inspect('txt', 'GIF89a\x01\x00')).toBe('content is a GIF image, not plain text');
    expect(inspect('csv', '%PDF-1.7\n%âãÏÓ\n')).toBe('content is a PDF document, not CSV text');
    expect(inspect('csv', fixture('libreoffice-contacts.xlsx'))).toBe(
      'content is a ZIP archive (such as an XLSX workbook), not CSV text',
    );
    expect(inspect('vcf', fixture('libreoffice-contacts.xls'))).toBe(
      'content is an Office document (such as an XLS workbook), not vCard text',
    );
    expect(inspect('csv', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]))).toBe(
      'content is an ELF executable, not CSV text',
    );
    expect(inspect('csv', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]))).toBe(
      'content is a gzip archive, not CSV text',
    );
  });

  it('rejects NUL bytes anywhere in text unless the file starts with a UTF-16 BOM', () => {
    const late = Buffer.concat([
      Buffer.from('Name,Email\n'.repeat(2000)),
      Buffer.from([0]),
      Buffer.from('x\n'),
    ]);
    expect(inspect('csv', late, 4096)).toBe('content is binary data, not CSV text (it contains NUL bytes)');
    expect(inspect('csv', fixture('garbage.csv'))).toBe(
      'content is binary data, not CSV text (it contains NUL bytes)',
    );
    expect(inspect('csv', Buffer.from([0]), 1)).toBe(
      'content is binary data, not CSV text (it contains NUL bytes)',
    );
    expect(inspect('txt', iconv.encode('\uFEFFName\tEmail\r\n', 'utf-16be'), 1)).toBeNull();
    // Windows-1252 (invalid UTF-8) is fine.
    expect(inspect('csv', iconv.encode('Name;Straße\nJürgen;x\n', 'windows-1252'))).toBeNull();
  });

  it('requires BEGIN:VCARD at the start of a .vcf', () => {
    expect(inspect('vcf', '\uFEFF\r\n  begin:vcard\r\nEND:VCARD\r\n', 1)).toBeNull();
    expect(inspect('vcf', iconv.encode('\uFEFFBEGIN:VCARD\r\nEND:VCARD\r\n', 'utf-16le'), 3)).toBeNull();
    expect(inspect('vcf', 'Name,Email\nA,a@b.c\n' + 'x'.repeat(100))).toBe(
      'content is not a vCard: a .vcf file must start with BEGIN:VCARD',
    );
    expect(inspect('vcf', 'BEGIN:VCA')).toBe(
      'content is not a vCard: a .vcf file must start with BEGIN:VCARD',
    );
  });

  it('checks XLSX and XLS signatures and contents', () => {
    expect(inspect('xlsx', 'Name,Email\nA,a@b.c\n')).toBe(
      'content is text, not an XLSX workbook (was the file renamed to .xlsx?)',
    );
    expect(inspect('xlsx', PNG)).toBe('content is a PNG image, not an XLSX workbook');
    expect(inspect('xlsx', fixture('libreoffice-contacts.xls'))).toBe(
      'content is an old-format XLS workbook or a password-protected workbook, not an XLSX workbook',
    );
    expect(inspect('xls', fixture('libreoffice-contacts.xlsx'))).toBe(
      'content is an XLSX workbook (zip), not XLS; rename the file to .xlsx',
    );
    expect(inspect('xls', '<html><body><table></table></body></html>')).toBe(
      'content is an HTML page, not an XLS workbook (save it from Excel as .xls, .xlsx or .csv)',
    );
    expect(inspect('xls', 'Name\tEmail\n')).toBe(
      'content is text, not an XLS workbook (save it from Excel as .xls, .xlsx or .csv)',
    );
    // A zip that is not a workbook.
    const zip = Buffer.concat([
      Buffer.from('PK\x03\x04'),
      Buffer.alloc(26),
      Buffer.from('photo.jpg'),
      Buffer.alloc(50),
    ]);
    expect(inspect('xlsx', zip)).toBe(
      'file is not a valid XLSX workbook (a ZIP archive without an Excel workbook inside)',
    );
    const docx = Buffer.concat([zip, Buffer.from('[Content_Types].xml word/document.xml')]);
    expect(inspect('xlsx', docx, 5)).toBe('content is a Word document, not an XLSX workbook');
  });

  it('rejects empty files and keeps failing after the first error', () => {
    expect(inspect('csv', '')).toBe('file is empty');
    const i = createContentInspector('csv');
    expect(() => i.update(PNG)).toThrow(FileContentError);
    expect(() => i.update(Buffer.from('more'))).toThrow('content is a PNG image, not CSV text');
    expect(() => i.finish()).toThrow(FileContentError);
  });
});
