/**
 * The local cluster: `npm run cluster -- up|down|status|env` (scripts/cluster.ts), also imported
 * by the cluster fault tests (test/cluster/), which kill and restore its processes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { aptInstall, log, REPO_ROOT, runOk, ServiceError, which } from '../services/common.js';
import { cassandra as singleCassandra } from '../services/cassandra.js';
import { redis as singleRedis } from '../services/redis.js';
import { seaweedfs as singleSeaweedfs } from '../services/seaweedfs.js';
import { apiProcs, haproxyProc, workerProcs } from './apps.js';
import { cassandraContactPoints, cassandraProcs, setupCassandraRoles } from './cassandra.js';
import { type ClusterProc, killProc, procStatus, startProc, stopProc, type ProcStatus } from './procs.js';
import { redisDataProcs, sentinelList, sentinelProcs } from './redis.js';
import {
  S3_BUCKET,
  S3_ENDPOINT,
  s3Client,
  weedFrontProcs,
  weedMasterProc,
  weedVolumeProcs,
} from './seaweedfs.js';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CASSANDRA_DC } from '../services/cassandra.js';
import { clusterSecrets } from './secrets.js';
import { CASSANDRA_RF, clusterDir, LB_PORT, POSTGRES_PORT_OFFSET, SENTINEL_NAME } from './topology.js';

export { clusterDir } from './topology.js';

export const CLUSTER_JWT_ISSUER = 'batchport-cluster';
export const CLUSTER_JWT_AUDIENCE = 'batchport';
export type { ClusterProc } from './procs.js';

// ---------------------------------------------------------------------------
// PostgreSQL: the single instance of `npm run services`, with its own offset and data dir.

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const servicesEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  BATCHPORT_PORT_OFFSET: String(POSTGRES_PORT_OFFSET),
  BATCHPORT_DATA_DIR: path.join(clusterDir(), 'stack'),
});
const servicesCli = (args: string[]) =>
  runOk(TSX, [path.join(REPO_ROOT, 'scripts', 'services.ts'), ...args], {
    cwd: REPO_ROOT,
    env: servicesEnv(),
  });

async function databaseUrl(): Promise<string> {
  const { stdout } = await servicesCli(['env']);
  const line = stdout.split('\n').find((l) => l.startsWith('DATABASE_URL='));
  if (line === undefined) {
    throw new ServiceError(`npm run services -- env printed no DATABASE_URL:\n${stdout}`);
  }
  return line.slice('DATABASE_URL='.length).replace(/^'(.*)'$/, '$1');
}

/**
 * The roles run with NODE_ENV=production, which refuses the dev secret: a random one is made on
 * first use and kept in the cluster dir (mode 600) so tests can sign tokens with it.
 */
function jwtSecret(): string {
  const file = path.join(clusterDir(), 'jwt-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(clusterDir(), { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

// ---------------------------------------------------------------------------
// Environment of the API and worker processes (and of clients/tests: `npm run cluster -- env`).

export async function clusterEnv(): Promise<Record<string, string>> {
  const secrets = clusterSecrets();
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: await databaseUrl(),
    REDIS_SENTINELS: sentinelList(),
    REDIS_SENTINEL_NAME: SENTINEL_NAME,
    REDIS_PASSWORD: secrets.redisPassword,
    REDIS_SENTINEL_PASSWORD: secrets.sentinelPassword,
    USE_LOCAL_STORAGE: 'false',
    SEAWEEDFS_ENDPOINT: S3_ENDPOINT,
    SEAWEEDFS_ACCESS_KEY: secrets.s3.accessKey,
    SEAWEEDFS_SECRET_KEY: secrets.s3.secretKey,
    SEAWEEDFS_BUCKET: S3_BUCKET,
    RECORDS_STORE: 'cassandra',
    CASSANDRA_CONTACT_POINTS: cassandraContactPoints(),
    CASSANDRA_LOCAL_DC: CASSANDRA_DC,
    CASSANDRA_REPLICATION_FACTOR: String(CASSANDRA_RF),
    CASSANDRA_CONSISTENCY: 'LOCAL_QUORUM',
    // The app's own role (no superuser; rights on its keyspace only), made by setupCassandraRoles.
    CASSANDRA_USERNAME: secrets.cassandraApp.username,
    CASSANDRA_PASSWORD: secrets.cassandraApp.password,
    JWT_SECRET: jwtSecret(),
    // NODE_ENV=production requires both; test tokens are minted with the same values.
    JWT_ISSUER: CLUSTER_JWT_ISSUER,
    JWT_AUDIENCE: CLUSTER_JWT_AUDIENCE,
    // HAProxy adds X-Forwarded-For; the APIs believe it only from the load balancer (loopback).
    TRUST_PROXY: '127.0.0.1',
    // The fault and scaling runs upload far faster than one person would.
    RATE_LIMIT_PER_MINUTE: '100000',
    UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
    // Shorter than the defaults (30 s lock, 30 s/60 s sweeper) so a killed worker's job and a
    // stranded batch are picked up within the fault test's window; see docs/deployment.md.
    WORKER_LOCK_DURATION_MS: '10000',
    SWEEPER_INTERVAL_MS: '5000',
    SWEEPER_GRACE_MS: '20000',
    BATCHPORT_URL: `http://127.0.0.1:${LB_PORT}`,
  };
}

// ---------------------------------------------------------------------------
// The processes, in start order.

export interface Cluster {
  redisData: ClusterProc[];
  sentinels: ClusterProc[];
  weedMaster: ClusterProc;
  weedVolumes: ClusterProc[];
  weedFront: ClusterProc[];
  cassandra: ClusterProc[];
  apis: ClusterProc[];
  workers: ClusterProc[];
  haproxy: ClusterProc;
}

export function cluster(env: () => Record<string, string>): Cluster {
  return {
    redisData: redisDataProcs(),
    sentinels: sentinelProcs(),
    weedMaster: weedMasterProc(),
    weedVolumes: weedVolumeProcs(),
    weedFront: weedFrontProcs(),
    cassandra: cassandraProcs(),
    apis: apiProcs(env),
    workers: workerProcs(env),
    haproxy: haproxyProc(),
  };
}

export function allProcs(c: Cluster): ClusterProc[] {
  return [
    ...c.redisData,
    ...c.sentinels,
    c.weedMaster,
    ...c.weedVolumes,
    ...c.weedFront,
    ...c.cassandra,
    ...c.apis,
    ...c.workers,
    c.haproxy,
  ];
}

async function install(): Promise<void> {
  if (!which('haproxy')) {
    await aptInstall(['haproxy'], 'HAProxy (the cluster load balancer)');
  }
  await Promise.all([singleCassandra.install(), singleSeaweedfs.install(), singleRedis.install()]);
  log('cluster: npm run build (the roles run from dist/)');
  await runOk('npm', ['run', '-s', 'build'], { cwd: REPO_ROOT });
}

async function inOrder(procs: readonly ClusterProc[]): Promise<void> {
  for (const p of procs) {
    await startProc(p);
  }
}

async function createBucket(): Promise<void> {
  const s3 = s3Client();
  try {
    await s3.send(new CreateBucketCommand({ Bucket: S3_BUCKET })).catch((err: Error) => {
      if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') {
        throw err;
      }
    });
    await s3.send(new HeadBucketCommand({ Bucket: S3_BUCKET }));
  } finally {
    s3.destroy();
  }
}

/** Starts everything that is not running; idempotent. Cassandra nodes join one at a time. */
export async function up(): Promise<void> {
  clusterSecrets(); // made (or checked) before any process folder exists
  await install();
  const c = cluster(() => ({}));
  await Promise.all([
    servicesCli(['up', 'postgres']),
    inOrder([...c.redisData, ...c.sentinels]),
    inOrder([c.weedMaster, ...c.weedVolumes, ...c.weedFront]).then(createBucket),
    inOrder(c.cassandra).then(setupCassandraRoles),
  ]);
  // The roles need DATABASE_URL, known once PostgreSQL runs.
  const env = await clusterEnv();
  const apps = cluster(() => env);
  await inOrder([...apps.apis, ...apps.workers, apps.haproxy]);
}

/** Stops everything this script started (front to back), and the cluster's PostgreSQL. */
export async function down(): Promise<void> {
  const c = cluster(() => ({}));
  await Promise.all([c.haproxy, ...c.apis, ...c.workers].map(stopProc));
  await Promise.all([...c.weedFront, ...c.sentinels].map(stopProc));
  await Promise.all([c.weedMaster, ...c.weedVolumes, ...c.redisData, ...c.cassandra].map(stopProc));
  await servicesCli(['down', 'postgres']);
}

export async function status(): Promise<{ ok: boolean; procs: ProcStatus[] }> {
  const procs = await Promise.all(allProcs(cluster(() => ({}))).map(procStatus));
  return { ok: procs.every((p) => p.state === 'running'), procs };
}

export { killProc, startProc, stopProc, procStatus };
