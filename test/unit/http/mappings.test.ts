import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, build, multipart, tokenFor, type TestApp } from '../../support/buildTestApp.js';

type Part = Parameters<typeof multipart>[0][number];

/** Headers the synonyms do not know: only a mapping reads this file. */
const FIRST = 'Kundenname,Kontakt,Ruf\nAda Lovelace,ada@example.com,+44 20 7946 0000\n';
const REORDERED = 'Ruf,KONTAKT,Kundenname\n+44 20 7946 0001,bo@example.com,Bo Li\n';
const MAPPING = JSON.stringify({ Kundenname: 'fullName', Kontakt: 'email', Ruf: 'phone' });

const file = (content: string): Part => ({ name: 'file', filename: 'kunden.csv', content });
const field = (name: string, content: string): Part => ({ name, content });

/** /api/mappings and remembered mappings through the HTTP layer, over in-memory adapters. */
describe('remembered mappings: routes', () => {
  let t: TestApp;
  let alice: { authorization: string };
  let bob: { authorization: string };
  beforeAll(async () => {
    t = await build();
    alice = bearer(await tokenFor('alice-mappings'));
    bob = bearer(await tokenFor('bob-mappings'));
  });
  afterAll(async () => {
    await t.app.close();
  });

  function post(path: 'upload' | 'preview', parts: Part[], auth: Record<string, string>) {
    const body = multipart(parts);
    return t.app.inject({
      method: 'POST',
      url: `/api/batches/${path}`,
      payload: body.payload,
      headers: { ...auth, ...body.headers },
    });
  }
  const list = (auth: Record<string, string>, query = '') =>
    t.app.inject({ url: `/api/mappings${query}`, headers: auth });

  it('answers 401 without a token on both routes', async () => {
    expect((await t.app.inject({ url: '/api/mappings' })).statusCode).toBe(401);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/mappings/${randomUUID()}` });
    expect(del.statusCode).toBe(401);
    expect(del.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it.each(['?limit=0', '?limit=101', '?cursor=', '?other=1'])(
    'GET /api/mappings%s is a 400',
    async (query) => {
      const res = await list(alice, query);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'bad_request' } });
    },
  );

  it('a forged cursor is a 400; a malformed id on DELETE is a 400; an unknown id a 404', async () => {
    expect((await list(alice, '?cursor=bm90LWEtY3Vyc29y')).statusCode).toBe(400);
    expect(
      (await t.app.inject({ method: 'DELETE', url: '/api/mappings/nope', headers: alice })).statusCode,
    ).toBe(400);
    const unknown = await t.app.inject({
      method: 'DELETE',
      url: `/api/mappings/${randomUUID()}`,
      headers: alice,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('rememberMapping other than true/false is a 400 naming it', async () => {
    const res = await post(
      'upload',
      [field('mapping', MAPPING), field('rememberMapping', 'yes'), file(FIRST)],
      alice,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { message: expect.stringMatching(/rememberMapping/) as unknown },
    });
  });

  it('rememberMapping=false keeps nothing; by default the upload remembers it, for its owner only', async () => {
    const kept = await post(
      'upload',
      [field('mapping', MAPPING), field('rememberMapping', 'false'), file(FIRST)],
      alice,
    );
    expect(kept.statusCode, kept.body).toBe(201);
    expect(kept.json()).toMatchObject({ mappingSource: 'request' });
    expect((await list(alice)).json()).toEqual({ mappings: [], nextCursor: null });

    const res = await post('upload', [field('mapping', MAPPING), file(FIRST)], alice);
    expect(res.statusCode, res.body).toBe(201);
    const page = (await list(alice)).json<{ mappings: Array<{ id: string; headers: string[] }> }>();
    expect(page.mappings).toEqual([
      {
        id: expect.any(String) as unknown,
        headers: ['Kundenname', 'Kontakt', 'Ruf'],
        mapping: { Kundenname: 'fullName', Kontakt: 'email', Ruf: 'phone' },
        createdAt: expect.any(String) as unknown,
        lastUsedAt: expect.any(String) as unknown,
      },
    ]);
    const id = page.mappings[0]!.id;

    // Bob neither sees it, nor can delete it, nor is read with it.
    expect((await list(bob)).json()).toEqual({ mappings: [], nextCursor: null });
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/mappings/${id}`, headers: bob })).statusCode,
    ).toBe(404);
    const bobs = await post('preview', [file(REORDERED)], bob);
    expect(bobs.statusCode).toBe(400); // the synonyms find no name, e-mail or phone column

    // Alice's next file with the same headers in another order and case is read with it.
    const preview = await post('preview', [file(REORDERED)], alice);
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json()).toMatchObject({
      mappingSource: 'saved',
      savedMappingId: id,
      mapping: { Ruf: 'phone', KONTAKT: 'email', Kundenname: 'fullName' },
      records: [{ record: { fullName: 'Bo Li', email: 'bo@example.com' } }],
    });
    const second = await post('upload', [file(REORDERED)], alice);
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json()).toMatchObject({ mappingSource: 'saved' });
    const batch = await t.app.inject({
      url: `/api/batches/${second.json<{ id: string }>().id}`,
      headers: alice,
    });
    expect(batch.json()).toMatchObject({
      mappingSource: 'saved',
      mapping: { Ruf: 'phone', KONTAKT: 'email', Kundenname: 'fullName' },
    });

    // Deleted: gone from the list, and the next upload is read by the synonyms.
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/mappings/${id}`, headers: alice })).statusCode,
    ).toBe(204);
    expect((await list(alice)).json()).toEqual({ mappings: [], nextCursor: null });
    const after = await post('upload', [file('Name,Email\nCy,cy@example.com\n')], alice);
    expect(after.json()).toMatchObject({ mappingSource: 'synonyms' });
  });

  it('a preview remembers its mapping only when asked (rememberMapping=true)', async () => {
    const user = bearer(await tokenFor('carol-mappings'));
    const plain = await post('preview', [field('mapping', MAPPING), file(FIRST)], user);
    expect(plain.json()).toMatchObject({ mappingSource: 'request', savedMappingId: null });
    expect((await list(user)).json()).toEqual({ mappings: [], nextCursor: null });
    const asked = await post(
      'preview',
      [field('mapping', MAPPING), field('rememberMapping', 'true'), file(FIRST)],
      user,
    );
    const page = (await list(user)).json<{ mappings: Array<{ id: string }> }>();
    expect(page.mappings).toHaveLength(1);
    expect(asked.json()).toMatchObject({ mappingSource: 'request', savedMappingId: page.mappings[0]!.id });
  });
});
