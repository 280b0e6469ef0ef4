/**
 * The benchmark suite (issue #6): the whole pipeline next to the references it should approach.
 *
 *   npm run bench                 # full run (~6 min on 2 vCPUs)
 *   npm run bench -- --quick      # fewer iterations, smaller loads (~3-4 min)
 *   npm run bench -- --only=ingest,reads   # sections: parse insert cqlsh ingest upload reads rss rss_capped workers
 *
 * `npm run bench` starts all four services (scripts/withStack.ts --all) and exports their env.
 * Prints a table and writes bench/results/latest.json (see docs/performance.md).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { Redis } from 'ioredis';
import pg from 'pg';
import { zipBombXlsx } from '../test/support/xlsxBuilders.js';
import { contactsCsv, contactsVcf, contactsXlsx } from './lib/data.js';
import { log, round, type Results } from './lib/util.js';
import { runIngest } from './sections/ingest.js';
import { runReads } from './sections/reads.js';
import { runCqlshCopy, runRawInsert, runRawParse } from './sections/references.js';
import { runUpload } from './sections/upload.js';
import { runWorkerRss, runWorkerScaling } from './sections/workers.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const enabled = (section: string) => !only || only.includes(section);
const MB = 1_000_000;

for (const name of [
  'DATABASE_URL',
  'REDIS_HOST',
  'SEAWEEDFS_ENDPOINT',
  'CASSANDRA_CONTACT_POINTS',
  'JWT_SECRET',
]) {
  if (!process.env[name]) {
    process.stderr.write(`${name} is not set: run through \`npm run bench\` (all four services)\n`);
    process.exit(2);
  }
}

function tryExec(cmd: string, argv: string[]): string {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function machine(): Promise<Record<string, unknown>> {
  const pgClient = new pg.Client({ connectionString: process.env['DATABASE_URL'] });
  await pgClient.connect();
  const pgVersion = (await pgClient.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
    .rows[0]?.v;
  await pgClient.end();
  const redis = new Redis({
    host: process.env['REDIS_HOST'],
    port: Number(process.env['REDIS_PORT']),
    password: process.env['REDIS_PASSWORD'],
    lazyConnect: true,
  });
  await redis.connect();
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  redis.disconnect();
  const [host, port] = process.env['CASSANDRA_CONTACT_POINTS']!.split(',')[0]!.split(':');
  const cql = new cassandra.Client({
    contactPoints: [`${host}:${port ?? '9042'}`],
    localDataCenter: process.env['CASSANDRA_LOCAL_DC'] ?? 'datacenter1',
  });
  const cassandraVersion = (await cql.execute('SELECT release_version FROM system.local'))
    .first()
    ?.get('release_version') as string;
  await cql.shutdown();
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model ?? 'unknown',
    cpu_cores: cpus.length,
    ram_gib: round(os.totalmem() / 2 ** 30, 1),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: pgVersion,
    redis: redisVersion,
    cassandra: cassandraVersion,
    seaweedfs: tryExec(join(process.cwd(), '.tools/seaweedfs-venv/bin/weed'), ['version']),
    git_commit: tryExec('git', ['rev-parse', '--short', 'HEAD']),
    note: 'all services, the API, the worker and the load generators share this machine',
  };
}

const RATIOS: [string, string, string][] = [
  ['ratio_ingest_csv_vs_cqlsh', 'ingest_csv_rows_per_s', 'cqlsh_copy_rows_per_s'],
  ['ratio_ingest_csv_vs_raw_insert', 'ingest_csv_rows_per_s', 'raw_insert_rows_per_s'],
  ['ratio_ingest_csv_vs_raw_insert_batched', 'ingest_csv_rows_per_s', 'raw_insert_batched_rows_per_s'],
  ['ratio_ingest_csv_vs_raw_parse', 'ingest_csv_rows_per_s', 'raw_parse_rows_per_s'],
  ['ratio_upload_vs_raw_put', 'upload_mib_per_s', 'raw_put_mib_per_s'],
  ['ratio_upload_p99_vs_raw_put_p99', 'upload_p99_ms', 'raw_put_p99_ms'],
  ['ratio_status_vs_baseline', 'status_rps', 'baseline_rps'],
  ['ratio_list_vs_baseline', 'list_rps', 'baseline_rps'],
  ['ratio_status_vs_baseline_auth', 'status_rps', 'baseline_auth_rps'],
  ['ratio_list_vs_baseline_auth', 'list_rps', 'baseline_auth_rps'],
];

const GOALS: [string, string, number][] = [
  ['ratio_ingest_csv_vs_cqlsh', '>=', 2],
  ['ratio_ingest_csv_vs_raw_insert', '>=', 0.7],
  ['ratio_upload_vs_raw_put', '>=', 0.8],
  ['ratio_upload_p99_vs_raw_put_p99', '<=', 1.3],
  ['worker_peak_rss_mib', '<=', 256],
];

function printTable(results: Results): void {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(results)) {
    if (k === 'machine' || k === 'settings') {
      continue;
    }
    const text =
      typeof v === 'number' ? v.toLocaleString('en-US') : typeof v === 'string' ? v : JSON.stringify(v);
    const goal = GOALS.find(([g]) => g === k);
    const verdict =
      goal && typeof v === 'number'
        ? `  goal ${goal[1]} ${goal[2]}: ${(goal[1] === '>=' ? v >= goal[2] : v <= goal[2]) ? 'met' : 'MISSED'}`
        : '';
    rows.push([k, text + verdict]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = [
    '',
    `Batchport benchmark (${quick ? 'quick' : 'full'}) ${String(results['started_at'])}`,
    ...Object.entries(results['machine'] as Record<string, unknown>).map(([k, v]) => `  ${k}: ${String(v)}`),
    '',
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    '',
  ];
  process.stdout.write(out.join('\n'));
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const results: Results = {
    started_at: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: await machine(),
  };
  const settings = {
    iterations: quick ? 1 : 3,
    rawInsertConcurrencies: quick ? [64, 256] : [32, 64, 128, 256, 512],
    rawInsertRounds: quick ? 1 : 2,
    cqlshRounds: quick ? 1 : 2,
    uploadCount: quick ? 96 : 256,
    uploadRounds: quick ? 1 : 2,
    readRows: 100_000,
    readDurationMs: quick ? 4_000 : 10_000,
    scaleFiles: 4,
    scaleFileBytes: quick ? 2 * MB : 4 * MB,
  };
  results['settings'] = settings;

  log('generating inputs');
  const csv = contactsCsv(10 * MB);
  const vcf = contactsVcf(10 * MB);
  const xlsx = contactsXlsx(csv.contacts, 10 * MB);
  const csv1 = contactsCsv(1 * MB);
  const csv4 = contactsCsv(4 * MB);
  const scaleFile = contactsCsv(settings.scaleFileBytes, 3);
  log(
    `inputs: CSV ${csv.bytes.length} B / ${csv.rows} rows, XLSX ${xlsx.bytes.length} B / ${xlsx.rows} rows, ` +
      `VCF ${vcf.bytes.length} B / ${vcf.rows} cards`,
  );

  const section = async (name: string, fn: () => Promise<void>) => {
    if (!enabled(name)) {
      return;
    }
    const t = Date.now();
    log(`--- ${name}`);
    try {
      await fn();
    } catch (error) {
      results[`${name}_error`] = (error as Error).message.slice(0, 500);
      log(`${name} FAILED: ${(error as Error).stack ?? String(error)}`);
    }
    results[`section_${name}_s`] = round((Date.now() - t) / 1000, 1);
  };

  let records: Awaited<ReturnType<typeof runRawParse>> = [];
  await section('parse', async () => {
    records = await runRawParse(csv, settings.iterations, results);
  });
  await section('insert', async () => {
    if (records.length === 0) {
      records = (await import('./lib/parse.js').then((m) => m.parseInMemory(csv.bytes, 'csv'))).records;
    }
    await runRawInsert(
      records,
      { concurrencies: settings.rawInsertConcurrencies, rounds: settings.rawInsertRounds },
      results,
    );
  });
  records = [];
  await section('cqlsh', () => runCqlshCopy(csv, settings.cqlshRounds, results));
  await section('ingest', () => runIngest({ csv, xlsx, vcf, csv1, csv4 }, settings.iterations, results));
  await section('upload', () =>
    runUpload({ count: settings.uploadCount, rounds: settings.uploadRounds }, results),
  );
  await section('reads', () =>
    runReads({ rows: settings.readRows, durationMs: settings.readDurationMs }, results),
  );
  const bomb = (await zipBombXlsx()).bytes;
  await section('rss', () => runWorkerRss({ csv, xlsx, vcf, bomb }, results));
  // The same with V8's old space capped (GC earlier instead of growing the heap): what RSS the
  // code really needs. Not how `npm run worker` starts today.
  await section('rss_capped', () =>
    runWorkerRss({ csv, xlsx, vcf, bomb }, results, {
      prefix: 'worker_heap160',
      nodeOptions: '--max-old-space-size=160',
    }),
  );
  await section('workers', () => runWorkerScaling(scaleFile, settings.scaleFiles, results));

  results['xlsx_rows'] = xlsx.rows;
  results['vcf_cards'] = vcf.rows;
  for (const [key, a, b] of RATIOS) {
    const x = results[a];
    const y = results[b];
    if (typeof x === 'number' && typeof y === 'number' && y > 0) {
      results[key] = round(x / y, 2);
    }
  }
  results['total_s'] = round((Date.now() - startedAt) / 1000, 1);

  mkdirSync('bench/results', { recursive: true });
  const outFile = 'bench/results/latest.json';
  writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
  printTable(results);
  log(`wrote ${outFile}`);
}

await main();
process.exit(0);
