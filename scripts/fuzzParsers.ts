/**
 * Looks for input files that end the whole process, not just the parse: each file is read the way
 * the service reads it (in a parse-pool thread with the service's 256 MB heap), and a file that
 * makes the parser grow one object past that limit kills the process (a thread's heap limit does
 * not prevent it: src/parsing/spreadsheet/boundedReads.ts). So every seed runs in a child process
 * that logs each file before reading it; when a child dies, the file it was reading is reported
 * and the seed goes on from the next one. Also reports the slowest files.
 *
 *   tsx scripts/fuzzParsers.ts [--kind bytes|text|xlsb|xml|all] [--seeds 20] [--first 1]
 *   tsx scripts/fuzzParsers.ts --kind K --first SEED --from INDEX --dump FILE   (writes one file)
 *
 * Kinds: `bytes` flips and cuts the XLS and XLSX fixtures; `text` the CSV, TXT and vCard fixtures;
 * `xlsb` flips bytes in the uncompressed parts of a SheetJS-written XLSB; `xml` swaps numbers in
 * the XML parts of an XLSX for extreme ones (2^31-1, 2^32-1, -1, NaN, long cell references).
 * Every file is generated from the seed, so a reported (kind, seed, index) is reproducible. Found
 * with it (docs/performance.md, 2026-12-07): two SheetJS loops on damaged XLS, a damaged XLSB
 * dimension, a crafted XLSX column; exits non-zero when a file ended its process.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import * as XLSX from '@e965/xlsx';
import { rng } from '../bench/lib/data.js';
import type { FileFormat, ParseOptions } from '../src/parsing/types.js';
import { createParsePool } from '../src/worker/parsePool.js';

const KINDS = ['bytes', 'text', 'xlsb', 'xml'] as const;
type Kind = (typeof KINDS)[number];
const FILES_PER_SEED = 300;
const SLOW_MS = 2_000;
const FIXTURES = path.join(import.meta.dirname, '../test/fixtures/contacts');

function flipBytes(data: Buffer, rnd: () => number): void {
  const flips = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < flips; k++) {
    data[Math.floor(rnd() * data.length)] = Math.floor(rnd() * 256);
  }
}

function cut(data: Buffer, rnd: () => number): Buffer {
  return rnd() < 0.6 ? data : data.subarray(0, Math.floor(data.length * rnd()));
}

function fixtureCase(names: [string, FileFormat][], rnd: () => number): { data: Buffer; format: FileFormat } {
  const [name, format] = names[Math.floor(rnd() * names.length)]!;
  const data = Buffer.from(readFileSync(path.join(FIXTURES, name)));
  flipBytes(data, rnd);
  return { data: cut(data, rnd), format };
}

function contactsWorkbook(bookType: 'xlsb' | 'xlsx'): Buffer {
  const rows: unknown[][] = [['Name', 'Email', 'Phone', 'Company']];
  for (let i = 0; i < 40; i++) {
    rows.push([
      `Ädä ${i} Ωμέγα`,
      `a${i}@example.com`,
      4915123456789 + i,
      i % 5 === 0 ? 'x'.repeat(300) : `Firm ${i}`,
    ]);
  }
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(rows), 'Contacts');
  wb.Props = { Title: 'Contacts', Author: 'fuzz' };
  return XLSX.write(wb, { type: 'buffer', bookType }) as Buffer;
}

interface ZipEntry {
  name: string;
  content: unknown;
  size: number;
}

/** Changes one uncompressed part of a zipped workbook and zips it again. */
function changedPart(
  base: Buffer,
  suffix: string,
  rnd: () => number,
  change: (part: Buffer) => Buffer,
): Buffer {
  // SheetJS types its bundled CFB/zip library as `any`.
  const zip = XLSX.CFB.read(base, { type: 'buffer' }) as { FileIndex: ZipEntry[] };
  const parts = zip.FileIndex.filter((f) => f.name.endsWith(suffix) && (f.content as Uint8Array).length > 0);
  const part = parts[Math.floor(rnd() * parts.length)]!;
  part.content = change(Buffer.from(part.content as Uint8Array));
  part.size = (part.content as Uint8Array).length;
  return XLSX.CFB.write(zip, { fileType: 'zip', type: 'buffer', compression: true }) as Buffer;
}

const EXTREMES = ['2147483647', '4294967295', '99999999999', '-1', '1e308', 'NaN', '0', '16385', '1048577'];

function extremeNumbers(xml: Buffer, rnd: () => number): Buffer {
  let text = xml.toString('utf8');
  for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
    const tokens = [...text.matchAll(/\d+|"[A-Z]{1,3}\d+"/g)];
    const token = tokens[Math.floor(rnd() * tokens.length)];
    if (!token) {
      break;
    }
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
      .charAt(Math.floor(rnd() * 26))
      .repeat(1 + Math.floor(rnd() * 8));
    const swap = token[0].startsWith('"')
      ? `"${letters}${Math.floor(rnd() * 3e9)}"`
      : EXTREMES[Math.floor(rnd() * EXTREMES.length)]!;
    text = text.slice(0, token.index) + swap + text.slice(token.index + token[0].length);
  }
  return Buffer.from(text);
}

function makeCase(kind: Kind, rnd: () => number, bases: Record<'xlsb' | 'xlsx', Buffer>) {
  switch (kind) {
    case 'bytes':
      return fixtureCase(
        [
          ['libreoffice-contacts.xls', 'xls'],
          ['thirdparty/xlwt-biff8.xls', 'xls'],
          ['libreoffice-contacts.xlsx', 'xlsx'],
        ],
        rnd,
      );
    case 'text':
      return fixtureCase(
        [
          ['google-contacts.csv', 'csv'],
          ['excel-semicolon-cp1252.csv', 'csv'],
          ['thirdparty/shift_jis.csv', 'csv'],
          ['excel-unicode-text.txt', 'txt'],
          ['thirdparty/utf-16le-no-bom.txt', 'txt'],
          ['android-contacts-2.1.vcf', 'vcf'],
          ['vcard-4.0.vcf', 'vcf'],
        ],
        rnd,
      );
    case 'xlsb':
      return {
        data: changedPart(bases.xlsb, '.bin', rnd, (part) => {
          flipBytes(part, rnd);
          return cut(part, rnd);
        }),
        format: 'xlsx' as const,
      };
    case 'xml':
      return {
        data: changedPart(bases.xlsx, '.xml', rnd, (part) => extremeNumbers(part, rnd)),
        format: 'xlsx' as const,
      };
  }
}

/** The seed's files, in order: the same files for the same seed. */
function* casesOf(kind: Kind, seed: number): Generator<{ data: Buffer; format: FileFormat }> {
  const rnd = rng(seed);
  const bases = { xlsb: contactsWorkbook('xlsb'), xlsx: contactsWorkbook('xlsx') };
  for (let i = 0; i < FILES_PER_SEED; i++) {
    yield makeCase(kind, rnd, bases);
  }
}

/** The child: reads the seed's files from `from` on, logging each before it is read. */
async function child(kind: Kind, seed: number, from: number, log: string): Promise<void> {
  const pool = createParsePool(1, { heapMb: 256, parseTimeoutMs: 30_000 });
  let i = -1;
  for (const { data, format } of casesOf(kind, seed)) {
    i += 1;
    if (i < from) {
      continue;
    }
    appendFileSync(log, `${JSON.stringify({ i })}\n`);
    const options: ParseOptions = {
      format,
      maxRows: 100,
      maxUncompressedBytes: 5 * 1024 * 1024,
      defaultRegion: 'US',
      totalBytes: data.length,
    };
    const started = Date.now();
    try {
      for await (const row of pool.open(Readable.from([data]), options).rows) {
        void row;
      }
    } catch {
      // A content error is the expected answer to most of these files.
    }
    appendFileSync(log, `${JSON.stringify({ i, ms: Date.now() - started })}\n`);
  }
  await pool.close();
}

/** Runs one seed to its end in child processes; returns the files that ended one, and the times. */
function runSeed(kind: Kind, seed: number, dir: string) {
  const log = path.join(dir, `${kind}-${seed}.log`);
  const killers: number[] = [];
  const times: { i: number; ms: number }[] = [];
  let from = 0;
  for (;;) {
    const run = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        import.meta.filename,
        '--child',
        '--kind',
        kind,
        '--first',
        String(seed),
        '--from',
        String(from),
        '--log',
        log,
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    );
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; ms?: number });
    times.splice(0, times.length, ...lines.filter((l): l is { i: number; ms: number } => l.ms !== undefined));
    if (run.status === 0) {
      return { killers, times };
    }
    const last = lines.at(-1)!;
    killers.push(last.i);
    console.log(
      `[fuzz] ${kind} seed ${seed} file ${last.i} ended its process (status ${run.status}, signal ${run.signal})`,
    );
    from = last.i + 1;
  }
}

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'all' },
    seeds: { type: 'string', default: '20' },
    first: { type: 'string', default: '1' },
    child: { type: 'boolean', default: false },
    from: { type: 'string', default: '0' },
    log: { type: 'string' },
    dump: { type: 'string' },
  },
});
const kinds: Kind[] = values.kind === 'all' ? [...KINDS] : [values.kind as Kind];
if (!kinds.every((k) => (KINDS as readonly string[]).includes(k))) {
  throw new Error(`--kind must be one of ${KINDS.join(', ')} or all`);
}
if (values.dump !== undefined) {
  const file = [...casesOf(kinds[0]!, Number(values.first))][Number(values.from)]!;
  writeFileSync(values.dump, file.data);
  console.log(
    `[fuzz] wrote ${kinds[0]} seed ${values.first} file ${values.from} (${file.format}) to ${values.dump}`,
  );
} else if (values.child) {
  await child(kinds[0]!, Number(values.first), Number(values.from), values.log!);
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'batchport-fuzz-'));
  let killed = 0;
  for (const kind of kinds) {
    const times: { seed: number; i: number; ms: number }[] = [];
    for (let seed = Number(values.first); seed < Number(values.first) + Number(values.seeds); seed++) {
      const result = runSeed(kind, seed, dir);
      killed += result.killers.length;
      times.push(...result.times.map((t) => ({ seed, ...t })));
    }
    times.sort((a, b) => b.ms - a.ms);
    const slow = times.filter((t) => t.ms > SLOW_MS);
    console.log(
      `[fuzz] ${kind}: ${times.length} files read, slowest ${times[0]?.ms ?? 0} ms` +
        (slow.length > 0 ? `; over ${SLOW_MS} ms: ${JSON.stringify(slow.slice(0, 10))}` : ''),
    );
  }
  console.log(`[fuzz] ${killed} file(s) ended their process; logs in ${dir}`);
  process.exitCode = killed > 0 ? 1 : 0;
}
