import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { FileContentError } from '../../../src/errors.js';
import { createContentInspector } from '../../../src/parsing/contentInspector.js';
import type { FileFormat } from '../../../src/parsing/types.js';
import { fixture, parse } from './helpers.js';

/**
 * Issue 22, class 2: UTF-16 without a byte order mark (Excel's "Unicode Text" after a tool
 * dropped the BOM; Python's 'utf-16-le' codec never writes one) is text, not binary. The
 * fixtures are written by Python's csv module (test/fixtures/contacts/make_thirdparty_fixtures.py).
 */
function inspect(format: FileFormat, buf: Buffer, chunkSize: number): string | null {
  const inspector = createContentInspector(format);
  try {
    for (let i = 0; i < buf.length; i += chunkSize) {
      inspector.update(buf.subarray(i, i + chunkSize));
    }
    inspector.finish();
    return null;
  } catch (e) {
    if (e instanceof FileContentError) {
      return e.message;
    }
    throw e;
  }
}

const BINARY = 'content is binary data, not CSV text (it contains NUL bytes)';
/** Longer than the 4 KiB the upload check judges by, so the rest is checked code unit by unit. */
const longText = 'Name,Email\r\n' + 'Ada Lovelace,ada@example.com\r\n'.repeat(200);

describe('UTF-16 without a byte order mark', () => {
  it.each([
    ['utf-16le-no-bom.txt', 'txt'],
    ['utf-16be-no-bom.csv', 'csv'],
  ] as const)('passes the upload check: %s, in any chunking', (name, format) => {
    for (const chunkSize of [1, 3, 1000, 65536]) {
      expect(inspect(format, fixture(`thirdparty/${name}`), chunkSize), `chunks of ${chunkSize}`).toBeNull();
    }
  });

  it('reads the little-endian tab-separated file with its letters and numbers', async () => {
    const r = await parse(fixture('thirdparty/utf-16le-no-bom.txt'), 'txt', { chunkSize: 5 });
    expect(r.error).toBeNull();
    expect(r.details.encoding).toBe('utf-16le');
    expect(r.details.delimiter).toBe('\t');
    expect(r.records.map((c) => [c.fullName, c.city, c.phone])).toEqual([
      ['Søren Kierkegaard', 'København', '+4520123456'],
      ['Ελένη Παπαδοπούλου', 'Αθήνα', '+306912345678'],
      ['佐藤 美咲', '東京', '+819012345678'],
    ]);
  });

  it('reads the big-endian comma-separated file', async () => {
    const r = await parse(fixture('thirdparty/utf-16be-no-bom.csv'), 'csv');
    expect(r.error).toBeNull();
    expect(r.details.encoding).toBe('utf-16be');
    expect(r.records.map((c) => [c.fullName, c.city])).toEqual([
      ['Renée Lefèvre', 'Paris'],
      ['Jürgen Müller', 'München'],
    ]);
  });

  it('judges past the first 4 KiB code unit by code unit: U+0000 later is still binary', () => {
    const text = iconv.encode(longText, 'utf-16le');
    const withNul = Buffer.concat([text, Buffer.from([0, 0]), iconv.encode('x\r\n', 'utf-16le')]);
    for (const chunkSize of [1, 7, 4096, 5000]) {
      expect(inspect('csv', text, chunkSize), `chunks of ${chunkSize}`).toBeNull();
      expect(inspect('csv', withNul, chunkSize), `chunks of ${chunkSize}`).toBe(BINARY);
    }
    // U+0000 right after the judged head, in the chunk that completes the head.
    const atHeadEnd = Buffer.concat([text.subarray(0, 4096), Buffer.from([0, 0]), text.subarray(4096)]);
    for (const chunkSize of [1, 4098, 5000]) {
      expect(inspect('csv', atHeadEnd, chunkSize), `chunks of ${chunkSize}`).toBe(BINARY);
    }
  });

  it('still refuses single-byte text with a stray NUL, random bytes and BOM-less UTF-16 vCards', () => {
    expect(inspect('csv', Buffer.from('Name,Email\r\nAda,ada@example.com\r\n\0'), 3)).toBe(BINARY);
    // One NUL in a short file is no pattern.
    expect(inspect('txt', Buffer.from('Name\0Email\n'), 1000)).toBe(
      'content is binary data, not plain text (it contains NUL bytes)',
    );
    // NULs on one side that decode (as UTF-16BE "䅂C䑅F") but hold no line break or delimiter.
    expect(inspect('txt', Buffer.from([0x41, 0x42, 0, 0x43, 0x44, 0x45, 0, 0x46]), 1000)).toBe(
      'content is binary data, not plain text (it contains NUL bytes)',
    );
    expect(inspect('csv', fixture('garbage.csv'), 1000)).toBe(BINARY);
    expect(inspect('vcf', iconv.encode('BEGIN:VCARD\r\nFN:Ada\r\nEND:VCARD\r\n', 'utf-16le'), 1000)).toBe(
      'content is binary data, not vCard text (it contains NUL bytes)',
    );
  });

  it('refuses markup in BOM-less UTF-16 like any other markup', () => {
    expect(inspect('csv', iconv.encode('<html><body>Name,Email</body></html>', 'utf-16le'), 3)).toBe(
      'content is an HTML page, not CSV text; markup is not accepted as contact data',
    );
  });

  it('refuses data with the NUL pattern of UTF-16 that does not decode to text', () => {
    // 16-bit little-endian samples 1..200: every high byte is 0, but the code units are controls.
    const samples = Buffer.from(Uint16Array.from({ length: 2000 }, (_, i) => (i % 200) + 1).buffer);
    expect(inspect('csv', samples, 1000)).toBe(BINARY);
    // An unpaired low surrogate (DC00) between ASCII letters.
    const surrogate = Buffer.concat([
      iconv.encode('Name,Email\r\nAda', 'utf-16le'),
      Buffer.from([0x00, 0xdc]),
    ]);
    expect(inspect('csv', Buffer.concat([surrogate, iconv.encode(',a@b.co\r\n', 'utf-16le')]), 1000)).toBe(
      BINARY,
    );
  });

  it('the decoder says a NUL-holding file that is not UTF-16 is binary', async () => {
    const r = await parse(Buffer.from('Name,Email\r\nAda,ada@example.com\r\n\0'), 'csv');
    expect(r.error).toBeInstanceOf(FileContentError);
    expect((r.error as Error).message).toMatch(/^file is not a text file: it contains binary data/);
  });
});
