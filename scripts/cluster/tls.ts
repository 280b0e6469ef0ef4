/**
 * The cluster's private certificate authority for SeaweedFS gRPC (issue #19): weed's gRPC ports
 * (master, volume servers, filer, S3 gateway) accept only connections that present a certificate
 * this CA signed, and each component presents its own. Made with openssl on the cluster's first
 * start, kept in `<cluster dir>/tls` (folder 700, keys 600), never in code; weed does not check
 * host names, so one certificate per component serves every instance of it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ServiceError } from '../services/common.js';
import { clusterDir } from './topology.js';

/** The weed components with a certificate of their own; `client` is for weed's command-line tools. */
export const WEED_TLS_NAMES = ['master', 'volume', 'filer', 's3', 'client'] as const;
export type WeedTlsName = (typeof WEED_TLS_NAMES)[number];

export interface TlsFiles {
  ca: string;
  certs: Record<WeedTlsName, { cert: string; key: string }>;
}

const DAYS = '3650';

export const tlsDir = (): string => path.join(clusterDir(), 'tls');

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new ServiceError(`openssl ${args[0] ?? ''} failed (is openssl installed?): ${stderr}`);
  }
}

function filesIn(dir: string): TlsFiles {
  const pair = (name: string) => ({
    cert: path.join(dir, `${name}.crt`),
    key: path.join(dir, `${name}.key`),
  });
  return {
    ca: path.join(dir, 'ca.crt'),
    certs: Object.fromEntries(WEED_TLS_NAMES.map((n) => [n, pair(n)])) as TlsFiles['certs'],
  };
}

/** An EC P-256 key (mode 600) and a certificate with CN `name`, signed by the cluster's CA. */
function issue(dir: string, name: WeedTlsName): void {
  const { cert, key } = filesIn(dir).certs[name];
  const csr = path.join(dir, `${name}.csr`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  fs.chmodSync(key, 0o600);
  openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr]);
  const ext = path.join(dir, `${name}.ext`);
  // Both directions: a component serves with this certificate and dials the others with it.
  fs.writeFileSync(ext, 'extendedKeyUsage = serverAuth, clientAuth\nsubjectAltName = IP:127.0.0.1\n');
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    path.join(dir, 'ca.crt'),
    '-CAkey',
    path.join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    DAYS,
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  fs.rmSync(csr);
  fs.rmSync(ext);
}

/** The CA and the components' certificates, made on first use. */
export function clusterTls(): TlsFiles {
  const dir = tlsDir();
  const files = filesIn(dir);
  const complete = [files.ca, ...Object.values(files.certs).flatMap((c) => [c.cert, c.key])].every((f) =>
    fs.existsSync(f),
  );
  if (complete) {
    return files;
  }
  fs.rmSync(dir, { recursive: true, force: true }); // a start interrupted half-way: make all again
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = path.join(dir, 'ca.key');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  fs.chmodSync(caKey, 0o600);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    '/CN=batchport-cluster-ca',
    '-days',
    DAYS,
    '-out',
    files.ca,
  ]);
  for (const name of WEED_TLS_NAMES) {
    issue(dir, name);
  }
  return files;
}
