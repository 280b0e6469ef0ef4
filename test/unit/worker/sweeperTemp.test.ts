import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createLocalStorage } from '../../../src/storage/localStorage.js';
import { createSweeper, type SweeperDeps } from '../../../src/worker/sweeper.js';
import { strictDouble } from '../../support/doubles/strictDouble.js';

/** Issue #14: a crash mid-upload leaves a `.tmp-*` file that nothing else ever removes. */
describe('sweeper: stale upload temp files', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'batchport-sweep-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('removes temp files older than the grace period and keeps younger ones', async () => {
    const folder = join(root, 'batches/ada@example.com-0a1b2c3d');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, '.tmp-crashed'), 'half an upload');
    await writeFile(join(folder, '.tmp-in-flight'), 'still arriving');
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(join(folder, '.tmp-crashed'), old, old);

    const metrics = createMetrics('worker');
    const deps: SweeperDeps = {
      batchRepository: strictDouble<SweeperDeps['batchRepository']>('batchRepository', {
        findStale: () => Promise.resolve([]),
        existingStorageKeys: () => Promise.resolve(new Set<string>()),
      }),
      batchDeletionRepository: strictDouble<SweeperDeps['batchDeletionRepository']>(
        'batchDeletionRepository',
        {
          pending: () => Promise.resolve([]),
        },
      ),
      storage: createLocalStorage(root),
      queue: strictDouble<SweeperDeps['queue']>('queue', { depth: () => Promise.resolve({}) }),
      cleanup: strictDouble<SweeperDeps['cleanup']>('cleanup', {}),
      metrics,
      logger: pino({ level: 'silent' }),
    };
    const report = await createSweeper(deps, { graceMs: 60_000 }).sweep();

    expect(report.tempFilesRemoved).toBe(1);
    expect(await readdir(folder)).toEqual(['.tmp-in-flight']);
    const counted = (await metrics.sweeperActions.get()).values.find(
      (v) => v.labels.action === 'temp_removed',
    );
    expect(counted?.value).toBe(1);
  });
});
