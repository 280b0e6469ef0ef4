import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRecord } from '../../../src/parsing/types.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';

/** A: Ada, and row 2 invalid (a bad e-mail, no name). */
const FILE_A = ['Name,Email,Phone', 'Ada Lovelace,ada@example.com,', ',ann(at)example.com,'].join('\n');
/** B, loaded after A: Bo, and row 2 invalid. */
const FILE_B = ['Name,Email,Phone', 'Bo Li,bo@example.com,', ',ada(at)example.com,'].join('\n');

type Seen = { batchId: string; row: number } | null;
type ApiRecord = ContactRecord & { seenIn: Seen };

/**
 * Issue #21: a fixed row is a record like any other for duplicates across batches. Its contact
 * is flagged and counted when an earlier batch loaded it, later batches see it as a first
 * sighting, and a second fix of the row takes back what the first one put in the index (the
 * count and the sightings). Both records stores.
 */
describe.each([
  { storage: 'local' as const, records: 'postgres' as const },
  { storage: 's3' as const, records: 'cassandra' as const },
])(
  'fixed rows in the contact index on $storage storage + $records records',
  ({ storage, records: store }) => {
    let stack: TestStack;
    let user: { id: string; token: string };
    let a: string;
    let b: string;

    async function upload(csv: string, name: string): Promise<string> {
      const up = await api(stack, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        headers: { 'idempotency-key': randomUUID() },
        body: uploadForm(csv, name),
      });
      expect(up.status, up.text).toBe(201);
      expect((await waitForStatus(stack, user.token, up.body.id as string)).status).toBe('loaded');
      return up.body.id as string;
    }

    async function fix(id: string, row: number, record: Partial<ContactRecord>) {
      const res = await api(stack, `/api/batches/${id}/fixes`, {
        method: 'POST',
        token: user.token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rows: [{ row, record }] }),
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.fixed).toBe(1);
    }

    async function seenByRow(id: string, query = '') {
      const res = await api(stack, `/api/batches/${id}/records${query}`, { token: user.token });
      expect(res.status, res.text).toBe(200);
      return (res.body.records as ApiRecord[]).map((r) => [r.rowNumber, r.seenIn]);
    }

    async function counts(id: string) {
      const res = await api(stack, `/api/batches/${id}`, { token: user.token });
      expect(res.status, res.text).toBe(200);
      const { recordsLoaded, invalidRows, knownContacts } = res.body as Record<string, number>;
      return { recordsLoaded, invalidRows, knownContacts };
    }

    beforeAll(async () => {
      stack = await startStack({ storage, records: store, worker: true });
      user = await newUser('fixed-known');
      a = await upload(FILE_A, 'a.csv');
      b = await upload(FILE_B, 'b.csv');
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('flags and counts a fixed row whose contact an earlier batch loaded; a second fix takes it back', async () => {
      expect(await counts(b)).toEqual({ recordsLoaded: 1, invalidRows: 1, knownContacts: 0 });

      await fix(b, 2, { fullName: 'Ada Again', email: 'ada@example.com' });
      expect(await counts(b)).toEqual({ recordsLoaded: 2, invalidRows: 0, knownContacts: 1 });
      expect(await seenByRow(b)).toEqual([
        [1, null],
        [2, { batchId: a, row: 1 }],
      ]);
      expect(await seenByRow(b, '?known=false')).toEqual([[1, null]]);

      // The same fix sent again (a client retrying) counts once.
      await fix(b, 2, { fullName: 'Ada Again', email: 'ada@example.com' });
      expect(await counts(b)).toEqual({ recordsLoaded: 2, invalidRows: 0, knownContacts: 1 });

      // Fixed again to a contact no earlier batch has: no longer known, and counted so.
      await fix(b, 2, { fullName: 'Zed Zhou', email: 'zed@example.com' });
      expect(await counts(b)).toEqual({ recordsLoaded: 2, invalidRows: 0, knownContacts: 0 });
      expect(await seenByRow(b)).toEqual([
        [1, null],
        [2, null],
      ]);
    });

    it("a fixed row is a first sighting for later batches, and a second fix removes the first one's", async () => {
      await fix(a, 2, { fullName: 'Ann Lee', email: 'ann@example.com' });
      expect(await counts(a)).toEqual({ recordsLoaded: 2, invalidRows: 0, knownContacts: 0 });

      const c = await upload(
        ['Name,Email,Phone', 'Ann Lee,ann@example.com,', 'Zed Zhou,zed@example.com,'].join('\n'),
        'c.csv',
      );
      expect(await seenByRow(c)).toEqual([
        [1, { batchId: a, row: 2 }],
        [2, { batchId: b, row: 2 }],
      ]);
      expect(await counts(c)).toEqual({ recordsLoaded: 2, invalidRows: 0, knownContacts: 2 });

      // A's row 2 fixed again to another address: ann@example.com is no longer A's, so C's Ann is
      // new (C's stored count is not recounted by a fix of another batch: its seenIn is live).
      await fix(a, 2, { fullName: 'Ann Lee', email: 'ann.lee@example.com' });
      expect(await seenByRow(c)).toEqual([
        [1, null],
        [2, { batchId: b, row: 2 }],
      ]);
    });
  },
);
