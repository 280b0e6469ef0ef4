import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreviewService } from '../../../src/services/previewService.js';
import { bearer, build, multipart, tokenFor, type TestApp } from '../../support/buildTestApp.js';

const CSV = 'Name,Email\nAda,ada@example.com\n';

/**
 * A preview whose upload is still arriving: its first bytes are sent, the rest waits for
 * `finish()`. It holds its preview slot until then.
 */
function slowPreview(t: TestApp, auth: Record<string, string>) {
  const body = multipart([{ name: 'file', filename: 'contacts.csv', content: CSV }]);
  const payload = new PassThrough();
  const cut = body.payload.indexOf('Ada');
  payload.write(body.payload.subarray(0, cut));
  const response = t.app.inject({
    method: 'POST',
    url: '/api/batches/preview',
    payload,
    headers: { ...auth, ...body.headers },
  });
  return {
    response,
    finish: () => payload.end(body.payload.subarray(cut)),
  };
}

function quickPreview(t: TestApp, auth: Record<string, string>) {
  const body = multipart([{ name: 'file', filename: 'contacts.csv', content: CSV }]);
  return t.app.inject({
    method: 'POST',
    url: '/api/batches/preview',
    payload: body.payload,
    headers: { ...auth, ...body.headers },
  });
}

/** Resolves once the service counts `n` previews in progress. */
async function inProgress(t: TestApp, n: number): Promise<void> {
  const service = t.options.previewService;
  while (service.inProgress() !== n) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('POST /api/batches/preview: previews in progress are capped per user and per process', () => {
  let t: TestApp;
  let ada: Record<string, string>;
  let bob: Record<string, string>;
  let cyd: Record<string, string>;
  beforeAll(async () => {
    t = await build({
      previewService: createPreviewService({
        maxFileSize: 64 * 1024,
        maxRowsPerBatch: 10_000,
        maxUncompressedBytes: 50 * 1024 * 1024,
        defaultPhoneRegion: 'US',
        limits: { maxConcurrent: 2, maxPerUser: 1 },
      }),
    });
    ada = bearer(await tokenFor('ada'));
    bob = bearer(await tokenFor('bob'));
    cyd = bearer(await tokenFor('cyd'));
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('answers 429 with Retry-After to a user with a preview in progress, 503 when the process is full', async () => {
    const first = slowPreview(t, ada);
    await inProgress(t, 1);
    const again = await quickPreview(t, ada);
    expect({
      status: again.statusCode,
      retryAfter: again.headers['retry-after'],
      body: again.json<unknown>(),
    }).toEqual({
      status: 429,
      retryAfter: '2',
      body: {
        error: {
          code: 'rate_limited',
          message: 'too many previews in progress for this user (1 at a time); wait for one to finish',
        },
        requestId: expect.any(String) as unknown,
      },
    });

    const second = slowPreview(t, bob);
    await inProgress(t, 2);
    const full = await quickPreview(t, cyd);
    expect({
      status: full.statusCode,
      retryAfter: full.headers['retry-after'],
      body: full.json<unknown>(),
    }).toEqual({
      status: 503,
      retryAfter: '2',
      body: {
        error: {
          code: 'previews_busy',
          message: 'the server is busy with other previews; retry in a few seconds',
        },
        requestId: expect.any(String) as unknown,
      },
    });

    first.finish();
    second.finish();
    expect((await first.response).statusCode).toBe(200);
    expect((await second.response).statusCode).toBe(200);
    // The slots are given back: the same users preview again.
    expect(t.options.previewService.inProgress()).toBe(0);
    expect((await quickPreview(t, ada)).statusCode).toBe(200);
    expect((await quickPreview(t, cyd)).statusCode).toBe(200);
  });
});
