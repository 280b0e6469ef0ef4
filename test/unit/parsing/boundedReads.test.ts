import { describe, expect, it } from 'vitest';
import { UnboundedReadError, withBoundedReads } from '../../../src/parsing/spreadsheet/boundedReads.js';
import { inSmallHeap } from '../../support/inSmallHeap.js';
import { FIXTURES } from './helpers.js';

/**
 * Reads the XLS fixture with some bytes changed, in a fresh Node process whose heap is 64 MB, the
 * way a parse thread reads it (readWorkbook, then the contact sheet). A read that never ends
 * grows one array until V8 ends the process, which a thread's own heap limit does not prevent
 * (boundedReads.ts), so the test looks at how the process ended, not only at what it printed.
 */
function readDamagedXls(flips: [number, number][]): { status: number | null; out: string[] } {
  const workbook = new URL('../../../src/parsing/spreadsheet/workbook.ts', import.meta.url).href;
  const sheet = new URL('../../../src/parsing/spreadsheet/sheet.ts', import.meta.url).href;
  const script = `
    import { readFileSync } from 'node:fs';
    import { readWorkbook } from ${JSON.stringify(workbook)};
    import { chooseSheet } from ${JSON.stringify(sheet)};
    const data = readFileSync(${JSON.stringify(`${FIXTURES}libreoffice-contacts.xls`)});
    for (const [at, byte] of ${JSON.stringify(flips)}) data[at] = byte;
    try {
      const chosen = chooseSheet(await readWorkbook(data, 'xls', 100));
      console.log('read', chosen ? chosen.range.e.r : 'no sheet');
    } catch (e) {
      console.log('error', e.message);
    }`;
  return inSmallHeap(script);
}

describe('SheetJS reads that would not end are refused', () => {
  it('a record whose string length lies past its end is a damaged workbook, not a process killed out of memory', () => {
    // Found by the parser property test: one changed byte makes a zero-length BIFF2 STRING record,
    // whose missing length SheetJS's string reader loops on forever.
    expect(readDamagedXls([[1581, 206]])).toEqual({
      status: 0,
      out: ['error file is not a valid XLS workbook'],
    });
  });

  it('a property set claiming billions of properties is skipped and the contacts are still read', () => {
    // SheetJS counted its way through 2^31 properties reading zeros past the stream's end; the
    // bounded read ends that loop, and SheetJS treats a failed property set as no properties.
    expect(readDamagedXls([[4855, 144]])).toEqual({ status: 0, out: ['read 4'] });
    expect(readDamagedXls([])).toEqual({ status: 0, out: ['read 4'] });
  });

  it('refuses string reads whose loop would not end, and endless reads past the end, and lets others through', () => {
    const reads = withBoundedReads(() => {
      const blob = new Uint8Array(16) as Uint8Array & {
        l: number;
        read_shift: (size: unknown, type?: string) => unknown;
      };
      blob.l = 0;
      // What SheetJS's prep_blob does to every buffer it reads from.
      blob.read_shift = function (this: typeof blob, size: unknown) {
        this.l += Number.isFinite(size) ? Number(size) : 0;
        return 'read';
      };
      const outcome = (size: unknown, type?: string) => {
        try {
          return blob.read_shift(size, type);
        } catch (e) {
          return e instanceof UnboundedReadError ? 'refused' : e;
        }
      };
      const early = [
        outcome(undefined, 'sbcs-cont'), // `i != undefined` never ends
        outcome(Number.NaN, 'sbcs-cont'),
        outcome(-1, 'sbcs-cont'),
        outcome(Number.NaN, 'dbcs-cont'), // `i < NaN` ends at once
        outcome(0x1_0000_0000, 'dbcs-cont'), // ends, after 4 billion turns
        outcome(4, 'sbcs-cont'),
        outcome(0xffff, 'dbcs-cont'), // a 16-bit length: SheetJS reads past the end and copes
      ];
      // l is now 65,539: every further read starts past the 16-byte buffer's end.
      let pastEnd = 0;
      while (outcome(4) === 'read' && pastEnd < 100_000) {
        pastEnd += 1;
      }
      return { early, pastEnd };
    });
    expect(reads).toEqual({
      early: ['refused', 'refused', 'refused', 'read', 'refused', 'read', 'read'],
      // The 16-bit read above started inside the buffer: all 65,536 allowed are these.
      pastEnd: 65_536,
    });
  });

  it('takes its hook off Uint8Array when the read ends, whether it threw or not', () => {
    expect(withBoundedReads(() => 1)).toBe(1);
    expect(() =>
      withBoundedReads(() => {
        throw new Error('damaged');
      }),
    ).toThrow('damaged');
    expect(Object.getOwnPropertyNames(Uint8Array.prototype)).not.toContain('read_shift');
    expect((new Uint8Array(1) as unknown as Record<string, unknown>).read_shift).toBeUndefined();
  });
});
