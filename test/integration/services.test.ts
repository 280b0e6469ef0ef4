/**
 * The local service manager (scripts/services) against the real services: no fakes, no skips.
 * A missing prerequisite makes beforeAll (and so every test) fail with the manager's message.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cqlClient, cqlReleaseVersion } from '../../scripts/services/cassandra.js';
import { pidFile, REPO_ROOT } from '../../scripts/services/common.js';
import { ALL_SERVICES, down, envFor, status, up } from '../../scripts/services/index.js';
import { REDIS_PASSWORD, REDIS_PORT } from '../../scripts/services/redis.js';
import { S3_BUCKET, S3_ENDPOINT, s3Client, WEED_PORTS } from '../../scripts/services/seaweedfs.js';

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(TSX, ['scripts/services.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function redisPing(): Promise<string> {
  const client = new Redis({
    host: '127.0.0.1',
    port: REDIS_PORT,
    password: REDIS_PASSWORD,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // surfaced through connect()/ping() instead
  try {
    await client.connect();
    return await client.ping();
  } finally {
    client.disconnect();
  }
}

describe('npm run services (real local services)', () => {
  beforeAll(async () => {
    await up(ALL_SERVICES);
  }, 300_000);

  afterAll(async () => {
    // Leave everything running for the next test file / developer, whatever happened above.
    await up(ALL_SERVICES);
  }, 300_000);

  it('status reports every service running (API and CLI)', async () => {
    const res = await status(ALL_SERVICES);
    expect(res.services.map((s) => [s.name, s.state])).toEqual(ALL_SERVICES.map((n) => [n, 'running']));
    expect(res.ok).toBe(true);

    const out = cli('status', '--all');
    expect(out.code, out.stderr).toBe(0);
    for (const name of ALL_SERVICES) {
      expect(out.stdout).toMatch(new RegExp(`^${name}\\s+running\\b`, 'm'));
    }
  });

  it('up is idempotent when everything already runs', async () => {
    const res = await up(ALL_SERVICES);
    expect(res).toEqual({
      postgres: 'already-running',
      redis: 'already-running',
      seaweedfs: 'already-running',
      cassandra: 'already-running',
    });
  }, 120_000);

  it('env prints only sourceable KEY=VALUE lines with the expected keys', () => {
    const out = cli('env');
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    for (const line of lines) {
      expect(line).toMatch(/^[A-Z][A-Z0-9_]*=\S+$/);
    }
    const env = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(Object.keys(env).sort()).toEqual(
      [
        'DATABASE_URL',
        'REDIS_HOST',
        'REDIS_PORT',
        'REDIS_PASSWORD',
        'SEAWEEDFS_ENDPOINT',
        'SEAWEEDFS_ACCESS_KEY',
        'SEAWEEDFS_SECRET_KEY',
        'SEAWEEDFS_BUCKET',
        'CASSANDRA_CONTACT_POINTS',
        'CASSANDRA_LOCAL_DC',
        'CASSANDRA_KEYSPACE',
        'JWT_SECRET',
        'LOCAL_STORAGE_DIR',
      ].sort(),
    );
    expect(env).toMatchObject({
      DATABASE_URL: 'postgres://batchport:batchport@127.0.0.1:55432/batchport',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: '56379',
      SEAWEEDFS_ENDPOINT: 'http://127.0.0.1:58333',
      SEAWEEDFS_BUCKET: 'templates',
      CASSANDRA_CONTACT_POINTS: '127.0.0.1:59042',
      CASSANDRA_LOCAL_DC: 'datacenter1',
      CASSANDRA_KEYSPACE: 'batchport',
    });
    expect(env.JWT_SECRET!.length).toBeGreaterThanOrEqual(32);
    expect(env.JWT_SECRET).toMatch(/dev/);
    expect(path.isAbsolute(env.LOCAL_STORAGE_DIR!)).toBe(true);
    expect(env).toEqual(envFor());

    // The documented way to consume it really works in a shell.
    const sh = spawnSync(
      'bash',
      [
        '-c',
        `set -a; source <("${TSX}" scripts/services.ts env 2>/dev/null); printf '%s|%s' "$DATABASE_URL" "$REDIS_PASSWORD"`,
      ],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(sh.stdout).toBe(`${env.DATABASE_URL}|${env.REDIS_PASSWORD}`);
  });

  it('postgres answers a real query as the batchport role', async () => {
    const client = new pg.Client({ connectionString: envFor().DATABASE_URL });
    await client.connect();
    try {
      const r = await client.query<{ db: string; usr: string; v: string }>(
        'SELECT current_database() AS db, current_user AS usr, current_setting($1) AS v',
        ['server_version_num'],
      );
      expect(r.rows[0]).toMatchObject({ db: 'batchport', usr: 'batchport' });
      expect(Number(r.rows[0]!.v)).toBeGreaterThanOrEqual(150000);
    } finally {
      await client.end();
    }
  });

  it('redis answers PING with the password and uses noeviction', async () => {
    expect(await redisPing()).toBe('PONG');
    const client = new Redis({
      host: '127.0.0.1',
      port: REDIS_PORT,
      password: REDIS_PASSWORD,
      lazyConnect: true,
    });
    try {
      await client.connect();
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    } finally {
      client.disconnect();
    }
  });

  it('seaweedfs: signed S3 Put/Get/Delete round trip works', async () => {
    const s3 = s3Client();
    const key = `services-test/${Date.now()}-${Math.random().toString(36).slice(2)}.txt`;
    const body = 'hello from the services test\n'.repeat(100);
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: S3_BUCKET, Key: key, Body: body, ContentType: 'text/plain' }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: key }));
      expect(await got.Body!.transformToString()).toBe(body);
      await s3.send(new DeleteObjectCommand({ Bucket: S3_BUCKET, Key: key }));
      await expect(s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: key }))).rejects.toMatchObject({
        name: 'NoSuchKey',
      });
    } finally {
      s3.destroy();
    }
  });

  it('seaweedfs: unsigned and wrongly signed requests are rejected', async () => {
    const unsignedPut = await fetch(`${S3_ENDPOINT}/${S3_BUCKET}/services-test/unsigned.txt`, {
      method: 'PUT',
      body: 'nope',
    });
    expect(unsignedPut.status).toBe(403);
    const unsignedList = await fetch(`${S3_ENDPOINT}/${S3_BUCKET}?list-type=2`);
    expect(unsignedList.status).toBe(403);

    const wrong: S3Client = s3Client({
      accessKeyId: envFor().SEAWEEDFS_ACCESS_KEY!,
      secretAccessKey: 'wrong-secret',
    });
    try {
      await expect(
        wrong.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: 'services-test/wrong.txt', Body: 'x' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    } finally {
      wrong.destroy();
    }
    const unknown = s3Client({ accessKeyId: 'not-a-key', secretAccessKey: 'not-a-secret' });
    try {
      await expect(
        unknown.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: 'services-test/x.txt' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    } finally {
      unknown.destroy();
    }
  });

  it('seaweedfs: the internal ports (filer, volume server) need tokens, and list no folders', async () => {
    const filer = `http://127.0.0.1:${WEED_PORTS.filer}`;
    // Users' folders are named by e-mail: no listing, no read, no write without the filer's key.
    const listing = await fetch(`${filer}/buckets/`, { headers: { accept: 'application/json' } });
    expect(listing.status).toBe(401);
    expect((await fetch(`${filer}/buckets/${S3_BUCKET}/`)).status).toBe(401);
    const form = new FormData();
    form.append('file', new Blob(['x']), 'x.txt');
    expect((await fetch(`${filer}/services-test/x.txt`, { method: 'POST', body: form })).status).toBe(401);
    // The master hands out a file id but no token: the volume server refuses the write.
    const assign = (await (await fetch(`http://127.0.0.1:${WEED_PORTS.master}/dir/assign`)).json()) as {
      fid: string;
      url: string;
      auth?: string;
    };
    expect(assign.auth).toBeUndefined();
    expect((await fetch(`http://${assign.url}/${assign.fid}`, { method: 'POST', body: form })).status).toBe(
      401,
    );
  });

  it('cassandra answers a real CQL query and has the batchport keyspace', async () => {
    expect(await cqlReleaseVersion()).toMatch(/^5\.0\.\d+$/);
    const client = cqlClient();
    try {
      const rs = await client.execute(
        'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?',
        ['batchport'],
      );
      expect(rs.rowLength).toBe(1);
    } finally {
      await client.shutdown();
    }
  });

  it('down redis → status non-zero → stale pid / busy port handled → up redis again (AOF kept)', async () => {
    const client = new Redis({
      host: '127.0.0.1',
      port: REDIS_PORT,
      password: REDIS_PASSWORD,
      lazyConnect: true,
    });
    await client.connect();
    await client.set('services-test:persisted', 'yes');
    client.disconnect();

    expect(await down(['redis'])).toEqual({ redis: 'stopped' });
    expect((await status(['redis'])).ok).toBe(false);
    const st = cli('status', 'redis');
    expect(st.code).not.toBe(0);
    expect(st.stdout).toMatch(/^redis\s+stopped\b/m);
    await expect(redisPing()).rejects.toThrow();
    expect(await down(['redis'])).toEqual({ redis: 'not-running' });

    // A foreign process on the port: up must refuse with a clear message.
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(REDIS_PORT, '127.0.0.1', resolve));
    try {
      await expect(up(['redis'])).rejects.toThrow(/port 127\.0\.0\.1:56379 is already in use/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }

    // A stale pid file (dead process) is cleaned up and the service starts.
    fs.writeFileSync(pidFile('redis'), '999999999\n1\n');
    const upOut = cli('up', 'redis');
    expect(upOut.code, upOut.stderr).toBe(0);
    expect(upOut.stderr).toMatch(/stale pid file/);
    expect((await status(['redis'])).ok).toBe(true);
    expect(cli('status', 'redis').code).toBe(0);
    expect(await redisPing()).toBe('PONG');

    const again = new Redis({
      host: '127.0.0.1',
      port: REDIS_PORT,
      password: REDIS_PASSWORD,
      lazyConnect: true,
    });
    await again.connect();
    try {
      expect(await again.get('services-test:persisted')).toBe('yes');
      await again.del('services-test:persisted');
    } finally {
      again.disconnect();
    }
  }, 120_000);
});
