/**
 * SeaweedFS as separate `weed` processes: a master, three volume servers, a filer and the S3
 * gateway. Replication 001 keeps each volume on two servers of the same rack; with three servers
 * the master can still grow writable volumes on the remaining two while one is down.
 *
 * Every process runs in its own folder, which holds a `security.toml` (mode 600; weed reads
 * `./security.toml` first) with the cluster's JWT signing keys (issue #19): a volume server
 * reads and writes only with a token the master signed, the filer's HTTP API only with one the
 * S3 gateway signed, so the S3 port (with its access key) is the one way in without a secret.
 * Every gRPC port is mutual TLS with the cluster's own CA (scripts/cluster/tls.ts): a process
 * without a certificate the CA signed can neither ask the master for a write token nor read the
 * filer's metadata.
 */
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import path from 'node:path';
import { portOpen } from '../services/common.js';
import { S3_BUCKET, S3_REGION, WEED_BIN, weedSecurityToml } from '../services/seaweedfs.js';
import type { ClusterProc } from './procs.js';
import { procDir } from './procs.js';
import { clusterSecrets, writePrivate } from './secrets.js';
import { clusterTls, WEED_TLS_NAMES } from './tls.js';
import { WEED } from './topology.js';

export const S3_ENDPOINT = `http://127.0.0.1:${WEED.s3.port}`;
const MASTER = `127.0.0.1:${WEED.master.port}.${WEED.master.grpc}`;

/**
 * The same keys for every weed process (the master signs what the volume servers check, the S3
 * gateway signs what the filer checks), from secrets.json. gRPC: mutual TLS, each server
 * accepting the cluster's components only (by the common name the CA gave them).
 */
function writeSecurityToml(dir: string): void {
  const { weedJwt } = clusterSecrets();
  const tls = clusterTls();
  const peers = WEED_TLS_NAMES.join(',');
  const grpcServer = (name: 'master' | 'volume' | 'filer' | 's3') => [
    `[grpc.${name}]`,
    `cert = "${tls.certs[name].cert}"`,
    `key = "${tls.certs[name].key}"`,
    `allowed_commonNames = "${peers}"`,
  ];
  writePrivate(
    path.join(dir, 'security.toml'),
    weedSecurityToml('scripts/cluster/seaweedfs.ts from <cluster dir>/secrets.json', weedJwt, [
      '[grpc]',
      `ca = "${tls.ca}"`,
      ...grpcServer('master'),
      ...grpcServer('volume'),
      ...grpcServer('filer'),
      ...grpcServer('s3'),
      '[grpc.client]',
      `cert = "${tls.certs.client.cert}"`,
      `key = "${tls.certs.client.key}"`,
    ]),
  );
}

/** Global flags (before the subcommand): logs into the process folder, not /tmp. */
const globalFlags = (dir: string): string[] => [`-logdir=${dir}`, '-log_max_files=2'];

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

function master(): ClusterProc {
  const dir = procDir(WEED.master.name);
  return {
    name: WEED.master.name,
    binds: [
      { host: '127.0.0.1', port: WEED.master.port },
      { host: '127.0.0.1', port: WEED.master.grpc },
    ],
    marker: `-mdir=${dir}/meta`,
    command: () => {
      fs.mkdirSync(path.join(dir, 'meta'), { recursive: true });
      writeSecurityToml(dir);
      return {
        cmd: WEED_BIN,
        args: [
          ...globalFlags(dir),
          'master',
          `-mdir=${dir}/meta`,
          '-ip=127.0.0.1',
          '-ip.bind=127.0.0.1',
          `-port=${WEED.master.port}`,
          `-port.grpc=${WEED.master.grpc}`,
          `-defaultReplication=${WEED.replication}`,
          '-volumeSizeLimitMB=64',
          '-telemetry=false',
        ],
      };
    },
    probe: () => httpOk(`http://127.0.0.1:${WEED.master.port}/cluster/status`),
    readyTimeoutMs: 30_000,
    stopSignal: 'SIGTERM',
    stopGraceMs: 10_000,
  };
}

function volume(v: (typeof WEED.volumes)[number]): ClusterProc {
  const dir = procDir(v.name);
  return {
    name: v.name,
    binds: [
      { host: '127.0.0.1', port: v.port },
      { host: '127.0.0.1', port: v.grpc },
    ],
    marker: `-dir=${dir}/data`,
    command: () => {
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
      writeSecurityToml(dir);
      return {
        cmd: WEED_BIN,
        args: [
          ...globalFlags(dir),
          'volume',
          `-dir=${dir}/data`,
          '-ip=127.0.0.1',
          '-ip.bind=127.0.0.1',
          `-port=${v.port}`,
          `-port.grpc=${v.grpc}`,
          `-master=${MASTER}`,
          '-dataCenter=dc1',
          '-rack=rack1',
          '-max=20',
          '-minFreeSpace=1',
        ],
      };
    },
    probe: () => httpOk(`http://127.0.0.1:${v.port}/status`),
    readyTimeoutMs: 30_000,
    stopSignal: 'SIGTERM',
    stopGraceMs: 10_000,
  };
}

function filer(): ClusterProc {
  const dir = procDir(WEED.filer.name);
  return {
    name: WEED.filer.name,
    binds: [
      { host: '127.0.0.1', port: WEED.filer.port },
      { host: '127.0.0.1', port: WEED.filer.grpc },
    ],
    marker: `-defaultStoreDir=${dir}/store`,
    command: () => {
      fs.mkdirSync(path.join(dir, 'store'), { recursive: true });
      writeSecurityToml(dir);
      return {
        cmd: WEED_BIN,
        args: [
          ...globalFlags(dir),
          'filer',
          `-defaultStoreDir=${dir}/store`,
          '-ip=127.0.0.1',
          '-ip.bind=127.0.0.1',
          `-port=${WEED.filer.port}`,
          `-port.grpc=${WEED.filer.grpc}`,
          `-master=${MASTER}`,
          `-defaultReplicaPlacement=${WEED.replication}`,
          `-localSocket=${dir}/filer.sock`,
        ],
      };
    },
    probe: () => portOpen(WEED.filer.port),
    readyTimeoutMs: 30_000,
    stopSignal: 'SIGTERM',
    stopGraceMs: 10_000,
  };
}

export function s3Client(): S3Client {
  return new S3Client({
    endpoint: S3_ENDPOINT,
    region: S3_REGION,
    forcePathStyle: true,
    credentials: {
      accessKeyId: clusterSecrets().s3.accessKey,
      secretAccessKey: clusterSecrets().s3.secretKey,
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

function s3(): ClusterProc {
  const dir = procDir(WEED.s3.name);
  const config = path.join(dir, 's3.json');
  return {
    name: WEED.s3.name,
    binds: [
      { host: '127.0.0.1', port: WEED.s3.port },
      { host: '127.0.0.1', port: WEED.s3.grpc },
    ],
    marker: `-config=${config}`,
    command: () => {
      const { s3: keys } = clusterSecrets();
      writeSecurityToml(dir);
      writePrivate(
        config,
        JSON.stringify({
          identities: [
            {
              name: 'batchport-cluster',
              credentials: [{ accessKey: keys.accessKey, secretKey: keys.secretKey }],
              actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
            },
          ],
        }),
      );
      return {
        cmd: WEED_BIN,
        args: [
          ...globalFlags(dir),
          's3',
          `-config=${config}`,
          '-ip.bind=127.0.0.1',
          `-port=${WEED.s3.port}`,
          `-port.grpc=${WEED.s3.grpc}`,
          '-port.iceberg=0',
          '-port.lance=0',
          `-filer=127.0.0.1:${WEED.filer.port}.${WEED.filer.grpc}`,
          `-localSocket=${dir}/s3.sock`,
        ],
      };
    },
    async probe() {
      const client = s3Client();
      try {
        await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(3000) });
        return true;
      } catch {
        return false;
      } finally {
        client.destroy();
      }
    },
    readyTimeoutMs: 60_000,
    stopSignal: 'SIGTERM',
    stopGraceMs: 10_000,
  };
}

export const weedMasterProc = master;
export const weedVolumeProcs = (): ClusterProc[] => WEED.volumes.map(volume);
export const weedFrontProcs = (): ClusterProc[] => [filer(), s3()];
export { S3_BUCKET };
