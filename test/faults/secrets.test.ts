import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, tokenFor, uploadForm } from '../support/testStack.js';
import { REPO_ROOT, sleep } from './support.js';

/**
 * The real API process (`src/bin/api.ts`, production logger, LOG_LEVEL=trace so it logs the most
 * it ever will) on the full stack: no token, password or key reaches its log, whatever the
 * request carries, and every kind of answer has the security headers and no stack trace.
 */
describe('secrets stay out of logs; security headers on every answer', () => {
  let child: ChildProcess;
  let base = '';
  let log = '';

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/api.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NODE_NO_WARNINGS: '1',
        PORT: '0',
        OPS_PORT: '0',
        // The failed-auth counter lives in the shared Redis; other suites' bad tokens count too.
        AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
        LOG_LEVEL: 'trace',
        USE_LOCAL_STORAGE: 'false',
        RECORDS_STORE: 'cassandra',
        QUEUE_NAME: `secrets-${Date.now()}`,
        MAX_FILE_SIZE: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    const deadline = Date.now() + 60_000;
    while (!base) {
      const line = log.split('\n').find((l) => l.includes('"API listening"'));
      if (line) {
        base = (JSON.parse(line) as { address: string }).address;
        break;
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`API did not start:\n${log.slice(-2000)}`);
      }
      await sleep(100);
    }
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('logs requests with credentials, bad tokens and failures without any secret', async () => {
    const user = await newUser('secrets');
    const forged = await tokenFor({ sub: 'x', email: 'x@example.com', secret: 'f'.repeat(40) });
    const basic = Buffer.from('alice:hunter2-basic-password').toString('base64');
    const requests: Array<[string, RequestInit]> = [
      ['/api/batches/stats', { headers: { authorization: `Bearer ${user.token}` } }],
      ['/api/batches/stats', { headers: { authorization: `Bearer ${forged}` } }],
      ['/api/batches/stats', { headers: { authorization: `Basic ${basic}` } }],
      [
        '/api/batches/stats',
        { headers: { authorization: `Bearer ${user.token}`, cookie: 'session=cookie-secret-value' } },
      ],
      [
        '/api/batches/00000000-0000-4000-8000-000000000000',
        { headers: { authorization: `Bearer ${user.token}` } },
      ],
      [
        '/api/batches/upload',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${user.token}` },
          body: uploadForm('Name,Email\nAda,ada@example.com\n', 'ok.csv'),
        },
      ],
      [
        '/api/batches/upload',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${user.token}` },
          body: uploadForm('x'.repeat(5000), 'big.csv'),
        },
      ],
      ['/readyz', {}],
    ];
    for (const [path, init] of requests) {
      const res = await fetch(`${base}${path}`, init);
      const text = await res.text();
      expect(text, path).not.toMatch(/\n\s+at /); // no stack trace to the client
    }
    await sleep(300); // let the last lines flush

    expect(log).toMatch(/"reqId"|"requestId"/); // the capture really holds the request logs
    const secrets = {
      'the valid token': user.token,
      'its signature': user.token.split('.')[2]!,
      'a forged token': forged,
      'basic credentials': basic,
      'cookie value': 'cookie-secret-value',
      JWT_SECRET: process.env['JWT_SECRET']!,
      REDIS_PASSWORD: process.env['REDIS_PASSWORD']!,
      SEAWEEDFS_SECRET_KEY: process.env['SEAWEEDFS_SECRET_KEY']!,
      'the database URL': process.env['DATABASE_URL']!,
    };
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThan(8);
      const leaks = log
        .split('\n')
        .filter((l) => l.includes(value))
        .map((l) => l.split(value).join('<SECRET>').slice(0, 600));
      expect(leaks, `${what} appears in the log`).toEqual([]);
    }
  });

  it('sends the security headers on success, client errors, 413, 404 and probes', async () => {
    const user = await newUser('headers');
    const answers = await Promise.all([
      fetch(`${base}/api/batches/stats`, { headers: { authorization: `Bearer ${user.token}` } }),
      fetch(`${base}/api/batches/stats`),
      fetch(`${base}/api/batches/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}` },
        body: uploadForm('x'.repeat(5000), 'big.csv'),
      }),
      fetch(`${base}/nope`),
      fetch(`${base}/metrics`), // served on OPS_PORT only
      fetch(`${base}/healthz`),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 401, 413, 404, 404, 200]);
    for (const res of answers) {
      const h = res.headers;
      const where = `${res.url} ${res.status}`;
      expect(h.get('x-content-type-options'), where).toBe('nosniff');
      expect(h.get('x-frame-options'), where).toBe('SAMEORIGIN');
      expect(h.get('strict-transport-security'), where).toMatch(/max-age=\d+/);
      expect(h.get('content-security-policy'), where).toMatch(/default-src 'none'/);
      expect(h.get('cache-control'), where).toBe('no-store');
      expect(h.get('referrer-policy'), where).toBe('no-referrer');
      expect(h.get('cross-origin-opener-policy'), where).toBe('same-origin');
      expect(h.get('x-powered-by'), where).toBeNull();
      expect(h.get('x-request-id'), where).toBeTruthy();
      await res.arrayBuffer();
    }
  });
});
