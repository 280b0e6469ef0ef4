import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FileContentError } from '../../../src/errors.js';
import { createContentInspector } from '../../../src/parsing/contentInspector.js';
import { csvLine } from '../../../src/parsing/csvOutput.js';
import type { FileFormat } from '../../../src/parsing/types.js';
import { createParsePool, type ParsePool } from '../../../src/worker/parsePool.js';
import { fixture, parse } from './helpers.js';

const FORMATS: FileFormat[] = ['csv', 'txt', 'vcf', 'xls', 'xlsx'];
const MAX_ROWS = 50;
/** Hundreds of parses: on a busy 2-core box this takes well over vitest's default 5 s. */
const PROPERTY_TIMEOUT_MS = 60_000;

/**
 * XLS goes through a parse pool thread with a capped heap, as the service reads it; the other
 * formats are read in-process. One changed byte of the 6 KB LibreOffice fixture used to make
 * SheetJS loop on a length it read past a record's end, growing one array until V8 ended this
 * whole test process (about one run in fifteen): the thread's heap limit does not stop a single
 * allocation that large. SheetJS's reads are now bounded (spreadsheet/boundedReads.ts), and the
 * inputs this property found are examples it always tries.
 */
let pool: ParsePool | null = null;
const sheetJsThread = () => (pool ??= createParsePool(1, { heapMb: 256, parseTimeoutMs: 30_000 }));
afterAll(async () => {
  await pool?.close();
});

/**
 * Every outcome is rows within the caps, optionally ended by a FileContentError. Returns whether
 * the input was accepted (no error and at least one record), so a property can check that it
 * did not pass only because the parser refused everything.
 */
async function checkOutcome(data: Buffer, format: FileFormat, chunkSize: number): Promise<boolean> {
  const r = await parse(
    data,
    format,
    { maxRows: MAX_ROWS, chunkSize, maxUncompressedBytes: 5 * 1024 * 1024 },
    format === 'xls' ? sheetJsThread().open : undefined,
  );
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
  return r.error === null && r.rows.some((row) => row.kind === 'record');
}

/** Counts accepted inputs of a property run; `share` is asserted once the run is over. */
function acceptance() {
  let runs = 0;
  let accepted = 0;
  return {
    count(ok: boolean): void {
      runs += 1;
      accepted += ok ? 1 : 0;
    },
    get share(): number {
      return runs === 0 ? 0 : accepted / runs;
    },
    get summary(): string {
      return `${accepted} of ${runs} accepted`;
    },
  };
}

/** A valid beginning per text format; the binary formats have none that random bytes could extend. */
const VALID_START: Record<FileFormat, string> = {
  csv: 'Name,Email\nAda Lovelace,ada@example.com\n',
  txt: 'Name\tEmail\r\nAda Lovelace\tada@example.com\r\n',
  vcf: 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@example.com\r\nEND:VCARD\r\n',
  xls: '',
  xlsx: '',
};

const cell = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', '"', '""', '"a,b"', 'x\ny', 'ä', '€', '\r', 'a@b.co', '+1 212 555 0199', '\uFEFF'),
);

describe('property: hostile input never escapes the contract', () => {
  it(
    'random bytes in every format, alone or after a valid start',
    async () => {
      const seen = acceptance();
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 3000 }),
          fc.constantFrom(...FORMATS),
          fc.integer({ min: 1, max: 4096 }),
          fc.boolean(),
          async (bytes, format, chunk, afterValidStart) => {
            const head = afterValidStart ? VALID_START[format] : '';
            const data = Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(bytes)]);
            seen.count(await checkOutcome(data, format, chunk));
          },
        ),
        { numRuns: 200 },
      );
      // A parser that refused everything would pass the checks above; it must not pass this.
      expect(seen.share, seen.summary).toBeGreaterThanOrEqual(0.15);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'random CSV dialects (delimiter, quoting, line endings, encodings)',
    async () => {
      const seen = acceptance();
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
            seen.count(await checkOutcome(data, 'csv', chunk));
          },
        ),
        { numRuns: 200 },
      );
      // A parser that refused everything would pass the checks above; it must not pass this.
      expect(seen.share, seen.summary).toBeGreaterThanOrEqual(0.5);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'truncated and bit-flipped real files',
    async () => {
      const seen = acceptance();
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
          // Half the runs keep the whole file, so bit flips alone are tried too.
          fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
          async ([name, format], cut, flips) => {
            const data = Buffer.from(fixture(name));
            for (const [pos, byte] of flips) {
              data[pos % data.length] = byte;
            }
            seen.count(await checkOutcome(data.subarray(0, Math.floor(data.length * cut)), format, 997));
          },
        ),
        {
          numRuns: 150,
          // Found by this property, each once ended the test process (boundedReads.ts): a property
          // set claiming 2^31 properties, and a record whose string length lies past its end.
          examples: [
            [['libreoffice-contacts.xls', 'xls'], 1, [[4855, 144]]],
            [['libreoffice-contacts.xls', 'xls'], 1, [[1581, 206]]],
            [
              ['libreoffice-contacts.xls', 'xls'],
              1,
              [
                [3258, 207],
                [4948, 28],
                [687, 21],
              ],
            ],
          ],
        },
      );
      // A parser that refused everything would pass the checks above; it must not pass this.
      expect(seen.share, seen.summary).toBeGreaterThanOrEqual(0.2);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('content inspector throws only FileContentError', () => {
    const seen = acceptance();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom(...FORMATS), (bytes, format) => {
        const i = createContentInspector(format);
        try {
          i.update(Buffer.from(bytes));
          i.finish();
          seen.count(true);
        } catch (e) {
          if (!(e instanceof FileContentError)) {
            throw e;
          }
          seen.count(false);
        }
      }),
    );
    // A parser that refused everything would pass the checks above; it must not pass this.
    expect(seen.share, seen.summary).toBeGreaterThanOrEqual(0.1);
  });

  it('csvLine output never starts a cell with a formula character', () => {
    // Judged as readers see it: a `,` reader gets every value back (with its `'` guards), and a
    // reader that splits a cell again on `;`, tab or a line break still finds no formula start.
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary-ascii' }), { minLength: 1, maxLength: 5 }), (values) => {
        const line = csvLine(values);
        expect(line.endsWith('\r\n')).toBe(true);
        const rows: string[][] = parseCsv(line);
        const cells = rows[0];
        expect(cells).toHaveLength(values.length);
        cells!.forEach((cell, i) => {
          const v = values[i]!;
          expect(cell.replaceAll("'", '')).toBe(v.replaceAll("'", ''));
          if (/^[=+\-@\t\r]/.test(v)) {
            expect(cell.startsWith("'")).toBe(true);
          }
          for (const piece of cell.split(/[,;\t\r\n]/)) {
            expect(piece).not.toMatch(/^[=+\-@\t\r]/);
          }
        });
      }),
    );
  });
});
