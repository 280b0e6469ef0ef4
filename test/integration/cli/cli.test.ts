import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, newUser, startStack, type TestStack } from '../../support/testStack.js';
import { runCli } from '../../support/runCli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/contacts');
const SUPPORTED = new Set(['.csv', '.txt', '.vcf', '.xls', '.xlsx']);
// Fixtures that fail by design: the API refuses binary garbage at upload (no batch), and a file with
// only a heading becomes a batch that ends in error (see test/unit/parsing/csv.test.ts).
const OUTCOME: Record<string, 'rejected' | 'error'> = {
  'garbage.csv': 'rejected',
  'header-only.csv': 'error',
};
const escape = (name: string) => name.replaceAll('.', '\\.');

const cli = runCli;

describe('batchport CLI against the real API and worker', () => {
  let stack: TestStack;
  let user: { id: string; token: string };
  let fixtureNames: string[];
  const as = (args: string[]) => cli(args, { BATCHPORT_URL: stack.baseUrl, BATCHPORT_TOKEN: user.token });

  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres', worker: true });
    user = await newUser('cli');
    fixtureNames = (await readdir(FIXTURES)).filter((name) => SUPPORTED.has(extname(name))).sort();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('uploads a folder with per-file progress and a summary; a second run creates no batch', async () => {
    const first = await as(['upload', FIXTURES]);

    // One file refused and one batch in error make the run as a whole exit 1.
    expect(first.code).toBe(1);
    for (const name of fixtureNames) {
      const final = OUTCOME[name] ?? 'loaded';
      expect(first.stderr).toContain(`${name}: uploading `);
      expect(first.stderr).toMatch(new RegExp(`${escape(name)}: sent (\\d+)/\\1 bytes`));
      expect(first.stderr).toMatch(new RegExp(`^${escape(name)}: ${final}(: .+)?$`, 'm'));
      const batch = final === 'rejected' ? '-' : '[0-9a-f-]{36}';
      expect(first.stdout).toMatch(
        new RegExp(`^${escape(FIXTURES)}/${escape(name)}\\s+${batch}\\s+${final}\\s`, 'm'),
      );
      // A refused file never becomes a batch, so it never reports one.
      const uploadedLine = new RegExp(`${escape(name)}: uploaded as batch [0-9a-f-]{36}`);
      expect(uploadedLine.test(first.stderr)).toBe(final !== 'rejected');
    }
    expect(first.stdout).not.toContain('make_text_fixtures.py');
    expect(first.stdout.split('\n')[0]).toMatch(/^FILE\s+BATCH\s+STATUS\s+RECORDS\s+INVALID\s+NOTE$/);
    const batches = fixtureNames.length - 1;
    const before = JSON.parse((await as(['stats', '--json'])).stdout);
    expect(before).toEqual({
      total: batches,
      uploaded: 0,
      parsing: 0,
      parsed: 0,
      loaded: batches - 1,
      error: 1,
    });

    const second = await as(['upload', FIXTURES, '--json', '--parallel', '5']);
    const rows = JSON.parse(second.stdout);
    const accepted = rows.filter((row: any) => row.status !== 'rejected');
    expect(second.code).toBe(1);
    expect(rows).toHaveLength(fixtureNames.length);
    expect(accepted).toHaveLength(batches);
    expect(accepted.every((row: any) => row.replayed === true)).toBe(true);
    expect(JSON.parse((await as(['stats', '--json'])).stdout)).toEqual(before);
    const listed = JSON.parse((await as(['ls', '--json', '--limit', '100'])).stdout);
    expect(listed.total).toBe(batches);
    expect(new Set(listed.batches.map((b: any) => b.id))).toEqual(
      new Set(accepted.map((r: any) => r.batchId)),
    );
  }, 240_000); // two runs over 14 files, each a separate process, on a shared busy machine

  it('records --format jsonl writes exactly the records of the batch', async () => {
    const upload = await as(['upload', join(FIXTURES, 'google-contacts.csv'), '--json']);
    const [row] = JSON.parse(upload.stdout);
    expect(upload.code).toBe(0);
    expect(row.status).toBe('loaded');

    const run = await as(['records', row.batchId, '--format', 'jsonl']);
    const fromApi = await api(stack, `/api/batches/${row.batchId}/records?limit=1000`, { token: user.token });
    expect(run.code).toBe(0);
    expect(fromApi.body.nextCursor).toBeNull();
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(row.recordsLoaded);
    expect(lines.map((line) => JSON.parse(line))).toEqual(fromApi.body.records);
  });

  it('every command prints parseable JSON with --json', async () => {
    const [row] = JSON.parse((await as(['upload', join(FIXTURES, 'vcard-4.0.vcf'), '--json'])).stdout);
    const status = await as(['status', row.batchId, '--json']);
    const recent = await as(['recent', '--json', '--limit', '3']);
    const listed = await as(['--json', 'ls', '--status', 'loaded', '--page', '1']);

    expect(JSON.parse(status.stdout)).toMatchObject({ id: row.batchId, status: 'loaded', progress: 100 });
    expect(JSON.parse(recent.stdout).map((b: any) => b.id)).toContain(row.batchId);
    expect(JSON.parse(listed.stdout).batches.every((b: any) => b.status === 'loaded')).toBe(true);
  });

  it('exit 1 when a batch ends in error; retry re-queues it; rm deletes it', async () => {
    const upload = await as(['upload', join(FIXTURES, 'header-only.csv'), '--json']);
    const [row] = JSON.parse(upload.stdout);
    expect(upload.code).toBe(1);
    expect(row).toMatchObject({ status: 'error', message: expect.stringMatching(/no contacts found/) });

    const retried = await as(['retry', row.batchId, '--json']);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ id: row.batchId, status: 'uploaded' });
    const watched = await as(['status', row.batchId, '--watch']);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain(`${row.batchId}  error`);

    const removed = await as(['rm', row.batchId, '--json']);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ id: row.batchId, deleted: true });
    expect((await api(stack, `/api/batches/${row.batchId}`, { token: user.token })).status).toBe(404);
    const gone = await as(['status', row.batchId]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/404/);
  });

  it('exit 2 on usage errors, before any request', async () => {
    const badFlag = await as(['ls', '--limit', 'many']);
    const unknown = await as(['upload', FIXTURES, '--frobnicate']);
    const badId = await as(['status', 'not-a-uuid']);
    const noToken = await cli(['stats'], { BATCHPORT_URL: stack.baseUrl, BATCHPORT_TOKEN: '' });

    expect([badFlag.code, unknown.code, badId.code, noToken.code]).toEqual([2, 2, 2, 2]);
    expect(badFlag.stderr).toMatch(/integer from 1 to 100/);
    expect(noToken.stderr).toMatch(/no token/);
  });

  it('exit 3 when nothing listens at the URL', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    await new Promise((done) => server.close(done));

    const run = await cli(['stats'], {
      BATCHPORT_URL: `http://127.0.0.1:${port}`,
      BATCHPORT_TOKEN: user.token,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot reach the API .*ECONNREFUSED/);
  });

  it('warns about a token given in argv, and never writes -o through an existing file or link', async () => {
    const inArgv = await cli(['stats', '--token', user.token], { BATCHPORT_URL: stack.baseUrl });
    expect(inArgv.code).toBe(0);
    expect(inArgv.stderr).toContain('batchport: warning: --token on the command line is visible');
    const fromEnv = await as(['stats']);
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stderr).not.toContain('warning');

    const dir = await mkdtemp(join(tmpdir(), 'batchport-cli-out-'));
    try {
      const target = join(dir, 'elsewhere.txt');
      await writeFile(target, 'keep me');
      await symlink(target, join(dir, 'records.jsonl'));
      const refused = await as([
        'records',
        '00000000-0000-4000-8000-000000000000',
        '-o',
        join(dir, 'records.jsonl'),
      ]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('already exists (a file or a link)');
      expect(await readFile(target, 'utf8')).toBe('keep me');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
