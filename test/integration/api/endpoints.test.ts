import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedFileExists } from '../../support/storedFile.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';
import { countRecords } from '../../support/recordsCount.js';
import { userStoragePrefix } from '../../../src/storage/storageKey.js';

const CSV = [
  'First Name,Last Name,E-mail Address,Mobile Phone,Company',
  'José,Müller,jose@Example.COM,+49 151 12345678,ACME GmbH',
  'Anna,Smith,anna@example.com,(415) 555-0100,',
  ',,,,',
  ',,not-an-email,,',
].join('\r\n');

describe.each([
  { storage: 'local' as const, records: 'postgres' as const },
  { storage: 's3' as const, records: 'cassandra' as const },
])('batch endpoints on $storage storage + $records records', ({ storage, records }) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage, records, worker: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('uploads, processes and reports a batch through every endpoint', async () => {
    const user = await newUser();
    const upload = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(CSV, 'contacts.csv'),
    });
    expect(upload.status).toBe(201);
    expect(upload.body).toEqual({
      id: expect.any(String),
      status: 'uploaded',
      version: 1,
      message: expect.any(String),
      mappingSource: 'synonyms',
    });
    expect(upload.headers.get('location')).toBe(`/api/batches/${upload.body.id}`);
    const id: string = upload.body.id;

    // The file is stored under the user's prefix with the batch id in its name.
    const row = await stack.batches.findById(id);
    expect(row?.storageKey).toBe(`${userStoragePrefix(user.email)}${id}-contacts.csv`);
    expect(await storedFileExists(stack.storage, row!.storageKey)).toBe(true);
    expect(row?.sha256).toMatch(/^[0-9a-f]{64}$/);

    const status = await waitForStatus(stack, user.token, id);
    expect(status).toEqual({
      id,
      status: 'loaded',
      // uploaded (1), then at least parsing, parsed and loaded: each write bumps it.
      version: expect.any(Number),
      progress: 100,
      rowsRead: 3,
      recordsLoaded: 2,
      invalidRows: 1,
      knownContacts: 0,
    });

    const list = await api(stack, '/api/batches?status=loaded&page=1&limit=10', { token: user.token });
    expect(status.version).toBeGreaterThanOrEqual(4);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.page).toBe(1);
    expect(list.body.limit).toBe(10);
    expect(list.body.batches[0]).toMatchObject({
      id,
      fileName: 'contacts.csv',
      status: 'loaded',
      fileSize: Buffer.byteLength(CSV),
    });

    const empty = await api(stack, '/api/batches?status=error', { token: user.token });
    expect(empty.body).toEqual({ batches: [], total: 0, page: 1, limit: 20 });

    const stats = await api(stack, '/api/batches/stats', { token: user.token });
    expect(stats.body).toEqual({ total: 1, uploaded: 0, parsing: 0, parsed: 0, loaded: 1, error: 0 });

    const recent = await api(stack, '/api/batches/recent?limit=5', { token: user.token });
    expect(recent.body).toEqual([
      {
        id,
        fileName: 'contacts.csv',
        fileSize: expect.any(Number),
        status: 'loaded',
        version: status.version,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);

    const recordsPage = await api(stack, `/api/batches/${id}/records?limit=1`, { token: user.token });
    expect(recordsPage.status).toBe(200);
    expect(recordsPage.body.records).toHaveLength(1);
    expect(recordsPage.body.records[0]).toMatchObject({
      rowNumber: 1,
      firstName: 'José',
      lastName: 'Müller',
      email: 'jose@example.com',
      phone: '+4915112345678',
      company: 'ACME GmbH',
    });
    const next = await api(
      stack,
      `/api/batches/${id}/records?limit=1&cursor=${recordsPage.body.nextCursor}`,
      {
        token: user.token,
      },
    );
    expect(next.body.records[0]).toMatchObject({
      rowNumber: 2,
      email: 'anna@example.com',
      phone: '+14155550100',
    });

    const errorsCsv = await api(stack, `/api/batches/${id}/errors.csv`, { token: user.token });
    expect(errorsCsv.status).toBe(200);
    expect(errorsCsv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = errorsCsv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^row,reason,/);
    expect(lines[1]).toMatch(/^4,/);

    const del = await api(stack, `/api/batches/${id}`, { method: 'DELETE', token: user.token });
    expect(del.status).toBe(204);
    // The file and records go in the background, right after the answer.
    await expect.poll(() => storedFileExists(stack.storage, row!.storageKey)).toBe(false);
    await expect.poll(() => countRecords(stack.records, id)).toEqual({ records: 0, invalidRows: 0 });
    expect(await stack.batches.findById(id)).toBeNull();
    const again = await api(stack, `/api/batches/${id}`, { method: 'DELETE', token: user.token });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
  });

  it('retries a failed batch and refuses to retry any other status', async () => {
    const user = await newUser();
    const upload = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm('Name,Email\n', 'header-only.csv'),
    });
    expect(upload.status).toBe(201);
    const failed = await waitForStatus(stack, user.token, upload.body.id);
    expect(failed.status).toBe('error');
    expect(failed.errorMessage).toMatch(/no contacts found/);

    const retry = await api(stack, `/api/batches/${upload.body.id}/retry`, {
      method: 'POST',
      token: user.token,
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({
      id: upload.body.id,
      status: 'uploaded',
      version: (failed.version as number) + 1,
      message: expect.any(String),
    });
    const failedAgain = await waitForStatus(stack, user.token, upload.body.id);
    expect(failedAgain.status).toBe('error');
    // Each write of the second attempt (parsing, error) is newer than the retry's answer.
    expect(failedAgain.version as number).toBeGreaterThan((retry.body.version as number) + 1);

    const good = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(CSV, 'good.csv'),
    });
    await waitForStatus(stack, user.token, good.body.id);
    const conflict = await api(stack, `/api/batches/${good.body.id}/retry`, {
      method: 'POST',
      token: user.token,
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.message).toMatch(/only batches in status "error"/);
  });

  it('pages the list newest first and validates paging parameters', async () => {
    const user = await newUser();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api(stack, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm(CSV, `file-${i}.csv`),
      });
      ids.push(res.body.id);
    }
    const page1 = await api(stack, '/api/batches?page=1&limit=2', { token: user.token });
    const page2 = await api(stack, '/api/batches?page=2&limit=2', { token: user.token });
    expect(page1.body.total).toBe(3);
    expect(page1.body.batches.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    expect(page2.body.batches.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
    const past = await api(stack, '/api/batches?page=9&limit=2', { token: user.token });
    expect(past.body).toMatchObject({ batches: [], total: 3, page: 9 });

    for (const bad of ['page=0', 'limit=0', 'limit=101', 'status=done', 'page=abc', 'limit=1.5', 'foo=1']) {
      const res = await api(stack, `/api/batches?${bad}`, { token: user.token });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code, bad).toBe('bad_request');
      expect(res.body.requestId, bad).toEqual(expect.any(String));
    }
    for (const bad of ['limit=0', 'limit=51', 'limit=x']) {
      const res = await api(stack, `/api/batches/recent?${bad}`, { token: user.token });
      expect(res.status, bad).toBe(400);
    }
    const recentDefault = await api(stack, '/api/batches/recent', { token: user.token });
    expect(recentDefault.body).toHaveLength(3);
  });

  it('never lets another user see or touch a batch (404 on every id route)', async () => {
    const owner = await newUser('owner');
    const other = await newUser('other');
    const upload = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: owner.token,
      body: uploadForm(CSV, 'mine.csv'),
    });
    const id = upload.body.id as string;
    for (const [method, path] of [
      ['GET', `/api/batches/${id}`],
      ['GET', `/api/batches/${id}/status`],
      ['GET', `/api/batches/${id}/records`],
      ['GET', `/api/batches/${id}/errors.csv`],
      ['POST', `/api/batches/${id}/retry`],
      ['DELETE', `/api/batches/${id}`],
    ] as const) {
      const res = await api(stack, path, { method, token: other.token });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await api(stack, '/api/batches', { token: other.token })).body.total).toBe(0);
    expect((await api(stack, '/api/batches/stats', { token: other.token })).body.total).toBe(0);
    expect((await api(stack, `/api/batches/${id}/status`, { token: owner.token })).status).toBe(200);
  });

  it('answers 400 or 404 for malformed and unknown ids, never 500', async () => {
    const user = await newUser();
    for (const path of [
      '/api/batches/not-a-uuid/status',
      '/api/batches/123',
      "/api/batches/'%20OR%201=1/status",
    ]) {
      const res = await api(stack, path, { token: user.token });
      expect(res.status, path).toBe(400);
    }
    const unknown = await api(stack, '/api/batches/00000000-0000-4000-8000-000000000000/status', {
      token: user.token,
    });
    expect(unknown.status).toBe(404);
    // A cursor outside its declared form is refused by the route schema, like a malformed id,
    // whoever owns the batch; a well-formed one on an unknown batch is that batch's 404.
    const unknownRecords = '/api/batches/00000000-0000-4000-8000-000000000000/records';
    expect((await api(stack, `${unknownRecords}?cursor=zzz`, { token: user.token })).status).toBe(400);
    expect((await api(stack, `${unknownRecords}?cursor=AAAAAA`, { token: user.token })).status).toBe(404);
  });
});
