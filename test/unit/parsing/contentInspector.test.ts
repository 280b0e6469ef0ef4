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

  describe('markup and binaries behind byte order marks (issue #14)', () => {
    const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);
    const UTF16BE_BOM = Buffer.from([0xfe, 0xff]);
    const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64)]);
    const PE = Buffer.concat([
      Buffer.from('MZ'),
      Buffer.from([0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff]),
      Buffer.alloc(64),
    ]);

    it.each([
      ['ELF', UTF16LE_BOM, ELF, 'content is an ELF executable behind a text byte order mark, not CSV text'],
      ['PNG', UTF16LE_BOM, PNG, 'content is a PNG image behind a text byte order mark, not CSV text'],
      ['PE', UTF16LE_BOM, PE, 'content is a Windows executable behind a text byte order mark, not CSV text'],
      ['ELF', UTF16BE_BOM, ELF, 'content is an ELF executable behind a text byte order mark, not CSV text'],
      ['PNG', UTF8_BOM, PNG, 'content is a PNG image behind a text byte order mark, not CSV text'],
    ])('refuses %s bytes behind a BOM (%#)', (_name, bom, body, message) => {
      for (const chunkSize of [1, 3, 1000]) {
        expect(inspect('csv', Buffer.concat([bom, body]), chunkSize), `chunks of ${chunkSize}`).toBe(message);
      }
    });

    it('refuses U+0000 in UTF-16 text, wherever the chunks split it', () => {
      const text = iconv.encode('\uFEFFName,Email\r\nAda,ada@example.com\r\n', 'utf-16le');
      const withNul = Buffer.concat([text, Buffer.from([0, 0]), iconv.encode('x\r\n', 'utf-16le')]);
      for (const chunkSize of [1, 2, 3, 7, 1000]) {
        expect(inspect('csv', text, chunkSize), `chunks of ${chunkSize}`).toBeNull();
        expect(inspect('csv', withNul, chunkSize), `chunks of ${chunkSize}`).toBe(
          'content is binary data, not CSV text (it contains NUL bytes)',
        );
      }
      // Two NUL bytes that straddle code units (0x41 0x00 | 0x00 0x42) are "A" "B", not NUL.
      expect(inspect('csv', Buffer.from([0xff, 0xfe, 0x41, 0, 0, 0x42, 0x0a, 0]), 1)).toBeNull();
    });

    it.each([
      ['csv', '<!DOCTYPE html><html><body>hi</body></html>', 'an HTML page'],
      ['csv', '\n  <html lang="en">\n<p>Name,Email</p>', 'an HTML page'],
      ['txt', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'an SVG image'],
      ['csv', '<?xml version="1.0"?>\n<contacts><c>a</c></contacts>', 'an XML document'],
      ['csv', 'Name,Email\nAda,ada@example.com\n<script>alert(1)</script>\n', 'an HTML page'],
      ['txt', '<!-- a comment -->\nName,Email\n', 'markup (HTML or XML)'],
      ['csv', '<div>Name,Email</div>', 'markup (HTML or XML)'],
    ] as const)('refuses markup as %s: %j', (format, content, what) => {
      const label = format === 'csv' ? 'CSV text' : 'plain text';
      expect(inspect(format, content)).toBe(
        `content is ${what}, not ${label}; markup is not accepted as contact data`,
      );
      expect(inspect(format, Buffer.concat([UTF8_BOM, Buffer.from(content)]), 5)).toBe(
        `content is ${what}, not ${label}; markup is not accepted as contact data`,
      );
    });

    it('refuses markup in UTF-16 text too', () => {
      expect(inspect('csv', iconv.encode('\uFEFF<html><body>x</body></html>', 'utf-16le'))).toBe(
        'content is an HTML page, not CSV text; markup is not accepted as contact data',
      );
    });

    it('refuses shell scripts', () => {
      expect(inspect('txt', '#!/bin/sh\nrm -rf /\n')).toBe(
        'content is a script (it starts with "#!"), not plain text',
      );
      expect(inspect('csv', '\uFEFF#!/usr/bin/env python\n')).toBe(
        'content is a script (it starts with "#!"), not CSV text',
      );
    });

    it('accepts real contact files whose cells contain < and &', () => {
      const csv = [
        'Name,Email,Company,Notes',
        'Ada Lovelace,<ada@example.com>,Smith & Sons,"likes <b>bold</b> & a < b"',
        '"Grace <Hopper>",grace@example.com,R&D,#1 customer',
        '<bob@example.com>,bob@example.com,AT&T,&amp; <3',
        '',
      ].join('\n');
      expect(inspect('csv', csv)).toBeNull();
      expect(
        inspect('txt', '<ada@example.com>\n<grace@example.com>\nTom & Jerry <tom@example.com>\n'),
      ).toBeNull();
      expect(inspect('csv', `${'Name,Email\n'.repeat(500)}Bob,"a <b> c"\n`, 512)).toBeNull();
      // A vCard may carry HTML in a NOTE; only .csv and .txt are held to "no markup".
      expect(
        inspect('vcf', 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nNOTE:<html>x</html>\r\nEND:VCARD\r\n'),
      ).toBeNull();
      // "MZ" may start a line of text when no BOM is in front of it.
      expect(inspect('csv', 'MZ Holdings,mz@example.com\n')).toBeNull();
    });
  });
});
