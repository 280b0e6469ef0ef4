import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, newUser, startStack, tokenFor, uploadForm, type TestStack } from '../../support/testStack.js';
import { userStorageSegment, userStoragePrefix } from '../../../src/storage/storageKey.js';

const MAX = 64 * 1024;
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64, 1)]);

/** A CSV of exactly `size` bytes. */
function csvOfSize(size: number): Buffer {
  const header = 'Name,Email\n';
  const body = Buffer.alloc(size - header.length, 'a');
  body[body.length - 1] = 0x0a;
  return Buffer.concat([Buffer.from(header), body]);
}

async function countRows(stack: TestStack, userId: string): Promise<number> {
  const { rows } = await stack.db.query<{ n: string }>(
    'SELECT count(*) AS n FROM batches WHERE user_id = $1',
    [userId],
  );
  return Number(rows[0]!.n);
}

async function countObjects(stack: TestStack, email: string): Promise<number> {
  let n = 0;
  for await (const _ of stack.storage.list(userStoragePrefix(email))) {
    n++;
  }
  return n;
}

describe.each(['local', 's3'] as const)('upload validation on %s storage', (storage) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ storage, records: 'postgres', env: { MAX_FILE_SIZE: String(MAX) } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function expectRejected(
    body: FormData | string,
    status: number,
    message: RegExp,
    headers: Record<string, string> = {},
  ): Promise<void> {
    const user = await newUser();
    const res = await api(stack, '/api/batches/upload', { method: 'POST', token: user.token, body, headers });
    expect(res.status, res.text).toBe(status);
    expect(res.body.error.message).toMatch(message);
    expect(res.body.requestId).toEqual(expect.any(String));
    // Nothing half-written: no row, no stored file.
    expect(await countRows(stack, user.id)).toBe(0);
    expect(await countObjects(stack, user.email)).toBe(0);
  }

  it('accepts a file of exactly MAX_FILE_SIZE and rejects one byte more with 413, storing nothing', async () => {
    const user = await newUser();
    const exact = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(csvOfSize(MAX), 'exact.csv'),
    });
    expect(exact.status).toBe(201);
    const row = await stack.batches.findById(exact.body.id);
    expect(row?.fileSize).toBe(MAX);
    await expectRejected(
      uploadForm(csvOfSize(MAX + 1), 'over.csv'),
      413,
      new RegExp(`limit of ${MAX} bytes`),
    );
    await expectRejected(uploadForm(csvOfSize(MAX * 4), 'way-over.csv'), 413, /limit/);
  });

  it('rejects a missing file, an empty file, two files, a wrong field name and extra fields with 400', async () => {
    await expectRejected(new FormData(), 400, /no file was sent|multipart/);
    await expectRejected(uploadForm('', 'empty.csv'), 400, /empty/);
    const two = uploadForm('Name\nA\n', 'a.csv');
    two.append('file', new Blob(['Name\nB\n']), 'b.csv');
    await expectRejected(two, 400, /exactly one file/);
    await expectRejected(uploadForm('Name\nA\n', 'a.csv', 'upload'), 400, /form field "file"/);
    const extra = uploadForm('Name\nA\n', 'a.csv');
    extra.append('comment', 'hello');
    await expectRejected(extra, 400, /unexpected form field "comment"/);
    const fieldFirst = new FormData();
    fieldFirst.append('comment', 'hello');
    fieldFirst.append('file', new Blob(['Name\nA\n']), 'a.csv');
    await expectRejected(fieldFirst, 400, /unexpected form field "comment"/);
    await expectRejected('{"file":"x"}', 400, /multipart/, { 'content-type': 'application/json' });
  });

  it('rejects disallowed extensions and content that does not match the extension', async () => {
    await expectRejected(uploadForm('hello', 'notes.pdf'), 400, /\.pdf is not allowed/);
    await expectRejected(uploadForm('hello', 'noext'), 400, /no extension/);
    await expectRejected(uploadForm(PNG, 'photo.csv'), 400, /PNG/);
    await expectRejected(uploadForm('Name,Email\nA,a@b.co\n', 'sheet.xlsx'), 400, /xlsx|zip|workbook/i);
    await expectRejected(uploadForm('Name,Email\nA,a@b.co\n', 'sheet.xls'), 400, /xls|workbook/i);
    await expectRejected(uploadForm(Buffer.from('Name\0Email\n'), 'nul.txt'), 400, /NUL|binary|text/i);
    await expectRejected(uploadForm('Name,Email\nA,a@b.co\n', 'card.vcf'), 400, /vCard|BEGIN:VCARD/i);
  });

  it('neutralises path traversal in file names', async () => {
    const user = await newUser();
    for (const name of [
      '../../etc/passwd.csv',
      '/etc/shadow.csv',
      '..\\..\\windows\\system.csv',
      'a'.repeat(600) + '.csv',
      'ﾠ．．／secret.csv',
      '.hidden.csv',
    ]) {
      const res = await api(stack, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm('Name,Email\nA,a@b.co\n', name),
      });
      expect(res.status, name).toBe(201);
      const row = await stack.batches.findById(res.body.id);
      const key = row!.storageKey;
      expect(key.startsWith(`${userStoragePrefix(user.email)}${res.body.id}-`), key).toBe(true);
      expect(key.split('/')).toHaveLength(3);
      expect(key).not.toContain('..');
      expect(key.length).toBeLessThan(400);
    }
    if (storage === 'local') {
      // Everything landed inside the storage root, in the user's own folder.
      // Besides the batches: the root's store id (src/storage/localStorage.ts), nothing else.
      expect((await readdir(stack.localDir)).sort()).toEqual(['.batchport-store-id', 'batches']);
      expect(await readdir(`${stack.localDir}/batches`)).toContain(userStorageSegment(user.email));
      expect(await readdir(`${stack.localDir}/${userStoragePrefix(user.email)}`)).toHaveLength(6);
    }
  });

  it('keeps a traversal attempt in the email claim inside the user folder, with the dots neutralised', async () => {
    // The claim is a syntactically valid email, so the token is accepted; the folder name is
    // what storageKey.ts makes of it: slashes become `_`, and each run of dots becomes one `_`.
    const token = await tokenFor({ sub: `evil-${randomUUID()}`, email: '../../evil@example.com' });
    const res = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token,
      body: uploadForm('Name,Email\nA,a@b.co\n', 'x.csv'),
    });
    expect(res.status, res.text).toBe(201);
    const id = res.body.id as string;
    const row = await stack.batches.findById(id);
    const folder = userStorageSegment('../../evil@example.com');
    expect(folder).toMatch(/^____evil@example\.com-[0-9a-f]{8}$/);
    expect(row!.storageKey).toBe(`batches/${folder}/${id}-x.csv`);
    const stored: string[] = [];
    for await (const o of stack.storage.list(`batches/${folder}/`)) {
      stored.push(o.key);
    }
    expect(stored.filter((key) => key.includes(id))).toEqual([row!.storageKey]);
    if (storage === 'local') {
      // Nothing next to the storage root, where `batches/../../evil@example.com` would point.
      // Besides the batches: the root's store id (src/storage/localStorage.ts), nothing else.
      expect((await readdir(stack.localDir)).sort()).toEqual(['.batchport-store-id', 'batches']);
      expect(existsSync(join(stack.localDir, '..', 'evil@example.com'))).toBe(false);
      expect(await readdir(join(stack.localDir, 'batches'))).toContain(folder);
    }
  });

  it('returns the same batch for a repeated Idempotency-Key and 409 when the file differs', async () => {
    const user = await newUser();
    const send = (content: string) =>
      api(stack, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm(content, 'same.csv'),
        headers: { 'idempotency-key': 'key-1' },
      });
    const first = await send('Name,Email\nA,a@b.co\n');
    const second = await send('Name,Email\nA,a@b.co\n');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const different = await send('Name,Email\nB,b@b.co\n');
    expect(different.status).toBe(409);
    expect(await countRows(stack, user.id)).toBe(1);
    expect(await countObjects(stack, user.email)).toBe(1);
    // The key is per user: another user with the same key gets a batch of their own.
    const other = await newUser();
    const theirs = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: other.token,
      body: uploadForm('Name,Email\nA,a@b.co\n', 'same.csv'),
      headers: { 'idempotency-key': 'key-1' },
    });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
    await expectRejected(uploadForm('Name\nA\n', 'a.csv'), 400, /idempotency-key must match pattern/, {
      'idempotency-key': 'bad key',
    });
  });

  it('handles 20 concurrent uploads, each stored once with its own id', async () => {
    const user = await newUser();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(stack, '/api/batches/upload', {
          method: 'POST',
          token: user.token,
          body: uploadForm(`Name,Email\nPerson ${i},p${i}@example.com\n`, 'same-name.csv'),
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(20);
    expect(await countRows(stack, user.id)).toBe(20);
    expect(await countObjects(stack, user.email)).toBe(20);
  });

  it('answers 429 with Retry-After once a user exceeds the upload rate limit', async () => {
    const limited = await startStack({
      storage,
      records: 'postgres',
      env: { UPLOAD_RATE_LIMIT_PER_MINUTE: '2' },
    });
    try {
      const user = await newUser();
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 3; i++) {
        last = await api(limited, '/api/batches/upload', {
          method: 'POST',
          token: user.token,
          body: uploadForm('Name\nA\n', 'a.csv'),
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([201, 201, 429]);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last?.body.error.code).toBe('rate_limited');
      // Another user is not affected.
      const other = await newUser();
      const ok = await api(limited, '/api/batches/upload', {
        method: 'POST',
        token: other.token,
        body: uploadForm('Name\nA\n', 'a.csv'),
      });
      expect(ok.status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});
