/**
 * Fixed layout of the local cluster (`npm run cluster`): every port, address and folder.
 *
 * Ports live in 61000..61999: above Linux's ephemeral range (32768..60999), so an outgoing
 * connection never squats on one, and clear of the service stacks of `npm run services`
 * (48337..59342 with the offsets 0, 100 and 300 in use here).
 */
import path from 'node:path';
import { REPO_ROOT } from '../services/common.js';

/** `$BATCHPORT_CLUSTER_DIR` or `<repo>/.data/cluster`: data, logs, pid files, results. */
export function clusterDir(): string {
  const fromEnv = process.env.BATCHPORT_CLUSTER_DIR;
  return path.resolve(
    fromEnv !== undefined && fromEnv !== '' ? fromEnv : path.join(REPO_ROOT, '.data', 'cluster'),
  );
}

/**
 * The PostgreSQL of `npm run services`, run with this offset and the cluster dir as its data dir
 * (postgres 55432 + 700 = 56132; offset 700 shifts no port onto the default stack).
 */
export const POSTGRES_PORT_OFFSET = 700;

export const CASSANDRA_NODES = [
  // Evenly spread Murmur3 tokens: each node owns a third of the ring (num_tokens 1).
  { name: 'cassandra-1', address: '127.0.0.1', jmxPort: 61191, initialToken: '-9223372036854775808' },
  { name: 'cassandra-2', address: '127.0.0.2', jmxPort: 61192, initialToken: '-3074457345618258603' },
  { name: 'cassandra-3', address: '127.0.0.3', jmxPort: 61193, initialToken: '3074457345618258602' },
] as const;
export const CASSANDRA_CQL_PORT = 61042;
export const CASSANDRA_STORAGE_PORT = 61000;
export const CASSANDRA_RF = 3;
/** Small heaps: three JVMs share this 2-core, 24 GiB box with everything else. */
export const CASSANDRA_HEAP_MIN = '256m';
export const CASSANDRA_HEAP_MAX = '512m';

export const REDIS_NODES = [
  { name: 'redis-a', port: 61379 },
  { name: 'redis-b', port: 61380 },
] as const;
export const SENTINELS = [
  { name: 'sentinel-1', port: 61381 },
  { name: 'sentinel-2', port: 61382 },
  { name: 'sentinel-3', port: 61383 },
] as const;
export const SENTINEL_NAME = 'batchport';
export const SENTINEL_QUORUM = 2;

export const WEED = {
  master: { name: 'weed-master', port: 61333, grpc: 61343 },
  volumes: [
    { name: 'weed-volume-1', port: 61351, grpc: 61361 },
    { name: 'weed-volume-2', port: 61352, grpc: 61362 },
    { name: 'weed-volume-3', port: 61353, grpc: 61363 },
  ],
  filer: { name: 'weed-filer', port: 61336, grpc: 61346 },
  s3: { name: 'weed-s3', port: 61334, grpc: 61344 },
  /** One extra copy on another volume server of the same rack: any one server can be lost. */
  replication: '001',
} as const;

/** `opsPort`: each API's /metrics listener (OPS_PORT), which must differ per process. */
export const APIS = [
  { name: 'api-1', port: 61081, opsPort: 61083 },
  { name: 'api-2', port: 61082, opsPort: 61084 },
] as const;
export const WORKERS = [
  { name: 'worker-1', port: 61091 },
  { name: 'worker-2', port: 61092 },
] as const;
/** HAProxy's front end (see scripts/cluster/haproxy.cfg, which hard-codes the same ports). */
export const LB_PORT = 61080;
export const HAPROXY_CFG = path.join(REPO_ROOT, 'scripts', 'cluster', 'haproxy.cfg');
