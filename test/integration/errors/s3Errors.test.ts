import { GetObjectCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Unavailable } from '../../../src/storage/s3Errors.js';
import { CLOSED_PORT, requireEnv } from './env.js';

/** The AWS S3 SDK classifier against errors raised by a real SeaweedFS (and broken endpoints). */
async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

function client(endpoint: string, requestTimeout = 3_000): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: requireEnv('SEAWEEDFS_ACCESS_KEY'),
      secretAccessKey: requireEnv('SEAWEEDFS_SECRET_KEY'),
    },
    maxAttempts: 1,
    // This SDK version only logs a warning on requestTimeout unless told to throw.
    requestHandler: { requestTimeout, connectionTimeout: 1_000, throwOnRequestTimeout: true },
  });
}

describe('S3 classifier, real errors', () => {
  // Answers 503 like an S3 gateway whose backend is gone; never answers /slow.
  let gateway: Server;
  let gatewayUrl: string;
  beforeAll(async () => {
    gateway = createServer((req, res) => {
      if (req.url?.includes('slow')) {
        return; // hold the request open
      }
      res
        .writeHead(503, { 'content-type': 'application/xml' })
        .end('<Error><Code>ServiceUnavailable</Code><Message>backend down</Message></Error>');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    gateway.closeAllConnections();
    await new Promise((resolve) => gateway.close(resolve));
  });

  it('a closed port is a storage outage', async () => {
    const error = await failureOf(() =>
      client(`http://127.0.0.1:${CLOSED_PORT}`).send(new HeadBucketCommand({ Bucket: 'b' })),
    );
    expect(s3Unavailable(error, 'testing')).toMatchObject({ dependency: 'storage' });
  });

  it('a 5xx answer and a request timeout are storage outages', async () => {
    const unavailable = await failureOf(() =>
      client(gatewayUrl).send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })),
    );
    expect(s3Unavailable(unavailable, 'testing')).toMatchObject({ dependency: 'storage' });
    const slow = await failureOf(() =>
      client(gatewayUrl, 300).send(new GetObjectCommand({ Bucket: 'b', Key: 'slow' })),
    );
    expect(s3Unavailable(slow, 'testing')).toMatchObject({ dependency: 'storage' });
  });

  it('SeaweedFS answers about the request (missing key, missing bucket) are not outages', async () => {
    const s3 = client(requireEnv('SEAWEEDFS_ENDPOINT'));
    const missingKey = await failureOf(() =>
      s3.send(
        new GetObjectCommand({ Bucket: requireEnv('SEAWEEDFS_BUCKET'), Key: `no/such/key-${Date.now()}` }),
      ),
    );
    expect((missingKey as Error).name).toBe('NoSuchKey');
    expect(s3Unavailable(missingKey, 'testing')).toBeUndefined();
    const missingBucket = await failureOf(() =>
      s3.send(new HeadBucketCommand({ Bucket: `nobucket${Date.now()}` })),
    );
    expect(s3Unavailable(missingBucket, 'testing')).toBeUndefined();
  });
});
