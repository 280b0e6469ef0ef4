/**
 * The whole parser next to its parts (issue #23 item 1), on the bench's 10 MB CSV, in one run:
 *
 * - whole: openContactParser over the file in 64 KiB chunks as storage streams it (decode,
 *   encoding and delimiter sniffing, csv-parse, header mapping, normalise incl. phone, duplicate
 *   check), in this thread. Not through the parse pool: its threads run at a lowered priority
 *   (threadPriority.ts), so on a loaded machine a pool figure measures the scheduler, not the
 *   parser; the pool's own cost shows in the parse_threads section;
 * - parts: the same work as bare steps, each timed alone on the previous step's output, in this
 *   thread: UTF-8 decode, csv-parse (sync, the parser's own options), TableContactBuilder.build
 *   (map), normalizeContact (normalise incl. phone). Their times add up to `parts`.
 *
 * Rounds are interleaved (whole, parts, whole, parts, …) so load from other processes hits both.
 * `parser_vs_parts` = parser_rows_per_s / parser_parts_rows_per_s; 1 would mean no glue at all.
 *
 *   npm run bench -- --only=parser        # as a section of the bench
 *   tsx bench/micro/parserVsParts.ts [rounds=3] [megabytes=10]
 */
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { RawContact } from '../../src/parsing/normalizeContact.js';
import { normalizeContact } from '../../src/parsing/normalizeContact.js';
import { TableContactBuilder } from '../../src/parsing/tabular.js';
import { contactsCsv, type GeneratedFile } from '../lib/data.js';
import { parseInMemory } from '../lib/parse.js';
import { log, round } from '../lib/util.js';
import { recordSamples, type Results } from '../lib/verdict.js';

const elapsed = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
/** CPU time (user + system) of this process since `start`, ms: what load from others barely moves. */
const cpuMs = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

/** Rows per second of the whole parser (openContactParser, this thread) over `bytes`, wall and CPU. */
async function wholeOnce(bytes: Buffer, expectedRows: number): Promise<{ rate: number; cpuRate: number }> {
  const cpu = process.cpuUsage();
  const { rows, ms } = await parseInMemory(bytes, 'csv', { keep: false });
  const used = cpuMs(cpu);
  if (rows !== expectedRows) {
    throw new Error(`the parser read ${rows} rows of a ${expectedRows}-row file`);
  }
  return { rate: (rows / ms) * 1000, cpuRate: (rows / used) * 1000 };
}

export interface PartTimes {
  decodeMs: number;
  csvMs: number;
  mapMs: number;
  normaliseMs: number;
  /** CPU time of all four parts. */
  cpuMs: number;
}

/** Each part alone on its input (made by the previous part, outside the timing). */
function partsOnce(bytes: Buffer, expectedRows: number): PartTimes {
  let cpu = process.cpuUsage();
  let partsCpu = 0;
  let t = process.hrtime.bigint();
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const decodeMs = elapsed(t);

  t = process.hrtime.bigint();
  const records: string[][] = parse(text, {
    delimiter: ',',
    quote: '"',
    escape: '"',
    relax_column_count: true,
    relax_quotes: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: false,
  });
  const csvMs = elapsed(t);

  partsCpu += cpuMs(cpu);
  const builder = new TableContactBuilder(records[0]!, {
    maxRows: 1e7,
    mapping: null,
    encoding: null,
    details: { encoding: null, delimiter: null, headerRow: null, mapping: null, regionInference: null },
  });
  const raws: RawContact[] = [];
  cpu = process.cpuUsage();
  t = process.hrtime.bigint();
  for (let i = 1; i < records.length; i++) {
    const raw = builder.build(records[i]!, i);
    if (raw) {
      raws.push(raw);
    }
  }
  const mapMs = elapsed(t);

  t = process.hrtime.bigint();
  let normalised = 0;
  for (const raw of raws) {
    normalizeContact(raw, 'US');
    normalised++;
  }
  const normaliseMs = elapsed(t);
  if (normalised !== expectedRows) {
    throw new Error(`the parts read ${normalised} rows of a ${expectedRows}-row file`);
  }
  partsCpu += cpuMs(cpu);
  return { decodeMs, csvMs, mapMs, normaliseMs, cpuMs: partsCpu };
}

export async function runParserVsParts(
  csv: GeneratedFile,
  results: Results,
  options: { rounds?: number } = {},
): Promise<void> {
  const rounds = options.rounds ?? 3;
  // Warm-up: loads the parser and the phone metadata, JITs both paths.
  const head = csv.bytes.subarray(0, csv.bytes.indexOf(10, 1_000_000) + 1);
  const headRows = head.toString('utf8').split('\n').length - 2;
  await wholeOnce(head, headRows);
  partsOnce(head, headRows);
  const whole: number[] = [];
  const parts: number[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const steps: PartTimes[] = [];
  for (let r = 0; r < rounds; r++) {
    const { rate: w, cpuRate } = await wholeOnce(csv.bytes, csv.rows);
    const p = partsOnce(csv.bytes, csv.rows);
    const partsRate = (csv.rows / (p.decodeMs + p.csvMs + p.mapMs + p.normaliseMs)) * 1000;
    whole.push(w);
    parts.push(partsRate);
    ratios.push(w / partsRate);
    cpuRatios.push(cpuRate / ((csv.rows / p.cpuMs) * 1000));
    steps.push(p);
    log(
      `parser: round ${r + 1}: whole ${Math.round(w)} rows/s, parts ${Math.round(partsRate)} rows/s ` +
        `(decode ${p.decodeMs.toFixed(0)} ms, csv ${p.csvMs.toFixed(0)} ms, map ${p.mapMs.toFixed(0)} ms, ` +
        `normalise ${p.normaliseMs.toFixed(0)} ms); by CPU time ${cpuRatios.at(-1)!.toFixed(2)}`,
    );
  }
  recordSamples(results, 'parser_rows_per_s', whole);
  recordSamples(results, 'parser_parts_rows_per_s', parts);
  // The ratio of each round (both halves saw the same minute's load), median and spread.
  recordSamples(results, 'parser_vs_parts', ratios, 2);
  // The same by CPU time (user + system of this process): on a machine others load, wall time
  // swings with the scheduler; CPU time is what the code itself costs.
  recordSamples(results, 'parser_cpu_vs_parts', cpuRatios, 2);
  results['parser_parts_ms'] = Object.fromEntries(
    (['decodeMs', 'csvMs', 'mapMs', 'normaliseMs'] as const).map((k) => [
      k.replace(/Ms$/, ''),
      round(steps.map((s) => s[k]).sort((a, b) => a - b)[Math.floor(steps.length / 2)]!, 0),
    ]),
  );
  results['parser_rows_per_file'] = csv.rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rounds = Number(process.argv[2] ?? 3);
  const csv = contactsCsv(Number(process.argv[3] ?? 10) * 1_000_000);
  const results: Results = {};
  await runParserVsParts(csv, results, { rounds });
  console.log(JSON.stringify(results, null, 2));
}
