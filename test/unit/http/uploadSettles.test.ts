import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, build, multipart, tokenFor, type TestApp } from '../../support/buildTestApp.js';

const CSV = 'Name,Email\nAda Lovelace,ada@example.com\n';

/**
 * Issue #14: an upload must always settle. inject() hands the whole body over at once, so the
 * multipart parser has already destroyed a cut-off file part before the upload service looks at
 * it — exactly the case that used to leave the handler pending forever.
 */
describe('POST /api/batches/upload settles and stores only what it checked', () => {
  let t: TestApp;
  let headers: { authorization: string };
  beforeAll(async () => {
    t = await build();
    headers = bearer(await tokenFor('settler'));
  });
  afterAll(async () => {
    await t.app.close();
  });

  function post(payload: Buffer, contentType: string) {
    return t.app.inject({
      method: 'POST',
      url: '/api/batches/upload',
      payload,
      headers: { ...headers, 'content-type': contentType },
    });
  }

  function withoutClosingBoundary(content: string) {
    const body = multipart([{ name: 'file', filename: 'contacts.csv', content }]);
    const text = body.payload.toString('latin1');
    const cut = text.slice(0, text.lastIndexOf('\r\n--'));
    return { payload: Buffer.from(cut, 'latin1'), contentType: body.headers['content-type'] ?? '' };
  }

  it('answers 400 when the body lacks only its closing boundary, and stores nothing', async () => {
    const { payload, contentType } = withoutClosingBoundary(CSV);
    const res = await post(payload, contentType);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { code: string; message: string } }>().error).toEqual({
      code: 'bad_request',
      message: expect.stringMatching(/ended before the file was complete/) as unknown,
    });
    expect([...t.store.state.files.keys()]).toEqual([]);
    expect([...t.store.state.batches.values()].filter((b) => b.userId === 'settler')).toEqual([]);
  }, 5_000);

  it('stores the content type of the checked format, never the client part header', async () => {
    for (const clientType of ['image/png\u0001', 'text/caf\u00e9', 'text/html']) {
      const body = multipart([{ name: 'file', filename: 'contacts.csv', content: CSV, type: clientType }]);
      const res = await post(body.payload, body.headers['content-type'] ?? '');
      expect(res.statusCode, clientType).toBe(201);
      const batch = t.store.state.batches.get(res.json<{ id: string }>().id);
      expect(batch?.mimeType).toBe('text/csv');
      expect(t.store.state.contentTypes.get(batch?.storageKey ?? '')).toBe('text/csv');
    }
  });
});
