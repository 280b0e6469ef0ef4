import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UnboundedReadError, withBoundedReads } from '../../../src/parsing/spreadsheet/boundedReads.js';
import { FIXTURES } from './helpers.js';

/**
 * Reads the XLS fixture with some bytes changed, in a fresh Node process whose heap is 64 MB, the
 * way a parse thread reads it (readWorkbook, then the contact sheet). A read that never ends
 * grows one array until V8 ends the process, which a thread's own heap limit does not prevent
 * (boundedReads.ts), so the test looks at how the process ended, not only at what it printed.
 */
function readDamagedXls(flips: [number, number][]): { status: number | null; out: string } {
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
  const run = spawnSync(
    process.execPath,
    ['--max-old-space-size=64', '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: run.status, out: run.stdout.trim() };
}

describe('SheetJS reads bounded by their buffer', () => {
  it('a record whose string length lies past its end is a damaged workbook, not a process killed out of memory', () => {
    // Found by the parser property test: one changed byte makes a zero-length BIFF2 STRING record,
    // whose missing length SheetJS's string reader loops on forever.
    expect(readDamagedXls([[1581, 206]])).toEqual({
      status: 0,
      out: 'error file is not a valid XLS workbook',
    });
  });

  it('a property set claiming billions of properties is skipped and the contacts are still read', () => {
    // SheetJS counted its way through 2^31 properties reading zeros past the stream's end; the
    // bounded read ends that loop, and SheetJS treats a failed property set as no properties.
    expect(readDamagedXls([[4855, 144]])).toEqual({ status: 0, out: 'read 4' });
    expect(readDamagedXls([])).toEqual({ status: 0, out: 'read 4' });
  });

  it('refuses a counted string read without a length, or starting far past its buffer, and lets others through', () => {
    const reads = withBoundedReads(() => {
      const blob = new Uint8Array(16) as Uint8Array & {
        l: number;
        read_shift: (size: unknown, type?: string) => unknown;
      };
      blob.l = 0;
      // What SheetJS's prep_blob does to every buffer it reads from.
      blob.read_shift = function (this: typeof blob, size: unknown) {
        this.l += Number(size);
        return 'read';
      };
      const outcome = (size: unknown, type?: string) => {
        try {
          return blob.read_shift(size, type);
        } catch (e) {
          return e instanceof UnboundedReadError ? 'refused' : e;
        }
      };
      return [
        outcome(undefined, 'sbcs-cont'),
        outcome(Number.NaN, 'dbcs-cont'),
        outcome(4, 'sbcs-cont'),
        outcome(2),
        outcome(8000, 'sbcs-cont'), // more characters than 16 bytes and the slack could hold
        outcome(4100, 'sbcs-cont'), // l is now 4,106: within the slack past the 16-byte buffer
        outcome(2),
        ((blob.l = 16 + 4096 + 1), outcome(2)), // a skip (SheetJS's parsenoop) to just past the slack
      ];
    });
    expect(reads).toEqual(['refused', 'refused', 'read', 'read', 'refused', 'read', 'read', 'refused']);
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
