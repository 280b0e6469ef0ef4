import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_EXAMPLE_CSV } from '../../../src/http/openApiContract.js';
import { bearer, build, multipart, tokenFor, type TestApp } from '../../support/buildTestApp.js';

/** The parts of the OpenAPI document these tests read. */
interface Doc {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        parameters?: Array<{ name: string; in: string; required: boolean; schema: { default?: unknown } }>;
        requestBody?: {
          required: boolean;
          content: Record<string, { schema: { required: string[]; properties: Record<string, unknown> } }>;
        };
        responses: Record<
          string,
          {
            content?: Record<string, unknown>;
            headers?: Record<string, unknown>;
            links?: Record<string, { operationId: string }>;
          }
        >;
      }
    >
  >;
}

const ID = '00000000-0000-4000-8000-000000000000';
const ID_ROUTES = [
  ['GET', `/api/batches/${ID}`],
  ['GET', `/api/batches/${ID}/status`],
  ['GET', `/api/batches/${ID}/records`],
  ['GET', `/api/batches/${ID}/errors.csv`],
  ['DELETE', `/api/batches/${ID}`],
  ['POST', `/api/batches/${ID}/retry`],
] as const;

describe('the HTTP contract', () => {
  let t: TestApp;
  let auth: { authorization: string };
  let doc: Doc;
  beforeAll(async () => {
    t = await build();
    auth = bearer(await tokenFor('contract-user'));
    doc = (await t.app.inject({ url: '/openapi.json' })).json<Doc>();
  });
  afterAll(async () => {
    await t.app.close();
  });

  const errorShape = (res: { json: () => unknown; headers: Record<string, unknown> }, code: string) =>
    expect(res.json()).toMatchObject({
      error: { code, message: expect.any(String) as unknown },
      requestId: res.headers['x-request-id'],
    });

  describe('undeclared methods on known paths answer 405 with Allow', () => {
    it.each([
      ['QUERY', `/api/batches/${ID}`, 'DELETE, GET'],
      ['QUERY', `/api/batches/${ID}/records`, 'GET'],
      ['TRACE', '/api/batches/stats', 'GET'],
      ['DELETE', '/api/batches/recent', 'GET'],
      ['GET', '/api/batches/upload', 'POST'],
      ['TRACE', '/api/batches', 'GET'],
      ['PUT', '/api/batches/upload', 'POST'],
      ['PATCH', `/api/batches/${ID}/retry`, 'POST'],
      ['OPTIONS', '/healthz', 'GET'],
      ['DELETE', '/openapi.json', 'GET'],
    ])('%s %s -> 405, Allow: %s', async (method, url, allow) => {
      const res = await t.app.inject({ method: method as 'GET', url, headers: auth });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe(allow);
      errorShape(res, 'method_not_allowed');
    });

    it('HEAD is undeclared too: 405, Allow: GET (a HEAD answer has no body to check)', async () => {
      const res = await t.app.inject({ method: 'HEAD', url: '/readyz' });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('GET');
    });

    it('still answers 404 for a path no route has', async () => {
      const res = await t.app.inject({ method: 'TRACE', url: '/api/nothing-here', headers: auth });
      expect(res.statusCode).toBe(404);
      expect(res.headers.allow).toBeUndefined();
    });
  });

  it.each(ID_ROUTES)('%s %s with a urn:uuid id is 400, never 500', async (method, url) => {
    const res = await t.app.inject({ method, url: url.replace(ID, `urn:uuid:${ID}`), headers: auth });
    expect(res.statusCode).toBe(400);
    errorShape(res, 'bad_request');
  });

  it('multipart/form-data without a boundary is 400', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/batches/upload',
      headers: { ...auth, 'content-type': 'multipart/form-data' },
      payload: 'abc',
    });
    expect(res.statusCode).toBe(400);
    errorShape(res, 'bad_request');
  });

  it('a path segment over the router limit is a documented 400 in the error shape, without the path', async () => {
    const long = 'x'.repeat(300);
    const res = await t.app.inject({ method: 'POST', url: `/api/batches/${long}/retry`, headers: auth });
    expect(res.statusCode).toBe(400);
    errorShape(res, 'bad_request');
    expect(res.json().error.message).toBe('a path segment is too long (at most 200 characters)');
    expect(res.body).not.toContain(long);
  });

  it('a part named without an extension takes its format from its Content-Type', async () => {
    const body = multipart([
      { name: 'file', filename: 'file', content: UPLOAD_EXAMPLE_CSV, type: 'text/csv' },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/batches/upload',
      headers: { ...auth, ...body.headers },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(201);
    const { id } = res.json<{ id: string }>();
    expect(t.store.state.batches.get(id)?.fileFormat).toBe('csv');
  });

  it('the list is answered at /api/batches and, undocumented, at /api/batches/', async () => {
    for (const url of ['/api/batches', '/api/batches/']) {
      expect((await t.app.inject({ url, headers: auth })).statusCode).toBe(200);
    }
    expect(Object.keys(doc.paths)).toContain('/api/batches');
    expect(Object.keys(doc.paths)).not.toContain('/api/batches/');
  });

  describe('the document', () => {
    it.each([
      ['/api/batches', 'page', 1],
      ['/api/batches', 'limit', 20],
      ['/api/batches/recent', 'limit', 10],
      ['/api/batches/{id}/records', 'limit', 100],
    ])('%s: %s has its default and is optional', (path, name, fallback) => {
      const param = doc.paths[path]?.get?.parameters?.find((p) => p.name === name);
      expect(param).toMatchObject({ in: 'query', required: false, schema: { default: fallback } });
    });

    it('declares the upload body as it is: required multipart with a binary "file"', () => {
      const body = doc.paths['/api/batches/upload']?.post?.requestBody;
      expect(body?.required).toBe(true);
      const schema = body?.content['multipart/form-data']?.schema;
      expect(schema?.required).toEqual(['file']);
      expect(schema?.properties.file).toMatchObject({ type: 'string', format: 'binary' });
    });

    it('documents errors.csv as text/csv on 200 and JSON on its errors', () => {
      const responses = doc.paths['/api/batches/{id}/errors.csv']?.get?.responses;
      expect(Object.keys(responses?.['200']?.content ?? {})).toEqual(['text/csv']);
      for (const status of ['400', '401', '404']) {
        expect(Object.keys(responses?.[status]?.content ?? {})).toEqual(['application/json']);
      }
    });

    it('links the upload to status, records, errors and delete', () => {
      const created = doc.paths['/api/batches/upload']?.post?.responses['201'];
      const targets = Object.values(created?.links ?? {}).map((l) => l.operationId);
      expect(targets).toEqual(
        expect.arrayContaining(['getBatchStatus', 'listRecords', 'getErrorsCsv', 'deleteBatch']),
      );
      const ids = new Set(
        Object.values(doc.paths)
          .flatMap((item) => Object.values(item))
          .map((o) => o.operationId),
      );
      for (const target of targets) {
        expect(ids).toContain(target);
      }
      expect(Object.keys(created?.headers ?? {})).toEqual(
        expect.arrayContaining(['Location', 'Idempotent-Replayed', 'X-Request-Id']),
      );
    });

    it('declares no HEAD, since HEAD answers 405', () => {
      const methods = Object.values(doc.paths).flatMap((item) => Object.keys(item));
      expect(methods).not.toContain('head');
    });
  });
});
