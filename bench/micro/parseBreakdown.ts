/**
 * Where the raw CSV parse spends its time, step by step on the bench's 10 MB CSV, all in this
 * thread: `tsx bench/micro/parseBreakdown.ts [runs]`. Each step is timed alone over the same
 * rows (medians of `runs`), next to the whole openContactParser pass.
 */
import { parse } from 'csv-parse/sync';
import { normalizeEmail } from '../../src/parsing/normalize/email.js';
import { normalizePhone } from '../../src/parsing/normalize/phone.js';
import { normalizeContact } from '../../src/parsing/normalizeContact.js';
import { TableContactBuilder } from '../../src/parsing/tabular.js';
import { contactsCsv } from '../lib/data.js';
import { parseInMemory } from '../lib/parse.js';

const runs = Number(process.argv[2] ?? 5);
const file = contactsCsv(10_000_000);
const text = file.bytes.toString('utf8');
const phones = file.contacts.map((c) => c.phone);
const emails = file.contacts.map((c) => c.email).filter((e) => e !== '');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
async function time(name: string, fn: () => unknown): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const m = median(ms);
  console.log(
    `${name.padEnd(44)} ${m.toFixed(0).padStart(6)} ms  ${Math.round((file.rows / m) * 1000)} rows/s`,
  );
}

const records: string[][] = parse(text, { relax_column_count: true });
await time('csv-parse (sync, info: false)', () => parse(text, { relax_column_count: true }));
await time('csv-parse (sync, info: true)', () => parse(text, { relax_column_count: true, info: true }));
await time('normalizePhone x rows', () => phones.forEach((p) => normalizePhone(p, 'US')));
await time('normalizeEmail x rows', () => emails.forEach((e) => normalizeEmail(e)));
await time('TableContactBuilder.build (all normalising)', () => {
  const b = new TableContactBuilder(records[0]!, {
    maxRows: 1e7,
    mapping: null,
    encoding: null,
    details: { encoding: null, delimiter: null, headerRow: null, mapping: null, regionInference: null },
  });
  for (let i = 1; i < records.length; i++) {
    const raw = b.build(records[i]!, i);
    if (raw) {
      normalizeContact(raw, 'US');
    }
  }
});
await time('openContactParser (whole, streamed)', () => parseInMemory(file.bytes, 'csv', { keep: false }));
