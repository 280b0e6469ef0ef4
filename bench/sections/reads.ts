/**
 * Read endpoints under load: GET /api/batches/{id}/status and GET /api/batches?page=1&limit=20
 * with 100k batch rows across 100 users, next to bare routes in the same server:
 * GET /bench/ping (no authentication: the framework baseline) and GET /bench/ping-auth (the
 * /api JWT check only). 32 keep-alive connections from a worker thread, fixed duration.
 */
import { randomUUID } from 'node:crypto';
import { runLoad, type LoadRequest, type LoadResult } from '../lib/load.js';
import { startBenchStack, tokenFor } from '../lib/stack.js';
import { log, round, type Results } from '../lib/util.js';

const USERS = 100;
const CONCURRENCY = 32;

export async function runReads(opts: { rows: number; durationMs: number }, results: Results): Promise<void> {
  const stack = await startBenchStack({ worker: false });
  const prefix = `bench-reads-${randomUUID().slice(0, 8)}-`;
  const pool = stack.deps.pool;
  try {
    const started = Date.now();
    await pool.query(
      `INSERT INTO batches (id, user_id, user_email, file_name, file_size, file_format, storage_key, sha256,
                            status, progress, rows_read, records_loaded, created_at, updated_at)
       SELECT gen_random_uuid(), $1 || (g % ${USERS}), $1 || (g % ${USERS}) || '@example.com',
              'contacts-' || g || '.csv', 1000 + g, 'csv', 'bench/reads/' || g, repeat('0', 64),
              (ARRAY['uploaded','parsing','parsed','loaded','error'])[1 + g % 5], 50, g % 1000, g % 900,
              now() - g * interval '1 second', now() - g * interval '1 second'
       FROM generate_series(1, $2::int) AS g`,
      [prefix, opts.rows],
    );
    await pool.query('ANALYZE batches');
    log(`reads: inserted ${opts.rows} batch rows for ${USERS} users in ${Date.now() - started} ms`);

    const tokens = await Promise.all(Array.from({ length: USERS }, (_, u) => tokenFor(`${prefix}${u}`)));
    const { rows: sample } = await pool.query<{ id: string; user_id: string }>(
      `SELECT id, user_id FROM batches WHERE user_id LIKE $1 || '%' ORDER BY random() LIMIT 2000`,
      [prefix],
    );
    const tokenOf = (userId: string) => tokens[Number(userId.slice(prefix.length))]!;
    const statusReqs: LoadRequest[] = sample.map((r) => ({
      path: `/api/batches/${r.id}/status`,
      token: tokenOf(r.user_id),
    }));
    const listReqs: LoadRequest[] = tokens.map((token) => ({ path: '/api/batches?page=1&limit=20', token }));
    const pingReqs: LoadRequest[] = [{ path: '/bench/ping' }];
    const pingAuthReqs: LoadRequest[] = tokens.map((token) => ({ path: '/bench/ping-auth', token }));

    const measure = async (name: string, reqs: LoadRequest[]): Promise<LoadResult> => {
      await runLoad(stack.baseUrl, reqs, { concurrency: CONCURRENCY, durationMs: 1_000 }); // warm-up
      const r = await runLoad(stack.baseUrl, reqs, { concurrency: CONCURRENCY, durationMs: opts.durationMs });
      log(
        `${name}: ${Math.round(r.rps)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, errors ${r.errors}`,
      );
      if (r.errors > 0) {
        throw new Error(`${name}: ${r.errors} failed requests (${r.non200} non-200)`);
      }
      return r;
    };
    const base = await measure('GET /bench/ping', pingReqs);
    const auth = await measure('GET /bench/ping-auth', pingAuthReqs);
    const status = await measure('GET /api/batches/{id}/status', statusReqs);
    const list = await measure('GET /api/batches?page=1&limit=20', listReqs);
    for (const [key, r] of [
      ['baseline', base],
      ['baseline_auth', auth],
      ['status', status],
      ['list', list],
    ] as const) {
      results[`${key}_rps`] = round(r.rps);
      results[`${key}_p50_ms`] = round(r.p50Ms, 2);
      results[`${key}_p99_ms`] = round(r.p99Ms, 2);
    }
    results['reads_batch_rows'] = opts.rows;
    results['reads_users'] = USERS;
    results['reads_concurrency'] = CONCURRENCY;
    results['reads_duration_s'] = opts.durationMs / 1000;
  } finally {
    await pool.query(`DELETE FROM batches WHERE user_id LIKE $1 || '%'`, [prefix]);
    await stack.close();
  }
}
