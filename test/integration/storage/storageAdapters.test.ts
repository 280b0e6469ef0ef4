import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../../src/errors.js';
import { createLocalStorage } from '../../../src/storage/localStorage.js';
import { createS3Storage } from '../../../src/storage/s3Storage.js';
import { buildStorageKey, userStoragePrefix } from '../../../src/storage/storageKey.js';
import type { FileStorage } from '../../../src/storage/fileStorage.js';
import { storedFileExists } from '../../support/storedFile.js';

let localRoot: string;

const adapters: Array<[string, () => FileStorage]> = [
  ['local disk', () => createLocalStorage(localRoot)],
  [
    'SeaweedFS (S3)',
    () =>
      createS3Storage({
        endpoint: process.env['SEAWEEDFS_ENDPOINT']!,
        accessKeyId: process.env['SEAWEEDFS_ACCESS_KEY']!,
        secretAccessKey: process.env['SEAWEEDFS_SECRET_KEY']!,
        bucket: process.env['SEAWEEDFS_BUCKET'] ?? 'templates',
        region: 'us-east-1',
      }),
  ],
];

beforeAll(async () => {
  localRoot = await mkdtemp(join(tmpdir(), 'batchport-storage-'));
});
afterAll(async () => {
  await rm(localRoot, { recursive: true, force: true });
});

describe.each(adapters)('%s storage adapter', (_name, make) => {
  const email = `storage-${randomUUID()}@example.com`;
  const key = (file: string) => buildStorageKey(email, randomUUID(), file);

  it('round-trips a streamed file byte for byte (multi-part sized)', async () => {
    const storage = make();
    const data = randomBytes(7 * 1024 * 1024 + 123);
    const k = key('big.csv');
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) =>
      data.subarray(i * 65536, (i + 1) * 65536),
    );
    await storage.put(k, Readable.from(chunks), { contentType: 'text/csv' });
    expect(await storedFileExists(storage, k)).toBe(true);
    const back = await buffer(await storage.get(k));
    expect(back.equals(data)).toBe(true);
    await storage.delete(k);
    expect(await storedFileExists(storage, k)).toBe(false);
  });

  it('reports a missing key as NotFoundError and deletes idempotently', async () => {
    const storage = make();
    const k = key('missing.csv');
    await expect(storage.get(k)).rejects.toBeInstanceOf(NotFoundError);
    expect(await storedFileExists(storage, k)).toBe(false);
    await expect(storage.delete(k)).resolves.toBeUndefined();
  });

  it('leaves nothing behind when the source stream fails mid-way', async () => {
    const storage = make();
    const k = key('broken.csv');
    async function* failing() {
      yield Buffer.alloc(6 * 1024 * 1024, 'a');
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('client went away');
    }
    await expect(storage.put(k, Readable.from(failing()))).rejects.toThrow(/client went away/);
    expect(await storedFileExists(storage, k)).toBe(false);
    const listed: string[] = [];
    for await (const o of storage.list(userStoragePrefix(email))) {
      listed.push(o.key);
    }
    expect(listed.filter((x) => x === k)).toEqual([]);
  });

  it('lists in key order and resumes after a given key', async () => {
    const storage = make();
    const prefix = `batches/order-${randomUUID()}@example.com/`;
    const keys = ['a', 'b', 'c', 'd'].map((c) => `${prefix}00000000-0000-4000-8000-00000000000${c}-x.csv`);
    for (const k of [...keys].reverse()) {
      await storage.put(k, Readable.from([Buffer.from(k)]));
    }
    const all: string[] = [];
    for await (const o of storage.list(prefix)) {
      all.push(o.key);
    }
    expect(all).toEqual(keys);
    const after: string[] = [];
    for await (const o of storage.list(prefix, keys[1])) {
      after.push(o.key);
    }
    expect(after).toEqual(keys.slice(2));
    for (const k of keys) {
      await storage.delete(k);
    }
  });

  it('lists objects under a prefix', async () => {
    const storage = make();
    const k1 = key('one.csv');
    const k2 = key('two.csv');
    await storage.put(k1, Readable.from([Buffer.from('1')]));
    await storage.put(k2, Readable.from([Buffer.from('2')]));
    const listed: string[] = [];
    for await (const o of storage.list(userStoragePrefix(email))) {
      listed.push(o.key);
      expect(o.lastModified).toBeInstanceOf(Date);
    }
    expect(listed).toEqual(expect.arrayContaining([k1, k2]));
    await storage.delete(k1);
    await storage.delete(k2);
  });

  it.each([
    '../outside.csv',
    'batches/../../etc/passwd',
    '/etc/passwd',
    'batches/a/../../b',
    'batches\\..\\x',
  ])('refuses the unsafe key %j on every operation', async (bad) => {
    const storage = make();
    await expect(storage.put(bad, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(ValidationError);
    await expect(storage.get(bad)).rejects.toBeInstanceOf(ValidationError);
    await expect(storage.delete(bad)).rejects.toBeInstanceOf(ValidationError);
  });

  it('answers ping when reachable', async () => {
    await expect(make().ping()).resolves.toBeUndefined();
  });
});

describe('local storage layout', () => {
  it('writes only below its root, with no temp files left', async () => {
    const storage = createLocalStorage(localRoot);
    const k = buildStorageKey('layout@example.com', randomUUID(), '../../x.csv');
    await storage.put(k, Readable.from([Buffer.from('Name\nA\n')]));
    const entries = await readdir(join(localRoot, userStoragePrefix('layout@example.com')));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(/-x\.csv$/);
  });

  it('reports an unreachable S3 endpoint as unavailable, quickly', async () => {
    const storage = createS3Storage({
      endpoint: 'http://127.0.0.1:9',
      accessKeyId: 'a',
      secretAccessKey: 'b',
      bucket: 'templates',
      region: 'us-east-1',
      requestTimeoutMs: 2000,
    });
    const started = Date.now();
    await expect(storage.ping()).rejects.toThrow(/unavailable/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
