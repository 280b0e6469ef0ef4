import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';

const CSV = [
  'Name,Firm,Town,Phone',
  'Ada Lovelace,Analytical Ltd,London,030 1234567',
  'Alan Turing,Bletchley,Manchester,',
].join('\n');

/**
 * Issue #21, the preview before a re-read, on the real stack: the stored file is read back from
 * SeaweedFS (S3) in the API's preview pool with a changed mapping, and the records come out mapped
 * the new way, while the batch and its records stay as they were.
 */
describe('preview of a stored file on s3 storage', () => {
  let stack: TestStack;
  let user: { id: string; token: string };
  let id: string;

  beforeAll(async () => {
    stack = await startStack({ storage: 's3', records: 'postgres', worker: true });
    user = await newUser('stored-preview');
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(CSV, 'contacts.csv'),
    });
    expect(up.status, up.text).toBe(201);
    id = up.body.id as string;
    expect(await waitForStatus(stack, user.token, id)).toMatchObject({ status: 'loaded' });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const preview = (body: unknown, token = user.token) =>
    api(stack, `/api/batches/${id}/preview`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers the records mapped with the changed mapping and region; the batch is unchanged', async () => {
    const before = await api(stack, `/api/batches/${id}`, { token: user.token });
    const res = await preview({
      mapping: { Name: 'fullName', Firm: 'city', Town: 'company', Phone: 'phone' },
      phoneRegion: 'DE',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      format: 'csv',
      headerRow: ['Name', 'Firm', 'Town', 'Phone'],
      mappingSource: 'request',
      phoneRegion: 'DE',
      unmappedColumns: [],
    });
    expect(
      res.body.records.map((r: { row: number; record: Record<string, unknown> }) => [
        r.row,
        r.record['fullName'],
        r.record['company'],
        r.record['city'],
        r.record['phone'],
      ]),
    ).toEqual([
      [1, 'Ada Lovelace', 'London', 'Analytical Ltd', '+49301234567'],
      [2, 'Alan Turing', 'Manchester', 'Bletchley', null],
    ]);
    const after = await api(stack, `/api/batches/${id}`, { token: user.token });
    expect(after.body).toEqual(before.body);
  });

  it('404 for another user, 400 for a mapping naming one field twice', async () => {
    const other = await newUser('stored-preview-other');
    expect((await preview({}, other.token)).status).toBe(404);
    const twice = await preview({ mapping: { Firm: 'company', Town: 'company' } });
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toMatch(/maps both "Firm" and "Town" to company/);
  });
});
