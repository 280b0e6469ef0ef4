import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Storage } from '../../../src/storage/s3Storage.js';
import { buildStorageKey } from '../../../src/storage/storageKey.js';

/**
 * What the S3 adapter sends for a buffered PutObject, seen by a loopback HTTP endpoint standing in
 * for the S3 API (SeaweedFS does not check the payload hash, so the real store cannot tell).
 */
describe('S3 PutObject payload hash', () => {
  let server: Server;
  let endpoint: string;
  const seen: { headers: IncomingHttpHeaders; body: Buffer }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { etag: '"x"' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const storage = () =>
    createS3Storage({ endpoint, accessKeyId: 'k', secretAccessKey: 's', bucket: 'b', region: 'us-east-1' });
  const body = Buffer.from('Name,Email\nAda,ada@example.com\n');
  const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

  it('signs with the hash the caller gave, not one computed again from the body', async () => {
    seen.length = 0;
    // A value the SDK could not have computed from this body: proves it was taken as given.
    const given = sha('computed elsewhere');
    await storage().put(buildStorageKey('a@example.com', randomUUID(), 'given.csv'), Readable.from([body]), {
      sha256: () => given,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body.equals(body)).toBe(true);
    expect(seen[0]!.headers['x-amz-content-sha256']).toBe(given);
    expect(seen[0]!.headers['authorization']).toContain('x-amz-content-sha256');
  });

  it('sends a large body at once, without waiting for 100 Continue', async () => {
    seen.length = 0;
    const large = Buffer.alloc(3 * 1024 * 1024, 0x61); // the SDK's threshold is 2 MiB
    await storage().put(buildStorageKey('a@example.com', randomUUID(), 'large.csv'), Readable.from([large]));
    expect(seen[0]!.body.length).toBe(large.length);
    expect(seen[0]!.headers['expect']).toBeUndefined();
  });

  it('without a given hash the SDK hashes the body itself', async () => {
    seen.length = 0;
    await storage().put(buildStorageKey('a@example.com', randomUUID(), 'plain.csv'), Readable.from([body]));
    expect(seen[0]!.headers['x-amz-content-sha256']).toBe(sha(body));
  });
});
