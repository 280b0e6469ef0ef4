import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, killProc, startProc, status, type ClusterProc } from '../../scripts/cluster/index.js';
import { currentPrimaryPort } from '../../scripts/cluster/redis.js';
import { REDIS_NODES } from '../../scripts/cluster/topology.js';
import {
  clusterClient,
  listedBatchIds,
  newUser,
  objectCount,
  recordCheck,
  REQUEST_BOUND_MS,
  saveClusterResults,
  settle,
  sleep,
  upload,
  uploadStream,
  type ClusterClient,
  type UploadOutcome,
} from './support.js';

const INGEST_ROWS = 50_000;
const SMALL_ROWS = 200;
/** How long the killed process stays down; above Sentinel's down-after (3 s) plus a failover. */
const DOWN_MS = 15_000;
const AFTER_RESTORE_MS = 10_000;
/** Every batch answered 201 must be loaded within this time after the stream stops. */
const SETTLE_MS = 300_000;
/** After the restore, every process of the cluster answers its probe within this time. */
const READY_AGAIN_MS = 60_000;

interface FaultRow {
  kind: string;
  process: string;
  uploads: number;
  answered201: number;
  failed: number;
  lost: number;
  duplicated: number;
  leftBehind: number;
  /** Record-page reads answered 5xx (retried) while checking; read availability, not loss. */
  readErrors: number;
  worstRequestMs: number;
  /** From the kill to the end of the last failed or over-bound attempt (0: none failed). */
  recoveryMs: number;
  /** From the restart to the restored process answering its probe. */
  restoreMs: number;
  /** From the end of the upload stream until every accepted batch was loaded. */
  settleMs: number;
}

/** The roles' environment, loaded in beforeAll (a restored API or worker needs it). */
let roleEnv: Record<string, string> = {};
const c8 = cluster(() => roleEnv);
const FAULTS: Array<{ kind: string; target: () => Promise<ClusterProc> }> = [
  { kind: 'Cassandra node', target: () => Promise.resolve(c8.cassandra[1]!) },
  { kind: 'SeaweedFS volume server', target: () => Promise.resolve(c8.weedVolumes[1]!) },
  {
    kind: 'Redis primary',
    target: async () => {
      const port = await currentPrimaryPort();
      const i = REDIS_NODES.findIndex((n) => n.port === port);
      expect(i, `Sentinel names port ${port}, not a cluster Redis node`).toBeGreaterThanOrEqual(0);
      return c8.redisData[i]!;
    },
  },
  { kind: 'API process', target: () => Promise.resolve(c8.apis[0]!) },
  { kind: 'worker process', target: () => Promise.resolve(c8.workers[0]!) },
];

/** `CLUSTER_FAULTS=api,worker` runs only the kinds whose name contains one of the words. */
const only = (process.env['CLUSTER_FAULTS'] ?? '')
  .split(',')
  .map((w) => w.trim().toLowerCase())
  .filter(Boolean);
const selected = FAULTS.filter(
  (f) => only.length === 0 || only.some((w) => f.kind.toLowerCase().includes(w)),
);

/**
 * The cluster (`npm run cluster -- up`) under a stream of small uploads and two 50k-row ingests;
 * one process of each kind is SIGKILLed and restored after DOWN_MS. Checked per kind: every
 * upload answered 201 ends `loaded` with rows 1..n exactly once; the API lists no batch and the
 * bucket holds no object beyond those; no request waited longer than REQUEST_BOUND_MS.
 */
describe('cluster: one process of each kind SIGKILLed under load', () => {
  let client: ClusterClient;
  const rows: FaultRow[] = [];

  beforeAll(async () => {
    const s = await status();
    const down = s.procs.filter((p) => p.state !== 'running').map((p) => `${p.name} ${p.state}`);
    expect(down, 'start the cluster first: npm run cluster -- up').toEqual([]);
    client = await clusterClient();
    roleEnv = client.env;
  });

  afterAll(() => {
    if (rows.length > 0) {
      const file = saveClusterResults('faults', rows);
      console.table(rows);
      console.log(`[cluster] fault results saved to ${file}`);
    }
  });

  for (const fault of selected) {
    it(`${fault.kind}: 0 lost, 0 duplicated, nothing left behind, bounded requests`, async () => {
      const user = await newUser(client, fault.kind.replace(/\W+/g, '-').toLowerCase());
      const target = await fault.target();
      const stream = uploadStream(client, user, { lanes: 2, rows: SMALL_ROWS, pauseMs: 250 });
      const ingests: Array<Promise<UploadOutcome>> = [upload(client, user, INGEST_ROWS)];
      await sleep(3_000);
      const killedAt = Date.now();
      await killProc(target);
      ingests.push(upload(client, user, INGEST_ROWS));
      await sleep(DOWN_MS);
      const restartAt = Date.now();
      await startProc(target);
      const restoreMs = Date.now() - restartAt;
      await sleep(AFTER_RESTORE_MS);
      // Every process, not just the restored one, answers its readiness probe again: a survivor
      // stuck on a dead connection would otherwise hide behind the other API or worker.
      const notReady = await notReadyAfter(READY_AGAIN_MS);
      const outcomes = [...(await stream.stop()), ...(await Promise.all(ingests))];

      const accepted = outcomes.filter((o) => o.id !== undefined);
      const settleStart = Date.now();
      const final = await settle(
        client,
        user,
        accepted.map((o) => o.id!),
        SETTLE_MS,
      );
      const settleMs = Date.now() - settleStart;
      let lost = 0;
      let duplicated = 0;
      let readErrors = 0;
      for (const o of accepted) {
        if (final.get(o.id!) !== 'loaded') {
          lost += o.rows;
          continue;
        }
        const check = await recordCheck(client, user, o.id!, o.rows);
        lost += check.missing;
        duplicated += check.duplicated + check.extra;
        readErrors += check.readErrors;
      }
      const listed = new Set(await listedBatchIds(client, user));
      const acceptedIds = new Set(accepted.map((o) => o.id!));
      const strayBatches = [...listed].filter((id) => !acceptedIds.has(id)).length;
      // Objects of uploads that died half-way are removed by the sweeper's orphan scan.
      const strayObjects = await waitFor(async () => (await objectCount(user)) - accepted.length, 90_000);
      const attempts = outcomes.flatMap((o) => o.attempts);
      const bad = attempts.filter((a) => a.status !== 201 || a.ms > REQUEST_BOUND_MS);
      const row: FaultRow = {
        kind: fault.kind,
        process: target.name,
        uploads: outcomes.length,
        answered201: accepted.length,
        failed: outcomes.length - accepted.length,
        lost,
        duplicated,
        leftBehind: strayBatches + strayObjects,
        readErrors,
        worstRequestMs: Math.max(...attempts.map((a) => a.ms)),
        recoveryMs: bad.length === 0 ? 0 : Math.max(...bad.map((a) => a.startedAt + a.ms)) - killedAt,
        restoreMs,
        settleMs,
      };
      rows.push(row);
      saveClusterResults('faults', rows); // after every kind, so an interrupted run keeps its rows
      console.log(`[cluster] ${JSON.stringify(row)}`);

      expect(notReady, 'processes not ready again after the restore').toEqual([]);
      expect(accepted.length, 'no upload was accepted at all').toBeGreaterThan(0);
      expect([...final.values()].filter((s) => s !== 'loaded')).toEqual([]);
      expect({ lost, duplicated, strayBatches, strayObjects }).toEqual({
        lost: 0,
        duplicated: 0,
        strayBatches: 0,
        strayObjects: 0,
      });
      expect(row.worstRequestMs).toBeLessThanOrEqual(REQUEST_BOUND_MS);
      // Every logical upload ended in 201: failures were transient and the retry window covered them.
      expect(outcomes.filter((o) => o.id === undefined).map((o) => o.attempts.at(-1))).toEqual([]);
    });
  }
});

/** Names of the cluster processes still not answering their probe after `timeoutMs`. */
async function notReadyAfter(timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const bad = (await status()).procs
      .filter((p) => p.state !== 'running')
      .map((p) => `${p.name} ${p.state}`);
    if (bad.length === 0 || Date.now() > deadline) {
      return bad;
    }
    await sleep(2_000);
  }
}

/** Polls `diff` until it is 0 or the time is up; returns the last value. */
async function waitFor(diff: () => Promise<number>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = await diff();
  while (last !== 0 && Date.now() < deadline) {
    await sleep(2_000);
    last = await diff();
  }
  return last;
}
