/**
 * Time and memory bounds of the readers on hostile files (moved from the fast suite, where a
 * wall-clock or RSS assertion is a flake on a loaded machine, not a finding). The messages
 * themselves are checked in test/unit/parsing (spreadsheet, csv and vcard tests).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SHEET_HEAD,
  SHEET_TAIL,
  buildXlsx,
  deflateRepeated,
  parse,
  parseError,
} from '../unit/parsing/helpers.js';

const MB = 1024 * 1024;
const ROW = '<row><c t="inlineStr"><is><t>lol</t></is></c></row>';

async function bounded(bomb: Buffer): Promise<{ message: string | null; ms: number; rssGrowth: number }> {
  const started = Date.now();
  const before = process.memoryUsage().rss;
  const message = await parseError(bomb, 'xlsx', { maxUncompressedBytes: 50 * MB });
  return { message, ms: Date.now() - started, rssGrowth: process.memoryUsage().rss - before };
}

describe('hostile files cost little time and memory', () => {
  // SheetJS and the spreadsheet readers are imported on a process's first workbook (issue #23):
  // a one-time cost of the process (seconds on a loaded machine), not of the file under test.
  beforeAll(async () => {
    await import('../../src/parsing/spreadsheet.js');
  });

  it('one declaring its real size is refused within 2 s and 100 MB', async () => {
    const deflated = await deflateRepeated(SHEET_HEAD, ROW, 4_000_000, SHEET_TAIL);
    const result = await bounded(buildXlsx({ deflated }));
    console.log(`[faults] zipBomb declared: ${JSON.stringify(result)}`);
    expect(result.message).toMatch(/^file expands to more than 50 MB/);
    expect(result.ms).toBeLessThan(2000);
    expect(result.rssGrowth).toBeLessThan(100 * MB);
  });

  it('one lying about its size is cut off within 2 s and 100 MB', async () => {
    const deflated = await deflateRepeated(SHEET_HEAD, ROW, 4_000_000, SHEET_TAIL);
    const result = await bounded(buildXlsx({ deflated, declaredSize: 1000 }));
    console.log(`[faults] zipBomb lying: ${JSON.stringify(result)}`);
    expect(result.message).toMatch(/too many bytes in the stream/);
    expect(result.ms).toBeLessThan(2000);
    expect(result.rssGrowth).toBeLessThan(100 * MB);
  });

  it('a 10 MB CSV line without a newline is refused within 200 MB', async () => {
    const before = process.memoryUsage().rss;
    const message = await parseError(Buffer.alloc(10 * MB, 0x61), 'csv');
    const rssGrowth = process.memoryUsage().rss - before;
    console.log(`[faults] csv single line: ${JSON.stringify({ rssGrowth })}`);
    expect(message).toMatch(/^line 1: a single row is longer than 1 MB/);
    expect(rssGrowth).toBeLessThan(200 * MB);
  });

  it('a vCard with an 8 MB one-line PHOTO is read within 150 MB', async () => {
    const photo = 'A'.repeat(8 * MB);
    const text = `BEGIN:VCARD\nVERSION:4.0\nFN:Big Photo\nPHOTO:data:image/png;base64,${photo}\nEMAIL:big@example.com\nEND:VCARD\n`;
    const before = process.memoryUsage().rss;
    const r = await parse(text, 'vcf');
    const rssGrowth = process.memoryUsage().rss - before;
    console.log(`[faults] vcard photo: ${JSON.stringify({ rssGrowth })}`);
    expect(r.records).toHaveLength(1);
    expect(rssGrowth).toBeLessThan(150 * MB);
  });
});
