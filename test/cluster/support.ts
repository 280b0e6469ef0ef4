/**
 * Helpers of the cluster suite (`npm run test:cluster`): a client of the load balancer, a stream
 * of uploads that records every answer, and the end checks (loaded with exactly its records;
 * nothing left behind by the uploads that were not answered 201).
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CLUSTER_JWT_AUDIENCE,
  CLUSTER_JWT_ISSUER,
  clusterDir,
  clusterEnv,
} from '../../scripts/cluster/index.js';
import { userStoragePrefix } from '../../src/storage/storageKey.js';
import { s3Client, S3_BUCKET } from '../../scripts/cluster/seaweedfs.js';
import { contactsCsv } from '../support/contactsCsv.js';
import { tokenFor, uploadForm } from '../support/testStack.js';
import { sleep } from '../../scripts/services/common.js';

export { sleep };

export interface ClusterClient {
  baseUrl: string;
  env: Record<string, string>;
}

export async function clusterClient(): Promise<ClusterClient> {
  const env = await clusterEnv();
  return { baseUrl: env['BATCHPORT_URL']!, env };
}

export interface User {
  id: string;
  email: string;
  token: string;
}

export async function newUser(c: ClusterClient, label: string): Promise<User> {
  const id = `cluster-${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const email = `${id}@example.com`;
  const token = await tokenFor({
    sub: id,
    email,
    secret: c.env['JWT_SECRET']!,
    issuer: CLUSTER_JWT_ISSUER,
    audience: CLUSTER_JWT_AUDIENCE,
    // One fault kind (streams, settling, record checks) can outlast the default 10 minutes.
    expiresIn: 3600,
  });
  return { id, email, token };
}

export async function getJson(
  c: ClusterClient,
  user: User,
  urlPath: string,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${c.baseUrl}${urlPath}`, {
    headers: { authorization: `Bearer ${user.token}` },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** One HTTP attempt of an upload. */
export interface Attempt {
  startedAt: number;
  ms: number;
  /** HTTP status, or 0 when no HTTP answer came (connection reset, client timeout). */
  status: number;
  error?: string;
}

/** One logical upload: its attempts (same Idempotency-Key) and the batch id if one got 201. */
export interface UploadOutcome {
  key: string;
  rows: number;
  attempts: Attempt[];
  id?: string;
}

/** Stated bound on any one request; the client gives up a little later, so a slower one shows. */
export const REQUEST_BOUND_MS = 30_000;
const CLIENT_TIMEOUT_MS = REQUEST_BOUND_MS + 10_000;
/** How long a client keeps retrying one upload (same Idempotency-Key) through 5xx and resets. */
export const RETRY_WINDOW_MS = 60_000;

const csvCache = new Map<number, string>();
const csv = (rows: number): string => {
  let text = csvCache.get(rows);
  if (text === undefined) {
    text = contactsCsv(rows);
    csvCache.set(rows, text);
  }
  return text;
};

async function attempt(
  c: ClusterClient,
  user: User,
  rows: number,
  key: string,
): Promise<Attempt & { id?: string }> {
  const startedAt = Date.now();
  try {
    const res = await fetch(`${c.baseUrl}/api/batches/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'idempotency-key': key },
      body: uploadForm(csv(rows), `cluster-${rows}.csv`),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const text = await res.text();
    const id = res.status === 201 ? (JSON.parse(text) as { id: string }).id : undefined;
    return { startedAt, ms: Date.now() - startedAt, status: res.status, ...(id ? { id } : {}) };
  } catch (error) {
    return { startedAt, ms: Date.now() - startedAt, status: 0, error: (error as Error).message };
  }
}

/**
 * Uploads like a careful client: one Idempotency-Key per file, retried after a reset or a 5xx
 * (the request may or may not have created the batch) until 201, a 4xx, or the retry window ends.
 */
export async function upload(c: ClusterClient, user: User, rows: number): Promise<UploadOutcome> {
  const key = randomUUID();
  const out: UploadOutcome = { key, rows, attempts: [] };
  const giveUpAt = Date.now() + RETRY_WINDOW_MS;
  for (;;) {
    const a = await attempt(c, user, rows, key);
    out.attempts.push({
      startedAt: a.startedAt,
      ms: a.ms,
      status: a.status,
      ...(a.error ? { error: a.error } : {}),
    });
    if (a.id !== undefined) {
      out.id = a.id;
      return out;
    }
    const retryable = a.status === 0 || a.status >= 500;
    if (!retryable || Date.now() > giveUpAt) {
      return out;
    }
    await sleep(1000);
  }
}

/** Uploads `rows`-row files back to back on `lanes` parallel lanes until stopped. */
export function uploadStream(
  c: ClusterClient,
  user: User,
  opts: { lanes: number; rows: number; pauseMs: number },
): { stop: () => Promise<UploadOutcome[]> } {
  const outcomes: UploadOutcome[] = [];
  let running = true;
  const lane = async (): Promise<void> => {
    while (running) {
      outcomes.push(await upload(c, user, opts.rows));
      await sleep(opts.pauseMs);
    }
  };
  const lanes = Array.from({ length: opts.lanes }, lane);
  return {
    async stop() {
      running = false;
      await Promise.all(lanes);
      return outcomes;
    },
  };
}

/** Polls until every batch is loaded or error; returns the final status of each. */
export async function settle(
  c: ClusterClient,
  user: User,
  ids: readonly string[],
  timeoutMs: number,
): Promise<Map<string, string>> {
  const final = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  while (final.size < ids.length && Date.now() < deadline) {
    for (const id of ids.filter((i) => !final.has(i))) {
      const res = await getJson(c, user, `/api/batches/${id}/status`).catch(() => undefined);
      const status = res?.status === 200 ? (res.body as { status: string }).status : undefined;
      if (status === 'loaded' || status === 'error') {
        final.set(id, status);
      }
    }
    if (final.size < ids.length) {
      await sleep(1000);
    }
  }
  for (const id of ids.filter((i) => !final.has(i))) {
    final.set(id, 'unsettled');
  }
  return final;
}

/** Rows 1..n each exactly once, read through the API's record paging. */
export async function recordCheck(
  c: ClusterClient,
  user: User,
  id: string,
  n: number,
): Promise<{ missing: number; duplicated: number; extra: number; readErrors: number }> {
  const seen = new Map<number, number>();
  let cursor: string | null = null;
  let readErrors = 0;
  for (let page = 0; page < 1000; page++) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await getWithRetry(
      c,
      user,
      `/api/batches/${id}/records?limit=1000${q}`,
      () => (readErrors += 1),
    );
    const body = res.body as { records: Array<{ rowNumber: number }>; nextCursor: string | null };
    for (const r of body.records) {
      seen.set(r.rowNumber, (seen.get(r.rowNumber) ?? 0) + 1);
    }
    cursor = body.nextCursor;
    if (!cursor) {
      break;
    }
  }
  let missing = 0;
  for (let i = 1; i <= n; i++) {
    if (!seen.has(i)) {
      missing += 1;
    }
  }
  const duplicated = [...seen.values()].reduce((sum, k) => sum + (k - 1), 0);
  const extra = [...seen.keys()].filter((r) => r < 1 || r > n).length;
  return { missing, duplicated, extra, readErrors };
}

/**
 * GET that retries 5xx and resets for up to READ_RETRY_MS (each failure reported through
 * `onError`, so read availability is measured, not hidden); any other non-200 throws.
 */
const READ_RETRY_MS = 120_000;
async function getWithRetry(
  c: ClusterClient,
  user: User,
  urlPath: string,
  onError: () => void,
): Promise<{ status: number; body: any }> {
  const giveUpAt = Date.now() + READ_RETRY_MS;
  for (;;) {
    const res = await getJson(c, user, urlPath).catch((error: Error) => ({ status: 0, body: error.message }));
    if (res.status === 200) {
      return res;
    }
    if ((res.status !== 0 && res.status < 500) || Date.now() > giveUpAt) {
      throw new Error(`GET ${urlPath}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    }
    onError();
    await sleep(1000);
  }
}

/** Batch ids the API lists for this user (every page). */
export async function listedBatchIds(c: ClusterClient, user: User): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; page <= 100; page++) {
    const res = await getJson(c, user, `/api/batches?limit=100&page=${page}`);
    if (res.status !== 200) {
      throw new Error(`list batches: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    }
    const body = res.body as { batches: Array<{ id: string }>; total: number };
    ids.push(...body.batches.map((b) => b.id));
    if (ids.length >= body.total || body.batches.length === 0) {
      return ids;
    }
  }
  throw new Error('more than 100 pages of batches');
}

/** Objects stored for this user in the cluster's bucket. */
export async function objectCount(user: User): Promise<number> {
  const s3 = s3Client();
  try {
    let count = 0;
    let token: string | undefined;
    do {
      const res = await s3.send(
        new ListObjectsV2Command({
          Bucket: S3_BUCKET,
          Prefix: userStoragePrefix(user.email),
          ContinuationToken: token,
        }),
      );
      count += res.KeyCount ?? 0;
      token = res.NextContinuationToken;
    } while (token);
    return count;
  } finally {
    s3.destroy();
  }
}

export function saveClusterResults(name: string, figures: unknown): string {
  const dir = path.join(clusterDir(), 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), figures }, null, 2) + '\n');
  return file;
}
