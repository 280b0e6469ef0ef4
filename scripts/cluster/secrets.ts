/**
 * The cluster's service credentials, made at random on its first start and kept in
 * `<cluster dir>/secrets.json` (mode 600), never in code: every service of `npm run cluster`
 * runs with authentication on (issue #19), and the roles, the setup and the tests read them here.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ServiceError } from '../services/common.js';
import { clusterDir, REDIS_NODES } from './topology.js';

export interface ClusterSecrets {
  /** `requirepass`/`masterauth` of the Redis data nodes (REDIS_PASSWORD). */
  redisPassword: string;
  /** `requirepass` of the Sentinels (REDIS_SENTINEL_PASSWORD). */
  sentinelPassword: string;
  /** The superuser that replaces Cassandra's default `cassandra` role (setup only). */
  cassandraAdmin: { username: string; password: string };
  /** The application's role: no superuser, rights on the batchport keyspace only. */
  cassandraApp: { username: string; password: string };
  /** Cassandra's JMX (loopback, password file): nodetool -u/-pw. */
  jmx: { username: string; password: string };
  /** SeaweedFS JWT signing keys (security.toml): volume writes/reads, filer writes/reads. */
  weedJwt: { volumeWrite: string; volumeRead: string; filerWrite: string; filerRead: string };
  /** The S3 gateway's only identity. */
  s3: { accessKey: string; secretKey: string };
}

const secret = (): string => randomBytes(32).toString('base64url');

export const secretsFile = (): string => path.join(clusterDir(), 'secrets.json');

let cached: { file: string; secrets: ClusterSecrets } | undefined;

/** Reads the cluster's secrets, making them on first use (0600, exclusive create). */
export function clusterSecrets(): ClusterSecrets {
  const file = secretsFile();
  if (cached?.file === file) {
    return cached.secrets;
  }
  if (!fs.existsSync(file)) {
    // Config files of Redis and Sentinel are written once (Sentinel rewrites them): a cluster
    // dir from before the secrets existed holds the old fixed password and would not match.
    if (fs.existsSync(path.join(clusterDir(), REDIS_NODES[0].name, 'redis.conf'))) {
      throw new ServiceError(
        `${clusterDir()} was made before the cluster had generated credentials (issue #19): ` +
          `run \`npm run cluster -- down\`, remove that folder, and start again`,
      );
    }
    fs.mkdirSync(clusterDir(), { recursive: true });
    const fresh: ClusterSecrets = {
      redisPassword: secret(),
      sentinelPassword: secret(),
      cassandraAdmin: { username: 'batchport_admin', password: secret() },
      cassandraApp: { username: 'batchport_app', password: secret() },
      jmx: { username: 'batchport_jmx', password: secret() },
      weedJwt: { volumeWrite: secret(), volumeRead: secret(), filerWrite: secret(), filerRead: secret() },
      s3: { accessKey: `bp${randomBytes(9).toString('hex')}`, secretKey: secret() },
    };
    fs.writeFileSync(file, JSON.stringify(fresh, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode !== 0o600) {
    throw new ServiceError(`${file} has mode ${mode.toString(8)}; it must be 600 (chmod 600 it)`);
  }
  const secrets = JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterSecrets;
  cached = { file, secrets };
  return secrets;
}

/** Writes a file only its owner can read (a config that holds a secret). */
export function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its mode on write
}
