/**
 * Commit log sync A/B (issue #23): the records write workload of the bench (the 10 MB bench
 * CSV's records, written by the bare driver as the repository writes them, bench/lib/repoWorkload.ts)
 * on this checkout's own Cassandra restarted in each durable mode in turn, modes interleaved
 * round by round (A/B/A/B) so machine noise hits both. Both modes acknowledge a write only once
 * its commit log entry is on disk; `periodic` is not a candidate (it loses acknowledged writes,
 * see hardKill.test.ts).
 *
 *   BATCHPORT_PORT_OFFSET=… BATCHPORT_DATA_DIR=… npx tsx bench/commitlogAb.ts [rounds=2] [modes=batch,group:10ms]
 *
 * Restarts Cassandra (`npm run services`), and leaves it running in the default mode
 * (CASSANDRA_COMMITLOG) at the end. Writes bench/results/commitlog-ab.json, which `npm run bench`
 * reports under `commitlog_mode` next to the mode of the node it ran on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { CASSANDRA_COMMITLOG } from '../scripts/services/cassandra.js';
import { contactsCsv } from './lib/data.js';
import { readCommitlogMode } from './lib/commitlog.js';
import { parseInMemory } from './lib/parse.js';
import { deletePartitions, repositoryBatches, writeBatches, REPOSITORY_WRITE } from './lib/repoWorkload.js';
import { elapsedMs, log, round } from './lib/util.js';
import { spreadOf } from './lib/verdict.js';
import { benchCassandraClient } from './sections/references.js';
import { ensureCassandraSchema } from '../src/db/cassandraSchema.js';

const rounds = Number(process.argv[2] ?? 2);
const modes = (process.argv[3] ?? 'batch,group:10ms').split(',');
const MB = 1_000_000;

function services(args: string[], mode: string): void {
  execFileSync('npm', ['run', '-s', 'services', '--', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BATCHPORT_CASSANDRA_COMMITLOG: mode },
  });
}

function restartIn(mode: string): void {
  services(['down', 'cassandra'], mode);
  services(['up', 'cassandra'], mode);
  const env = execFileSync('npm', ['run', '-s', 'services', '--', 'env'], { encoding: 'utf8' });
  for (const line of env.split('\n')) {
    const m = /^(?:export )?(CASSANDRA_[A-Z_]+)=(.*)$/.exec(line);
    if (m) {
      process.env[m[1]!] = m[2]!.replace(/^['"]|['"]$/g, '');
    }
  }
}

async function main(): Promise<void> {
  log('parsing the bench CSV');
  const { records } = await parseInMemory(contactsCsv(10 * MB).bytes, 'csv');
  const samples: Record<string, number[]> = Object.fromEntries(modes.map((m) => [m, []]));
  const keyspace = `batchport_commitlog_${randomUUID().slice(0, 8)}`;
  try {
    for (let r = 1; r <= rounds; r++) {
      for (const mode of modes) {
        restartIn(mode);
        const client = benchCassandraClient();
        await client.connect();
        try {
          const live = await readCommitlogMode(client);
          const expected = mode === 'batch' ? 'batch' : `group ${mode.slice('group:'.length)}`;
          if (live !== expected) {
            throw new Error(`Cassandra runs commit log "${live}", expected "${expected}"`);
          }
          await ensureCassandraSchema(client, keyspace);
          const table = `${keyspace}.batch_records`;
          // Warm-up after the restart (prepared statements, JIT, memtables), gently: a node just
          // started on a loaded box can answer the first writes with a server timeout.
          const warm = randomUUID();
          await new Promise((resolve) => setTimeout(resolve, 10_000));
          await writeBatches(client, repositoryBatches(table, warm, records.slice(0, 10_000)), 2);
          await deletePartitions(client, table, warm, 10_000);
          for (let k = 0; k < 2; k++) {
            const batchId = randomUUID();
            const batches = repositoryBatches(table, batchId, records);
            const started = process.hrtime.bigint();
            await writeBatches(client, batches);
            const rowsPerS = (records.length / elapsedMs(started)) * 1000;
            samples[mode]!.push(rowsPerS);
            log(`round ${r} ${mode}: ${Math.round(rowsPerS)} rows/s`);
            await deletePartitions(client, table, batchId, records.at(-1)?.rowNumber ?? 0);
          }
        } finally {
          await client.shutdown();
        }
      }
    }
  } finally {
    restartIn(CASSANDRA_COMMITLOG);
    const client = benchCassandraClient();
    await client.connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client.shutdown();
  }
  const result = {
    measured_at: new Date().toISOString(),
    machine: `${os.cpus().length}× ${os.cpus()[0]?.model ?? '?'}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    workload: `${records.length} bench CSV records, ${REPOSITORY_WRITE.maxBatchRows}-row UNLOGGED batches, ${REPOSITORY_WRITE.inFlight} in flight`,
    default_mode: CASSANDRA_COMMITLOG,
    raw_insert_rows_per_s: Object.fromEntries(
      modes.map((m) => {
        const s = spreadOf(samples[m]!);
        return [
          m,
          {
            median: round(s.median),
            spread: [round(s.min), round(s.max)],
            samples: samples[m]!.map((v) => round(v)),
          },
        ];
      }),
    ),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/commitlog-ab.json', JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
