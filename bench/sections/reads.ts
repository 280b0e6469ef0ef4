/**
 * Read endpoints under load: GET /api/batches/{id}/status and GET /api/batches?page=1&limit=20
 * with 100k batch rows across 100 users, next to bare routes in the same server:
 * GET /bench/ping (no authentication: the framework baseline) and GET /bench/ping-auth (the
 * /api JWT check only). 32 keep-alive connections from a worker thread; the four endpoints take
 * turns in short rounds (A/B/C/D, A/B/C/D, ...) so each ratio's two sides see the same machine.
 *
 * The rows live in the bench's own PostgreSQL schema (bench/lib/isolation.ts) and are all in a
 * terminal status (`loaded` or `error`), so no sweeper, the bench's or anyone's, re-queues them.
 */
import { LIST_COLUMNS, STATUS_COLUMNS } from '../../src/repositories/batches/batchRow.js';
import { randomUUID } from 'node:crypto';
import type { PgPool } from '../../src/db/postgres.js';
import { runLoad, type LoadRequest, type LoadResult } from '../lib/load.js';
import { startBenchStack, tokenFor } from '../lib/stack.js';
import { log } from '../lib/util.js';
import { recordSamples, type Results } from '../lib/verdict.js';

const USERS = 100;
const CONCURRENCY = 32;

async function insertRows(pool: PgPool, prefix: string, rows: number): Promise<void> {
  await pool.query(
    `INSERT INTO batches (id, user_id, user_email, file_name, file_size, file_format, storage_key, sha256,
                          status, progress, rows_read, records_loaded, created_at, updated_at)
     SELECT gen_random_uuid(), $1 || (g % ${USERS}), $1 || (g % ${USERS}) || '@example.com',
            'contacts-' || g || '.csv', 1000 + g, 'csv', 'bench/reads/' || g, repeat('0', 64),
            (ARRAY['loaded','error'])[1 + g % 2], 100, g % 1000, g % 900,
            now() - g * interval '1 second', now() - g * interval '1 second'
     FROM generate_series(1, $2::int) AS g`,
    [prefix, rows],
  );
  // What autovacuum does on a live table: statistics, and the visibility map that lets the
  // count of the list query be index-only.
  await pool.query('VACUUM (ANALYZE) batches');
}

/** The plans of the two read queries, recorded with the figures (see docs/performance.md). */
async function explain(pool: PgPool, userId: string, id: string): Promise<Record<string, string>> {
  const plan = async (sql: string, params: unknown[]) =>
    (await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params)).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n');
  // The statements batchReads sends (narrow columns; the list total from batch_counts).
  return {
    status: await plan(`SELECT ${STATUS_COLUMNS} FROM batches WHERE id = $1 AND user_id = $2`, [id, userId]),
    list: await plan(
      `SELECT t.total, b.* FROM (SELECT COALESCE(sum(n), 0) AS total FROM batch_counts WHERE user_id = $1) t
       LEFT JOIN LATERAL (SELECT ${LIST_COLUMNS} FROM batches WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0) b ON true`,
      [userId],
    ),
  };
}

export async function runReads(
  opts: { rows: number; rounds: number; durationMs: number },
  results: Results,
): Promise<void> {
  const stack = await startBenchStack({ worker: false });
  const prefix = `bench-reads-${randomUUID().slice(0, 8)}-`;
  const pool = stack.db;
  try {
    const started = Date.now();
    await insertRows(pool, prefix, opts.rows);
    log(`reads: inserted ${opts.rows} batch rows for ${USERS} users in ${Date.now() - started} ms`);

    const tokens = await Promise.all(Array.from({ length: USERS }, (_, u) => tokenFor(`${prefix}${u}`)));
    const { rows: sample } = await pool.query<{ id: string; user_id: string }>(
      `SELECT id, user_id FROM batches WHERE user_id LIKE $1 || '%' ORDER BY random() LIMIT 2000`,
      [prefix],
    );
    results['reads_explain'] = await explain(pool, sample[0]!.user_id, sample[0]!.id);
    const tokenOf = (userId: string) => tokens[Number(userId.slice(prefix.length))]!;
    const endpoints: [string, LoadRequest[]][] = [
      ['baseline', [{ path: '/bench/ping' }]],
      ['baseline_auth', tokens.map((token) => ({ path: '/bench/ping-auth', token }))],
      ['status', sample.map((r) => ({ path: `/api/batches/${r.id}/status`, token: tokenOf(r.user_id) }))],
      ['list', tokens.map((token) => ({ path: '/api/batches?page=1&limit=20', token }))],
    ];
    const load = async (name: string, reqs: LoadRequest[], durationMs: number): Promise<LoadResult> => {
      const r = await runLoad(stack.baseUrl, reqs, { concurrency: CONCURRENCY, durationMs });
      if (r.errors > 0) {
        throw new Error(`${name}: ${r.errors} failed requests (${r.non200} non-200)`);
      }
      return r;
    };
    for (const [name, reqs] of endpoints) {
      await load(name, reqs, 1_000); // warm-up
    }
    const samples: Record<string, LoadResult[]> = {};
    for (let round = 1; round <= opts.rounds; round++) {
      for (const [name, reqs] of endpoints) {
        (samples[name] ??= []).push(await load(name, reqs, opts.durationMs));
      }
      log(
        `reads round ${round}: ` +
          endpoints.map(([name]) => `${name} ${Math.round(samples[name]!.at(-1)!.rps)}`).join(', ') +
          ' req/s',
      );
    }
    for (const [name, runs] of Object.entries(samples)) {
      recordSamples(
        results,
        `${name}_rps`,
        runs.map((r) => r.rps),
      );
      recordSamples(
        results,
        `${name}_p50_ms`,
        runs.map((r) => r.p50Ms),
        2,
      );
      recordSamples(
        results,
        `${name}_p99_ms`,
        runs.map((r) => r.p99Ms),
        2,
      );
    }
    results['reads_batch_rows'] = opts.rows;
    results['reads_users'] = USERS;
    results['reads_concurrency'] = CONCURRENCY;
    results['reads_round_s'] = opts.durationMs / 1000;
    results['reads_rounds'] = opts.rounds;
  } finally {
    await pool.query(`DELETE FROM batches WHERE user_id LIKE $1 || '%'`, [prefix]);
    await stack.close();
  }
}
