/**
 * The benchmark suite (issue #6): the whole pipeline next to the references it should approach.
 *
 *   npm run bench                 # full run; exits non-zero on any problem (see below)
 *   npm run bench -- --quick      # fewer rounds, shorter loads
 *   npm run bench -- --only=ingest,reads   # sections: ingest upload reads rss parse_threads parser webhooks known_contacts e2e_drop (+ rss_capped workers)
 *   npm run bench -- --no-fail    # exploration: report problems, exit 0
 *
 * `npm run bench` starts all four services (scripts/withStack.ts --all) and exports their env.
 * The bench works in its own keyspace, bucket and PostgreSQL schema, the keyspace and the schema
 * emptied at each start (bench/lib/isolation.ts).
 * Prints a table and writes bench/results/latest.json (see docs/performance.md). A failed
 * section, a ratio with a missing input or a missed goal of issue #13 is one line on stderr and
 * makes the exit code 1 (bench/lib/verdict.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { Redis } from 'ioredis';
import pg from 'pg';
import { zipBombXlsx } from '../test/support/xlsxBuilders.js';
import { contactsCsv, contactsVcf, contactsXlsx, type GeneratedFile } from './lib/data.js';
import { isolate } from './lib/isolation.js';
import { pollRetries } from './lib/stack.js';
import { log, round } from './lib/util.js';
import { computeRatios, exitCode, GOALS, judge, type Results } from './lib/verdict.js';
import { runParseThreads } from './micro/parseThreads.js';
import { runParserVsParts } from './micro/parserVsParts.js';
import { runE2eDrop } from './sections/e2eDrop.js';
import { runIngest } from './sections/ingest.js';
import { runKnownContacts } from './sections/knownContacts.js';
import { runReads } from './sections/reads.js';
import { runUpload } from './sections/upload.js';
import { runWebhooks } from './sections/webhooks.js';
import { runWorkerRss, runWorkerScaling } from './sections/workers.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const noFail = args.includes('--no-fail');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
/** What a full run measures; rss_capped and workers are studies, run only when named. */
const DEFAULT_SECTIONS = [
  'ingest',
  'upload',
  'reads',
  'rss',
  'parse_threads',
  'parser',
  'webhooks',
  'known_contacts',
  'e2e_drop',
];
const sections = new Set(only ?? DEFAULT_SECTIONS);
const enabled = (section: string) => sections.has(section);
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

function printTable(results: Results): void {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(results)) {
    if (
      ['machine', 'settings', 'isolation', 'reads_explain', 'problems'].includes(k) ||
      k.endsWith('_samples')
    ) {
      continue;
    }
    const text =
      typeof v === 'number' ? v.toLocaleString('en-US') : typeof v === 'string' ? v : JSON.stringify(v);
    const goal = GOALS.find((g) => g.key === k);
    const verdict =
      goal && typeof v === 'number'
        ? `  goal ${goal.op} ${goal.target}: ${(goal.op === '>=' ? v >= goal.target : v <= goal.target) ? 'met' : 'MISSED'}`
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

async function main(): Promise<number> {
  const startedAt = Date.now();
  const isolation = await isolate();
  const results: Results = {
    started_at: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: await machine(),
    isolation,
  };
  const settings = {
    sections: [...sections],
    rounds: quick ? 2 : 3,
    // The goal's measure (bench/sections/knownContacts.ts): one flush or compaction moves a round.
    knownContactsRounds: quick ? 2 : 7,
    uploadCount: quick ? 64 : 128,
    readRows: 100_000,
    readRoundMs: quick ? 1_500 : 4_000,
    rssRounds: quick ? 1 : 2,
    scaleFiles: 4,
    scaleFileBytes: quick ? 2 * MB : 4 * MB,
  };
  results['settings'] = settings;

  // Generated once, on first use: the upload and reads sections need none of them.
  let inputs:
    { csv: GeneratedFile; xlsx: GeneratedFile; vcf: GeneratedFile; warmup: GeneratedFile } | undefined;
  const files = () => {
    if (!inputs) {
      log('generating inputs');
      const csv = contactsCsv(10 * MB);
      inputs = {
        csv,
        vcf: contactsVcf(10 * MB),
        xlsx: contactsXlsx(csv.contacts, 10 * MB),
        warmup: contactsCsv(1 * MB, 5),
      };
      log(
        `inputs: CSV ${csv.bytes.length} B / ${csv.rows} rows, XLSX ${inputs.xlsx.bytes.length} B / ` +
          `${inputs.xlsx.rows} rows, VCF ${inputs.vcf.bytes.length} B / ${inputs.vcf.rows} cards`,
      );
      results['xlsx_rows'] = inputs.xlsx.rows;
      results['vcf_cards'] = inputs.vcf.rows;
    }
    return inputs;
  };

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
    // Written after every section too, so a run cut short still shows what it measured.
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/partial.json', JSON.stringify(results, null, 2) + '\n');
  };

  await section('ingest', () => runIngest(files(), settings.rounds, results));
  await section('upload', () => runUpload({ count: settings.uploadCount, rounds: settings.rounds }, results));
  await section('reads', () =>
    runReads({ rows: settings.readRows, rounds: settings.rounds, durationMs: settings.readRoundMs }, results),
  );
  const withBomb = async () => ({ ...files(), bomb: (await zipBombXlsx()).bytes });
  await section('rss', async () => runWorkerRss(await withBomb(), settings.rssRounds, results));
  // The same worker with other V8 flags (BENCH_CAPPED_NODE_OPTIONS, space-separated; default:
  // none, i.e. V8's own sizing): what the worker role's flags (src/worker/workerHeap.ts) save.
  await section('rss_capped', async () =>
    runWorkerRss(await withBomb(), settings.rssRounds, results, {
      prefix: 'worker_capped',
      nodeFlags: (process.env['BENCH_CAPPED_NODE_OPTIONS'] ?? '').split(/\s+/).filter((f) => f !== ''),
    }),
  );
  await section('parse_threads', () => runParseThreads(files().csv, results));
  // Issue #23: the whole parser (one pool thread) next to its parts alone, same rounds.
  await section('parser', () => runParserVsParts(files().csv, results, { rounds: settings.rounds }));
  await section('webhooks', () => runWebhooks({ events: 1_000 }, results));
  // Quick: a 2 MB CSV (~20k rows) instead of the 10 MB one, so a targeted run stays short.
  await section('known_contacts', () =>
    runKnownContacts(
      quick ? { csv: contactsCsv(2 * MB, 7), warmup: contactsCsv(MB / 4, 5) } : files(),
      {
        first: Number(process.env['BENCH_KNOWN_CONTACTS_ROUNDS'] ?? settings.knownContactsRounds),
        repeat: settings.rounds,
      },
      results,
    ),
  );
  // Issue #23: the measure browser project and cqlsh COPY on the same rows (2 rounds; 1 quick).
  await section('e2e_drop', () => runE2eDrop(quick ? 1 : 2, results));
  await section('workers', () =>
    runWorkerScaling(contactsCsv(settings.scaleFileBytes, 3), settings.scaleFiles, results),
  );

  results['status_poll_503_retries'] = pollRetries.count;
  computeRatios(results);
  results['total_s'] = round((Date.now() - startedAt) / 1000, 1);
  const problems = judge(results, { sections, full: !only });
  results['problems'] = problems;

  mkdirSync('bench/results', { recursive: true });
  const outFile = 'bench/results/latest.json';
  writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
  printTable(results);
  log(`wrote ${outFile}`);
  for (const problem of problems) {
    process.stderr.write(`bench: ${problem}\n`);
  }
  const code = exitCode(problems, noFail);
  log(
    problems.length === 0
      ? 'every figure measured, every goal met'
      : `${problems.length} problem(s)${noFail ? ' (--no-fail: exit 0)' : ''}`,
  );
  return code;
}

process.exit(await main());
