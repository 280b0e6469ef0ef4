/**
 * Issue #23: the 10 MB CSV of the `measure` browser project (test/e2e/measure.spec.ts) dropped
 * in the page on the full stack, until the page shows it `loaded` (`e2e_drop_to_loaded_s`), and
 * cqlsh COPY loading the same rows, already normalised, into a table shaped like the records
 * table (`e2e_cqlsh_copy_s`, cqlsh's own reported time: its start-up is not counted), rounds
 * interleaved. `ratio_e2e_drop_to_loaded_vs_cqlsh` = drop / COPY (lower is better).
 *
 * The browser run is `tsx test/e2e/run.ts --project measure` (what `npm run test:e2e -- --project
 * measure` runs inside its stack), started inside the bench's stack: its own API and worker
 * processes, Debian's chromium.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEASURE_RESULT_FILE, tenMegabyteCsv } from '../../test/e2e/measureFile.js';
import { parseInMemory } from '../lib/parse.js';
import { log } from '../lib/util.js';
import { recordSamples, type Results } from '../lib/verdict.js';
import { openCqlshReference } from './references.js';

interface MeasureResult {
  bytes: number;
  rows: number;
  uploadedMs: number;
  loadedMs: number;
}

/** One browser run of the measure project; its figures from the file the spec writes. */
async function dropOnce(): Promise<MeasureResult> {
  await rm(MEASURE_RESULT_FILE, { force: true }); // never read an earlier run's figures
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/run.ts', '--project', 'measure'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (code !== 0) {
    throw new Error(`the measure browser project failed (exit ${code})`);
  }
  return JSON.parse(await readFile(MEASURE_RESULT_FILE, 'utf8')) as MeasureResult;
}

export async function runE2eDrop(rounds: number, results: Results): Promise<void> {
  const keyspace = process.env['CASSANDRA_KEYSPACE']!;
  const csv = tenMegabyteCsv();
  const { records, rows } = await parseInMemory(csv, 'csv');
  const dir = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
  const cqlsh = await openCqlshReference(keyspace, dir);
  const drops: number[] = [];
  const copies: number[] = [];
  try {
    for (let r = 1; r <= rounds; r++) {
      const drop = await dropOnce();
      if (drop.rows !== rows) {
        throw new Error(`the page loaded a file of ${drop.rows} rows, the bench parsed ${rows}`);
      }
      drops.push(drop.loadedMs / 1000);
      const copy = await cqlsh.copyOnce(records);
      copies.push(records.length / copy.rowsPerS);
      log(
        `e2e round ${r}: drop → loaded ${(drop.loadedMs / 1000).toFixed(1)} s (upload ${(drop.uploadedMs / 1000).toFixed(1)} s); ` +
          `cqlsh COPY of ${records.length} records ${copies.at(-1)!.toFixed(1)} s`,
      );
    }
  } finally {
    await cqlsh.close();
    await rm(dir, { recursive: true, force: true });
  }
  results['e2e_rows'] = rows;
  results['e2e_records'] = records.length;
  recordSamples(results, 'e2e_drop_to_loaded_s', drops, 1);
  recordSamples(results, 'e2e_cqlsh_copy_s', copies, 1);
}
