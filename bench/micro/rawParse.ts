/**
 * Raw parse rate of the bench's 10 MB CSV (or XLSX) through openContactParser in this thread:
 * `tsx bench/micro/rawParse.ts [csv|xlsx] [runs]`. Prints each run and the median.
 */
import { contactsCsv, contactsXlsx } from '../lib/data.js';
import { parseInMemory } from '../lib/parse.js';

const format = (process.argv[2] ?? 'csv') as 'csv' | 'xlsx';
const runs = Number(process.argv[3] ?? 5);
const csv = contactsCsv(10_000_000);
const file = format === 'csv' ? csv : contactsXlsx(csv.contacts, 10_000_000);
const rates: number[] = [];
for (let i = 0; i < runs; i++) {
  const out = await parseInMemory(file.bytes, format, { keep: false });
  const rate = Math.round((out.rows / out.ms) * 1000);
  rates.push(rate);
  console.log(`run ${i + 1}: ${out.rows} rows in ${out.ms.toFixed(0)} ms = ${rate} rows/s`);
}
rates.sort((a, b) => a - b);
console.log(`median ${rates[Math.floor(rates.length / 2)]} rows/s (${format}, ${runs} runs)`);
