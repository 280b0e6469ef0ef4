import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';
import { runCli } from '../../support/runCli.js';

const cli = runCli;

/** `batchport errors ID > bad.csv`, corrected in an editor, then `batchport fix ID bad.csv` (issue #21). */
describe('batchport errors + fix against the real API', () => {
  let stack: TestStack;
  let dir: string;
  let id: string;
  let as: (args: string[]) => ReturnType<typeof cli>;
  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres', worker: true });
    dir = await mkdtemp(join(tmpdir(), 'batchport-fix-'));
    const user = await newUser('cli-fix');
    as = (args) => cli(args, { BATCHPORT_URL: stack.baseUrl, BATCHPORT_TOKEN: user.token });
    const csv = 'Name,Email\nAda,ada@example.com\n,ann(at)example.com\n,bo(at)example.com\n';
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(csv, 'c.csv'),
    });
    id = up.body.id as string;
    expect(await waitForStatus(stack, user.token, id)).toMatchObject({ status: 'loaded', invalidRows: 2 });
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fixes what was corrected, refuses the rest with reasons (exit 1), and a dry run stores nothing', async () => {
    const errors = await as(['errors', id]);
    expect(errors.code).toBe(0);
    const bad = join(dir, 'bad.csv');
    // The Email cells (after a comma; the reasons quote the same text after ": ").
    const edited = errors.stdout
      .replace(',ann(at)example.com', ',ann@example.com')
      .replace(',bo(at)example.com', ',bo at example.com');
    await writeFile(bad, edited);

    const dry = await as(['fix', id, bad, '--dry-run', '--json']);
    expect(dry.code).toBe(1);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, fixed: 0 });

    const run = await as(['fix', id, bad]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^fixed 1 row\(s\); 1 refused$/m);
    expect(run.stdout).toMatch(
      /^3\s+no name, email or phone; email address is not valid: bo at example\.com$/m,
    );
    const status = await as(['status', id, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ recordsLoaded: 2, invalidRows: 1 });
    expect((await as(['errors', id])).stdout.split('\r\n').filter((l) => l !== '')).toHaveLength(2);
    expect(await readFile(bad, 'utf8')).toContain('ann@example.com');
  });
});
