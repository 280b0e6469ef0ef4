import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readdir, readlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userStoragePrefix } from '../../../src/storage/storageKey.js';
import { newUser, startStack, type TestStack } from '../../support/testStack.js';

/**
 * Issue #14: every upload settles. Raw sockets, because fetch cannot send a multipart body
 * without its closing boundary nor hang up in the middle of one.
 */

const REQUEST_TIMEOUT_MS = 10_000;
const BOUNDARY = 'settle-boundary';
const CSV = 'Name,Email\nAda Lovelace,ada@example.com\n';

function head(token: string, contentLength: number): string {
  return (
    `POST /api/batches/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${contentLength}\r\n` +
    `Connection: close\r\n\r\n`
  );
}

function partStart(filename: string, contentType = 'text/csv'): string {
  return (
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
    `Content-Type: ${contentType}\r\n\r\n`
  );
}

/** Sends `raw`, then resolves with whatever the server answers before it closes (or `waitMs`). */
function exchange(port: number, raw: string, waitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, waitMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', reject);
    // write, not end: a half-closed socket would look like a client that hung up.
    socket.write(raw, 'latin1');
  });
}

/** Sends the headers and part of the body, then hangs up without a word. */
function hangUpMidBody(port: number, raw: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', reject);
    socket.write(raw, () => {
      // Give the server the time to start the upload before the hang-up.
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 300);
    });
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Open file descriptors of this process (the API runs in it) that point into `dir`. */
async function openFilesUnder(dir: string): Promise<string[]> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((t) => t.startsWith(dir));
}

async function eventually(check: () => Promise<void>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe.each(['local', 's3'] as const)('uploads settle on %s storage', (storage) => {
  let stack: TestStack;
  let port: number;
  /** Keys the upload service removed after a failed write: the failure path really ran. */
  const cleanedUp: string[] = [];
  beforeAll(async () => {
    stack = await startStack({
      storage,
      records: 'postgres',
      env: { HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
    });
    port = Number(new URL(stack.baseUrl).port);
    // A spy that calls through to the real adapter (the service holds this same object).
    const realDelete = stack.storage.delete.bind(stack.storage);
    Object.assign(stack.storage, {
      delete: async (key: string) => {
        cleanedUp.push(key);
        await realDelete(key);
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function expectNothingLeft(user: { id: string; email: string }): Promise<void> {
    const { rows } = await stack.db.query('SELECT id FROM batches WHERE user_id = $1', [user.id]);
    expect(rows).toEqual([]);
    const objects: string[] = [];
    for await (const o of stack.storage.list(userStoragePrefix(user.email))) {
      objects.push(o.key);
    }
    expect(objects).toEqual([]);
    if (storage === 'local') {
      // No file at all, temp files included (list() does not show `.tmp-*`), and none held open.
      expect(await filesUnder(stack.localDir)).toEqual([]);
      expect(await openFilesUnder(stack.localDir)).toEqual([]);
    }
  }

  it('answers 400 promptly to a body that lacks only its closing boundary, leaving nothing', async () => {
    const user = await newUser('noclose');
    const body = `${partStart('contacts.csv')}${CSV}`;
    const started = Date.now();
    const answer = await exchange(port, head(user.token, Buffer.byteLength(body)) + body, 3_000);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).toMatch(/ended before the file was complete/);
    // Far inside the request timeout: the answer came from the upload, not from a timer.
    expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS / 2);
    await expectNothingLeft(user);
  });

  it('settles and cleans up when the client hangs up in the middle of the file', async () => {
    const user = await newUser('hangup');
    const before = cleanedUp.length;
    const partial = `${partStart('contacts.csv')}${CSV}${'Bob,bob@example.com\n'.repeat(200)}`;
    await hangUpMidBody(port, head(user.token, Buffer.byteLength(partial) + 100_000) + partial);
    await eventually(async () => {
      const mine = cleanedUp.slice(before).filter((key) => key.startsWith(userStoragePrefix(user.email)));
      expect(mine).toHaveLength(1);
      await expectNothingLeft(user);
    });
  });

  /** The content type the object was stored with (local disk keeps none). */
  async function storedContentType(key: string): Promise<string | undefined> {
    const s3 = stack.config.storage;
    if (s3.kind !== 's3') {
      return undefined;
    }
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    try {
      return (await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))).ContentType;
    } finally {
      client.destroy();
    }
  }

  it.each([
    ['a control byte', 'text/csv\u0001'],
    ['a latin-1 byte', 'text/caf\u00e9'],
  ])('stores the checked type, not a part Content-Type with %s (no fake outage)', async (_what, type) => {
    const user = await newUser('ctype');
    const body = `${partStart('contacts.csv', type)}${CSV}\r\n--${BOUNDARY}--\r\n`;
    const answer = await exchange(port, head(user.token, Buffer.byteLength(body, 'latin1')) + body, 5_000);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 201 Created');
    const { rows } = await stack.db.query<{ storage_key: string; mime_type: string }>(
      'SELECT storage_key, mime_type FROM batches WHERE user_id = $1',
      [user.id],
    );
    expect(rows.map((r) => r.mime_type)).toEqual(['text/csv']);
    expect(await storedContentType(rows[0]!.storage_key)).toBe(storage === 's3' ? 'text/csv' : undefined);
  });
});
