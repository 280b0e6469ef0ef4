/**
 * DELETE answers once the row and its clean-up entry are committed: with SeaweedFS not
 * answering (a proxy that holds connections, so only our own stack sees the stall), it still
 * answers 204 at once; the file is removed by the sweeper after storage comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweeperDeps } from '../../../src/workerComposition.js';
import { userStoragePrefix } from '../../../src/storage/storageKey.js';
import { createSweeper } from '../../../src/worker/sweeper.js';
import { contactsCsv } from '../../support/contactsCsv.js';
import { countRecords } from '../../support/recordsCount.js';
import { startStallingProxy, type StallingProxy } from '../../support/stallingProxy.js';
import { storedFileExists } from '../../support/storedFile.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';

/** Far below the S3 client's own timeouts (15 s a request, two tries): the answer did not wait. */
const FAST_MS = 2_000;

describe('DELETE with storage not answering', () => {
  let stack: TestStack;
  let proxy: StallingProxy;

  beforeAll(async () => {
    const seaweed = new URL(process.env['SEAWEEDFS_ENDPOINT']!);
    proxy = await startStallingProxy({ host: seaweed.hostname, port: Number(seaweed.port) });
    stack = await startStack({
      storage: 's3',
      records: 'postgres',
      worker: true,
      env: { SEAWEEDFS_ENDPOINT: proxy.url },
    });
  });
  afterAll(async () => {
    proxy?.resume();
    await stack?.close();
    await proxy?.close();
  });

  it('answers 204 at once; the sweeper removes the file once storage is back', async () => {
    const user = await newUser('delete-stalled');
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(contactsCsv(20), 'stalled.csv'),
    });
    expect(up.status, up.text).toBe(201);
    const id = up.body.id as string;
    expect((await waitForStatus(stack, user.token, id)).status).toBe('loaded');
    const { storageKey } = (await stack.batches.findById(id))!;

    proxy.stall();
    const t0 = performance.now();
    const del = await api(stack, `/api/batches/${id}`, { method: 'DELETE', token: user.token });
    const ms = performance.now() - t0;
    expect(del.status).toBe(204);
    expect(ms).toBeLessThan(FAST_MS);
    expect(await stack.batches.findById(id)).toBeNull();
    // The clean-up owed is recorded; the records (not in storage) go in the background at once.
    const owed = await stack.db.query('SELECT 1 FROM batch_deletions WHERE batch_id = $1', [id]);
    expect(owed.rows).toHaveLength(1);
    await expect
      .poll(() => countRecords(stack.records, id), { timeout: 10_000 })
      .toEqual({ records: 0, invalidRows: 0 });

    proxy.resume();
    const sweeper = createSweeper(sweeperDeps(stack.components), {
      graceMs: 60_000,
      keyPrefix: userStoragePrefix(user.email),
    });
    await expect
      .poll(
        async () => {
          await sweeper.sweep();
          const left = await stack.db.query('SELECT 1 FROM batch_deletions WHERE batch_id = $1', [id]);
          return left.rows.length;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(0);
    expect(await storedFileExists(stack.storage, storageKey)).toBe(false);
  });
});
