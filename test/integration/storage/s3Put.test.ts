import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createS3Storage, type S3StorageOptions } from '../../../src/storage/s3Storage.js';
import { buildStorageKey } from '../../../src/storage/storageKey.js';
import { storedFileExists } from '../../support/storedFile.js';

/**
 * The S3 adapter's write path against the real SeaweedFS: one buffered PutObject up to
 * `singlePutMaxBytes`, a multipart upload past it, nothing stored when the body fails, and at
 * most `maxConcurrentPuts` bodies buffered at once.
 */
function storage(extra: Partial<S3StorageOptions> = {}) {
  return createS3Storage({
    endpoint: process.env['SEAWEEDFS_ENDPOINT']!,
    accessKeyId: process.env['SEAWEEDFS_ACCESS_KEY']!,
    secretAccessKey: process.env['SEAWEEDFS_SECRET_KEY']!,
    bucket: process.env['SEAWEEDFS_BUCKET'] ?? 'templates',
    region: 'us-east-1',
    ...extra,
  });
}

const email = `s3put-${randomUUID()}@example.com`;
const key = (file: string) => buildStorageKey(email, randomUUID(), file);
const chunked = (data: Buffer, size = 65_536) =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size));

describe('S3 storage writes', () => {
  it('stores a body signed with the SHA-256 the caller computed, asking for it once', async () => {
    const s = storage();
    const data = Buffer.from('Name,Email\nAda,ada@example.com\n');
    const right = createHash('sha256').update(data).digest('hex');
    const k = key('hashed.csv');
    let asked = 0;
    await s.put(k, Readable.from([data]), {
      contentType: 'text/csv',
      sha256: () => {
        asked++;
        return right;
      },
    });
    expect(asked).toBe(1);
    expect((await buffer(await s.get(k))).equals(data)).toBe(true);
    await s.delete(k);
  });

  it('stores a body past singlePutMaxBytes through the multipart upload, byte for byte', async () => {
    const s = storage({ singlePutMaxBytes: 1024 * 1024 });
    const data = randomBytes(6 * 1024 * 1024 + 77); // more than one 5 MiB part
    const k = key('large.csv');
    await s.put(k, Readable.from(chunked(data)), { contentType: 'text/csv' });
    expect((await buffer(await s.get(k))).equals(data)).toBe(true);
    await s.delete(k);
  });

  it('stores nothing when the body fails, and reports the body its error', async () => {
    const s = storage();
    const k = key('broken.csv');
    const body = new PassThrough();
    body.write(randomBytes(300_000));
    setTimeout(() => body.destroy(new Error('client went away')), 50);
    await expect(s.put(k, body)).rejects.toThrow('client went away');
    expect(await storedFileExists(s, k)).toBe(false);
  });

  it('buffers at most maxConcurrentPuts bodies: the next put waits for a slot', async () => {
    const s = storage({ maxConcurrentPuts: 1 });
    const first = new PassThrough();
    const second = new PassThrough();
    const k1 = key('first.csv');
    const k2 = key('second.csv');
    const p1 = s.put(k1, first);
    const p2 = s.put(k2, second);
    second.end(Buffer.from('b,c\n'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The second body has ended, yet nothing was read from it: the only slot is taken.
    expect(second.readableLength).toBe(4);
    first.end(Buffer.from('a\n'));
    await Promise.all([p1, p2]);
    expect((await buffer(await s.get(k1))).toString()).toBe('a\n');
    expect((await buffer(await s.get(k2))).toString()).toBe('b,c\n');
    await Promise.all([s.delete(k1), s.delete(k2)]);
  });
});
