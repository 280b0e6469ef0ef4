import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreviewService } from '../../../src/services/previewService.js';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';

/**
 * POST /api/batches/{id}/preview (issue #21) takes the upload preview's slots: a stored file whose
 * bytes are still arriving from storage holds its user's one slot, so a second preview of that
 * user is a 429 with Retry-After, and the first answers once its file has come.
 */
describe('POST /api/batches/{id}/preview: the preview slots', () => {
  let t: TestApp;
  let owner: Record<string, string>;
  let batchId: string;
  const file = new PassThrough();
  beforeAll(async () => {
    t = await build({
      previewService: createPreviewService(
        {
          maxFileSize: 64 * 1024,
          maxRowsPerBatch: 10_000,
          maxUncompressedBytes: 50 * 1024 * 1024,
          defaultPhoneRegion: 'US',
          limits: { maxConcurrent: 2, maxPerUser: 1 },
        },
        undefined,
        undefined,
        {
          batches: { findForUser: (id, userId) => t.store.adapters.batchRepository.findForUser(id, userId) },
          storage: { get: () => Promise.resolve(file) },
        },
      ),
    });
    owner = bearer(await tokenFor('owner'));
    batchId = t.store.seedBatch({ userId: 'owner', status: 'loaded' }).id;
  });
  afterAll(async () => {
    await t.app.close();
  });

  const preview = () =>
    t.app.inject({ method: 'POST', url: `/api/batches/${batchId}/preview`, headers: owner, payload: {} });

  it('429 with Retry-After while the user’s preview of a stored file is in progress; 200 once it has its file', async () => {
    file.write('Name,Email\n');
    const first = preview();
    while (t.options.previewService.inProgress() !== 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const again = await preview();
    expect(again.statusCode, again.body).toBe(429);
    expect(again.headers['retry-after']).toBe('2');
    file.end('Ada,ada@example.com\n');
    const done = await first;
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().records).toHaveLength(1);
    expect(t.options.previewService.inProgress()).toBe(0);
  });
});
