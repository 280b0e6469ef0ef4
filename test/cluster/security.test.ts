import { SignJWT } from 'jose';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allProcs, cluster, clusterDir, status } from '../../scripts/cluster/index.js';
import { cqlClient } from '../../scripts/cluster/cassandra.js';
import { sentinelExchange } from '../../scripts/cluster/redis.js';
import { clusterSecrets, secretsFile } from '../../scripts/cluster/secrets.js';
import { S3_BUCKET } from '../../scripts/cluster/seaweedfs.js';
import { clusterTls, tlsDir } from '../../scripts/cluster/tls.js';
import { CASSANDRA_NODES, SENTINEL_NAME, SENTINELS, WEED } from '../../scripts/cluster/topology.js';
import { JAVA17, JDK17_MODULE_FLAGS } from '../../scripts/services/cassandra.js';
import { REPO_ROOT, TOOLS_DIR } from '../../scripts/services/common.js';
import { userStoragePrefix } from '../../src/storage/storageKey.js';
import { clusterClient, newUser, recordCheck, settle, upload, type ClusterClient } from './support.js';

/**
 * Issue #19: every service of `npm run cluster` runs with authentication, with secrets made at
 * setup (never in code), and the app still loads a batch through all of them. Each check talks
 * to the real process the way an intruder on the box would, without the secret, and is
 * answered with a refusal; the positive controls show the refusal is about the secret.
 */
describe('cluster: every backing service requires its secret', () => {
  let client: ClusterClient;

  beforeAll(async () => {
    const s = await status();
    const down = s.procs.filter((p) => p.state !== 'running').map((p) => `${p.name} ${p.state}`);
    expect(down, 'start the cluster first: npm run cluster -- up').toEqual([]);
    client = await clusterClient();
  });

  it('keeps the generated secrets in files, and every process folder, only the owner reads', () => {
    const files = [
      secretsFile(),
      path.join(clusterDir(), 'jwt-secret'),
      ...CASSANDRA_NODES.flatMap((n) => [
        path.join(clusterDir(), n.name, 'conf', 'jmxremote.password'),
        path.join(clusterDir(), n.name, 'conf', 'jmxremote.access'),
      ]),
      ...[WEED.master, ...WEED.volumes, WEED.filer, WEED.s3].map((p) =>
        path.join(clusterDir(), p.name, 'security.toml'),
      ),
      path.join(clusterDir(), WEED.s3.name, 's3.json'),
      path.join(tlsDir(), 'ca.key'),
      ...Object.values(clusterTls().certs).map((c) => c.key),
    ];
    const mode = (f: string) =>
      `${path.relative(clusterDir(), f)} ${(fs.statSync(f).mode & 0o777).toString(8)}`;
    expect(files.map(mode)).toEqual(files.map((f) => `${path.relative(clusterDir(), f)} 600`));
    // Redis and Sentinel rewrite their configs (with the passwords) in modes of their own.
    const dirs = [...allProcs(cluster(() => ({}))).map((p) => path.join(clusterDir(), p.name)), tlsDir()];
    expect(dirs.map(mode)).toEqual(dirs.map((d) => `${path.relative(clusterDir(), d)} 700`));
  });

  describe('Cassandra', () => {
    it('refuses an anonymous CQL connection and the built-in cassandra/cassandra superuser', async () => {
      const anonymous = cqlClient(undefined);
      await expect(anonymous.connect()).rejects.toThrow(/requires authentication/);
      await anonymous.shutdown();
      const builtin = cqlClient({ username: 'cassandra', password: 'cassandra' });
      await expect(builtin.connect()).rejects.toThrow(/AuthenticationError|password are incorrect/);
      await builtin.shutdown();
    });

    it("lets the app's role use its keyspace and nothing more", async () => {
      const app = cqlClient(clusterSecrets().cassandraApp);
      try {
        const rows = await app.execute('SELECT batch_id FROM batchport.batch_records LIMIT 1');
        expect(rows.columns.map((c) => c.name)).toEqual(['batch_id']);
        await expect(
          app.execute("CREATE ROLE intruder WITH PASSWORD = 'x' AND LOGIN = true"),
        ).rejects.toThrow('User batchport_app does not have sufficient privileges');
        await expect(
          app.execute(
            "CREATE KEYSPACE intruder WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
          ),
        ).rejects.toThrow('User batchport_app has no CREATE permission on <all keyspaces>');
        await expect(app.execute('SELECT * FROM system_auth.roles')).rejects.toThrow(
          'User batchport_app has no SELECT permission on <table system_auth.roles>',
        );
      } finally {
        await app.shutdown();
      }
    });

    it('stops a role with a wrong CASSANDRA_PASSWORD at start with an error that names the credentials', async () => {
      const env = { ...client.env, CASSANDRA_PASSWORD: 'not-the-password', WORKER_HTTP_PORT: '0' };
      const { code, output } = await runRole('worker', env);
      expect(code).toBe(69); // EX_UNAVAILABLE: buildComponents failed
      expect(output).toMatch(/Cassandra refused to authenticate this process \(.*password are incorrect.*\)/);
      expect(output).toContain('check CASSANDRA_USERNAME and CASSANDRA_PASSWORD');
    });

    it('refuses nodetool (JMX) without credentials and answers with them', async () => {
      const { jmx } = clusterSecrets();
      const port = String(CASSANDRA_NODES[0].jmxPort);
      const anonymous = await nodetool(['-h', '127.0.0.1', '-p', port, 'version']);
      expect(anonymous.code).not.toBe(0);
      expect(anonymous.output).toMatch(/Authentication failed|Credentials required/);
      const withCredentials = await nodetool([
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-u',
        jmx.username,
        '-pw',
        jmx.password,
        'version',
      ]);
      expect(withCredentials.output).toMatch(/ReleaseVersion: 5\.0\./);
      expect(withCredentials.code).toBe(0);
    });
  });

  it('refuses a Sentinel client without the Sentinel password', async () => {
    const ask = ['SENTINEL', 'get-master-addr-by-name', SENTINEL_NAME];
    const oneLine = (a: string): boolean => a.includes('\r\n');
    for (const s of SENTINELS) {
      expect(await sentinelExchange(s.port, [ask], oneLine)).toMatch(/^-NOAUTH/);
      const wrong = await sentinelExchange(s.port, [['AUTH', 'not-the-password']], oneLine);
      expect(wrong).toMatch(/^-(WRONGPASS|ERR invalid password)/);
      const answered = await sentinelExchange(
        s.port,
        [['AUTH', clusterSecrets().sentinelPassword], ask],
        (a) => /\r\n\$\d+\r\n\d+\r\n$/.test(a),
      );
      expect(answered).toMatch(/^\+OK\r\n\*2\r\n/);
    }
  });

  describe('SeaweedFS', () => {
    const master = `http://127.0.0.1:${WEED.master.port}`;
    const filer = `http://127.0.0.1:${WEED.filer.port}`;
    /** A token as weed signs it (HS256, `exp`, and the file id for volume servers). */
    const token = (key: string, claims: Record<string, string> = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime(Math.floor(Date.now() / 1000) + 10)
        .sign(new TextEncoder().encode(key));
    const form = () => {
      const f = new FormData();
      f.append('file', new Blob([new TextEncoder().encode('contact list')]), 'probe.txt');
      return f;
    };

    it('refuses volume server writes and reads without a JWT signed with the master key', async () => {
      const { weedJwt } = clusterSecrets();
      // The master's HTTP API answers anyone, but hands out no token with the file id.
      const assign = (await (await fetch(`${master}/dir/assign`)).json()) as { fid: string; url: string };
      expect(assign).not.toHaveProperty('auth');
      const fileUrl = `http://${assign.url}/${assign.fid}`;
      expect((await fetch(fileUrl, { method: 'POST', body: form() })).status).toBe(401);
      const forged = await token('not-the-key', { fid: assign.fid });
      expect(
        (
          await fetch(fileUrl, {
            method: 'POST',
            body: form(),
            headers: { authorization: `BEARER ${forged}` },
          })
        ).status,
      ).toBe(401);
      // Control: the same request with a token signed by the cluster's key is accepted.
      const write = await token(weedJwt.volumeWrite, { fid: assign.fid });
      const signed = await fetch(fileUrl, {
        method: 'POST',
        body: form(),
        headers: { authorization: `BEARER ${write}` },
      });
      expect(signed.status).toBe(201);
      expect((await fetch(fileUrl)).status).toBe(401);
      const read = await token(weedJwt.volumeRead, { fid: assign.fid });
      const readBack = await fetch(fileUrl, { headers: { authorization: `BEARER ${read}` } });
      expect(await readBack.text()).toBe('contact list');
    });

    it('refuses filer reads, listings and writes without a JWT signed with the filer keys', async () => {
      // A user's file, stored by the app through the S3 gateway with the cluster's access key.
      const user = await newUser(client, 'weedjwt');
      const outcome = await upload(client, user, 3);
      expect(outcome.id).toBeDefined();
      const folder = `${filer}/buckets/${S3_BUCKET}/${userStoragePrefix(user.email)}`;
      for (const url of [`${filer}/buckets/`, `${filer}/buckets/${S3_BUCKET}/`, folder]) {
        const answer = await fetch(url, { headers: { accept: 'application/json' } });
        expect(`${url} ${answer.status}`).toBe(`${url} 401`);
      }
      const probe = `${filer}/buckets/${S3_BUCKET}/security-probe-${Date.now()}.txt`;
      const forged = await token('not-the-key');
      expect((await fetch(probe, { method: 'PUT', body: 'contact list' })).status).toBe(401);
      const forgedPut = await fetch(probe, {
        method: 'PUT',
        body: 'contact list',
        headers: { authorization: `BEARER ${forged}` },
      });
      expect(forgedPut.status).toBe(401);
      // Control: tokens signed with the cluster's filer keys write and read the same file.
      const { weedJwt } = clusterSecrets();
      const write = await token(weedJwt.filerWrite);
      const put = await fetch(probe, {
        method: 'PUT',
        body: 'contact list',
        headers: { authorization: `BEARER ${write}` },
      });
      expect(put.status).toBe(201);
      expect((await fetch(probe)).status).toBe(401);
      const read = await token(weedJwt.filerRead);
      expect(await (await fetch(probe, { headers: { authorization: `BEARER ${read}` } })).text()).toBe(
        'contact list',
      );
      // Folder listings (folders are named by e-mail) stay off even with a read token.
      const listed = await fetch(folder, {
        headers: { accept: 'application/json', authorization: `BEARER ${read}` },
      });
      expect(listed.status).toBe(403);
      await fetch(probe, {
        method: 'DELETE',
        headers: { authorization: `BEARER ${await token(weedJwt.filerWrite)}` },
      });
    });

    it('refuses gRPC without a certificate from the cluster CA, on every weed gRPC port', async () => {
      const tls = clusterTls();
      const ca = fs.readFileSync(tls.ca);
      const own = {
        cert: fs.readFileSync(tls.certs.client.cert),
        key: fs.readFileSync(tls.certs.client.key),
      };
      const foreign = foreignCertificate();
      // A real call per server (its empty request is valid), and a made-up one for the S3 gateway.
      const ports = [
        [WEED.master.grpc, '/master_pb.Seaweed/GetMasterConfiguration', '0'],
        [WEED.volumes[0].grpc, '/volume_server_pb.VolumeServer/VolumeServerStatus', '0'],
        [WEED.filer.grpc, '/filer_pb.SeaweedFiler/GetFilerConfiguration', '0'],
        [WEED.s3.grpc, '/batchport.Probe/Nothing', '12'], // UNIMPLEMENTED: the call got through
      ] as const;
      for (const [port, method, expected] of ports) {
        expect(await grpcCall(`http://127.0.0.1:${port}`, method, {}), `${port} plain`).toHaveProperty(
          'error',
        );
        expect(await grpcCall(`https://127.0.0.1:${port}`, method, { ca }), `${port} no cert`).toHaveProperty(
          'error',
        );
        expect(
          await grpcCall(`https://127.0.0.1:${port}`, method, { ca, ...foreign }),
          `${port} foreign CA`,
        ).toHaveProperty('error');
        // Control: the cluster's own client certificate gets an answer from the gRPC service.
        expect(await grpcCall(`https://127.0.0.1:${port}`, method, { ca, ...own }), `${port} own`).toEqual({
          grpcStatus: expected,
        });
      }
    });
  });

  it('still loads a batch end to end through the load balancer with every secret in place', async () => {
    const user = await newUser(client, 'secure');
    const outcome = await upload(client, user, 500);
    expect(outcome.id).toBeDefined();
    const final = await settle(client, user, [outcome.id!], 120_000);
    expect(final.get(outcome.id!)).toBe('loaded');
    expect(await recordCheck(client, user, outcome.id!, 500)).toEqual({
      missing: 0,
      duplicated: 0,
      extra: 0,
      readErrors: 0,
    });
  });
});

/** Runs a compiled role (dist/bin) until it exits; its whole output. */
function runRole(
  role: 'api' | 'worker',
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return collect(
    process.execPath,
    [`dist/bin/${role}.js`],
    { ...env, PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    120_000,
  );
}

/** nodetool from the Cassandra classpath the cluster runs on. */
function nodetool(args: string[]): Promise<{ code: number | null; output: string }> {
  const lib = path.join(TOOLS_DIR, 'cassandra', 'lib');
  return collect(
    JAVA17,
    ['-Xmx128m', ...JDK17_MODULE_FLAGS, '-cp', `${lib}/*`, 'org.apache.cassandra.tools.NodeTool', ...args],
    { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    120_000,
  );
}

function collect(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: no exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * One unary gRPC call with an empty request over HTTP/2 (`https:` with the given TLS options,
 * `http:` as plain text): the call's grpc-status, or the error that ended the connection.
 */
function grpcCall(
  url: string,
  method: string,
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer },
): Promise<{ grpcStatus: string } | { error: string }> {
  return new Promise((resolve) => {
    const session = http2.connect(url, { ...tls, timeout: 5_000 });
    const done = (answer: { grpcStatus: string } | { error: string }) => {
      session.destroy();
      resolve(answer);
    };
    session.on('error', (error) => done({ error: error.message }));
    // A TLS port closes a plain-text connection without an HTTP/2 error.
    session.on('close', () => done({ error: 'connection closed' }));
    session.setTimeout(5_000, () => done({ error: 'timeout' }));
    const req = session.request({
      ':method': 'POST',
      ':path': method,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    req.on('error', (error) => done({ error: error.message }));
    req.on('trailers', (trailers) => done({ grpcStatus: String(trailers['grpc-status']) }));
    req.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) {
        done({ grpcStatus: String(headers['grpc-status']) }); // trailers-only answer
      }
    });
    req.resume();
    req.end(Buffer.alloc(5)); // uncompressed, zero-length message
  });
}

/** A client certificate signed by another CA (a stranger's), made with openssl. */
function foreignCertificate(): { cert: Buffer; key: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foreign-ca-'));
  try {
    const key = path.join(dir, 'k.pem');
    const cert = path.join(dir, 'c.pem');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    execFileSync('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      '/CN=client',
      '-days',
      '1',
      '-out',
      cert,
    ]);
    return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
