import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileContentError } from '../../../src/errors.js';
import { createContentInspector } from '../../../src/parsing/contentInspector.js';
import { csvLine } from '../../../src/parsing/csvOutput.js';
import type { FileFormat } from '../../../src/parsing/types.js';
import { fixture, parse } from './helpers.js';

const FORMATS: FileFormat[] = ['csv', 'txt', 'vcf', 'xls', 'xlsx'];
const MAX_ROWS = 50;

/** Every outcome is rows within the caps, optionally ended by a FileContentError. */
async function checkOutcome(data: Buffer, format: FileFormat, chunkSize: number): Promise<void> {
  const r = await parse(data, format, {
    maxRows: MAX_ROWS,
    chunkSize,
    maxUncompressedBytes: 5 * 1024 * 1024,
  });
  if (r.error !== null && !(r.error instanceof FileContentError)) {
    throw r.error instanceof Error ? r.error : new Error(JSON.stringify(r.error));
  }
  expect(r.rows.length).toBeLessThanOrEqual(MAX_ROWS);
  for (const row of r.rows) {
    const original = row.kind === 'record' ? row.record.original : row.row.original;
    expect(Object.keys(original).length).toBeLessThanOrEqual(200);
    for (const v of Object.values(original)) {
      expect(v.length).toBeLessThanOrEqual(1000);
    }
  }
  for (let i = 1; i < r.progress.length; i++) {
    expect(r.progress[i]).toBeGreaterThanOrEqual(r.progress[i - 1]!);
  }
}

const cell = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', '"', '""', '"a,b"', 'x\ny', 'ä', '€', '\r', 'a@b.co', '+1 212 555 0199', '\uFEFF'),
);

describe('property: hostile input never escapes the contract', () => {
  it('random bytes in every format', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.constantFrom(...FORMATS),
        fc.integer({ min: 1, max: 4096 }),
        async (bytes, format, chunk) => checkOutcome(Buffer.from(bytes), format, chunk),
      ),
      { numRuns: 200 },
    );
  });

  it('random CSV dialects (delimiter, quoting, line endings, encodings)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 0, maxLength: 30 }),
        fc.constantFrom(',', ';', '\t', '|'),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.constantFrom('utf8', 'utf16le', 'latin1'),
        fc.boolean(),
        fc.integer({ min: 1, max: 500 }),
        async (rows, delimiter, eol, encoding, quoteAll, chunk) => {
          const header = ['Name', 'Email', 'Phone'].join(delimiter);
          const body = rows
            .map((r) => r.map((c) => (quoteAll ? `"${c.replace(/"/g, '""')}"` : c)).join(delimiter))
            .join(eol);
          const text = `${header}${eol}${body}`;
          const data =
            encoding === 'utf16le'
              ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
              : Buffer.from(text, encoding);
          await checkOutcome(data, 'csv', chunk);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('truncated and bit-flipped real files', async () => {
    const files: [string, FileFormat][] = [
      ['google-contacts.csv', 'csv'],
      ['excel-unicode-text.txt', 'txt'],
      ['android-contacts-2.1.vcf', 'vcf'],
      ['vcard-4.0.vcf', 'vcf'],
      ['libreoffice-contacts.xlsx', 'xlsx'],
      ['libreoffice-contacts.xls', 'xls'],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        async ([name, format], cut, flips) => {
          const data = Buffer.from(fixture(name));
          for (const [pos, byte] of flips) {
            data[pos % data.length] = byte;
          }
          await checkOutcome(data.subarray(0, Math.floor(data.length * cut)), format, 997);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('content inspector throws only FileContentError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom(...FORMATS), (bytes, format) => {
        const i = createContentInspector(format);
        try {
          i.update(Buffer.from(bytes));
          i.finish();
        } catch (e) {
          if (!(e instanceof FileContentError)) {
            throw e;
          }
        }
      }),
    );
  });

  it('csvLine output never starts a cell with a formula character', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 5 }), (values) => {
        const line = csvLine(values);
        expect(line.endsWith('\r\n')).toBe(true);
        for (const v of values) {
          if (/^[=+\-@\t\r]/.test(v)) {
            expect(line).toContain(`'${v.replace(/"/g, '""')}`);
          }
        }
      }),
    );
  });
});
