import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

/** `batchport reprocess ID --mapping FILE --region DE` (issue #21) against the real API and worker. */
describe('batchport reprocess against the real API', () => {
  let stack: TestStack;
  let dir: string;
  let id: string;
  let token: string;
  let as: (args: string[]) => ReturnType<typeof runCli>;
  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres', worker: true });
    dir = await mkdtemp(join(tmpdir(), 'batchport-reprocess-'));
    const user = await newUser('cli-reprocess');
    token = user.token;
    as = (args) => runCli(args, { BATCHPORT_URL: stack.baseUrl, BATCHPORT_TOKEN: user.token });
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token,
      body: uploadForm('Name,Org,Tel\nAda Lovelace,Acme,030 1234567\n', 'c.csv'),
    });
    id = up.body.id as string;
    expect(await waitForStatus(stack, token, id)).toMatchObject({ status: 'loaded' });
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the stored file again with the mapping file and region given', async () => {
    const mapping = join(dir, 'mapping.json');
    await writeFile(mapping, JSON.stringify({ Name: 'fullName', Org: 'title', Tel: 'phone' }));
    const run = await as(['reprocess', id, '--mapping', mapping, '--region', 'de']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${id} uploaded: Batch queued to be read again\n`);
    expect(await waitForStatus(stack, token, id)).toMatchObject({ status: 'loaded', recordsLoaded: 1 });
    const records = await api(stack, `/api/batches/${id}/records`, { token });
    expect(records.body.records).toEqual([
      expect.objectContaining({
        fullName: 'Ada Lovelace',
        title: 'Acme',
        company: null,
        phone: '+49301234567',
      }),
    ]);
  });

  it('a mapping file that is not a JSON object is a usage error (exit 2), nothing sent', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '["Name"]');
    const run = await as(['reprocess', id, '--mapping', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/must hold a JSON object/);
  });
});
