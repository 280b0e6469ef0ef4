import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, startProc, status, stopProc } from '../../scripts/cluster/index.js';
import {
  clusterClient,
  newUser,
  recordCheck,
  saveClusterResults,
  settle,
  sleep,
  upload,
  type ClusterClient,
} from './support.js';

const SMALL_ROWS = 200;
const UPLOADS = 40;
const UPLOAD_LANES = 8;
const INGESTS = 4;
const INGEST_ROWS = 50_000;
/** HAProxy needs two failed (or passed) 1 s checks to take a server out (or back). */
const LB_SETTLE_MS = 4_000;

/** The roles' environment, loaded in beforeAll (a restarted API or worker needs it). */
let roleEnv: Record<string, string> = {};
const procs = cluster(() => roleEnv);
const figures: Record<string, number> = {};

/**
 * Throughput through the load balancer with one and with two API processes (uploads/s), and of
 * ingestion with one and with two worker processes (rows/s). Everything shares this machine's two
 * cores, so the figures show the per-process cost more than the gain of a second process.
 */
describe('cluster: scaling figures', () => {
  let client: ClusterClient;

  beforeAll(async () => {
    const s = await status();
    expect(
      s.procs.filter((p) => p.state !== 'running').map((p) => p.name),
      'start the cluster first: npm run cluster -- up',
    ).toEqual([]);
    client = await clusterClient();
    roleEnv = client.env;
  });

  afterAll(async () => {
    // Leave the cluster whole whatever happened.
    await startProc(procs.apis[1]!);
    await startProc(procs.workers[1]!);
    const file = saveClusterResults('scaling', figures);
    console.table(figures);
    console.log(`[cluster] scaling figures saved to ${file}`);
  });

  async function uploadsPerSecond(label: string): Promise<number> {
    const user = await newUser(client, `scale-${label}`);
    let next = 0;
    const t0 = Date.now();
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: UPLOAD_LANES }, async () => {
        while (next < UPLOADS) {
          next += 1;
          const o = await upload(client, user, SMALL_ROWS);
          statuses.push(o.attempts.at(-1)!.status);
        }
      }),
    );
    const rate = UPLOADS / ((Date.now() - t0) / 1000);
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    return rate;
  }

  async function rowsPerSecond(label: string): Promise<number> {
    const user = await newUser(client, `scale-${label}`);
    // From the first upload to the last batch loaded: what a user waiting for the records sees.
    const t0 = Date.now();
    const accepted = await Promise.all(
      Array.from({ length: INGESTS }, () => upload(client, user, INGEST_ROWS)),
    );
    const ids = accepted.map((o) => o.id);
    expect(ids.filter((id) => id === undefined)).toEqual([]);
    const final = await settle(client, user, ids as string[], 600_000);
    const seconds = (Date.now() - t0) / 1000;
    expect([...final.values()].filter((s) => s !== 'loaded')).toEqual([]);
    for (const id of ids as string[]) {
      const { missing, duplicated, extra } = await recordCheck(client, user, id, INGEST_ROWS);
      expect({ missing, duplicated, extra }).toEqual({ missing: 0, duplicated: 0, extra: 0 });
    }
    return (INGESTS * INGEST_ROWS) / seconds;
  }

  it('uploads/s with one and with two API processes', async () => {
    await stopProc(procs.apis[1]!);
    await sleep(LB_SETTLE_MS);
    figures['uploadsPerSecond1Api'] = await uploadsPerSecond('1api');
    await startProc(procs.apis[1]!);
    await sleep(LB_SETTLE_MS);
    figures['uploadsPerSecond2Apis'] = await uploadsPerSecond('2apis');
  });

  it('rows/s with one and with two worker processes', async () => {
    await stopProc(procs.workers[1]!);
    figures['rowsPerSecond1Worker'] = await rowsPerSecond('1worker');
    await startProc(procs.workers[1]!);
    figures['rowsPerSecond2Workers'] = await rowsPerSecond('2workers');
  });
});
