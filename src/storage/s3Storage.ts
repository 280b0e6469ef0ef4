import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { DependencyUnavailableError, NotFoundError } from '../errors.js';
import { s3Unavailable } from './s3Errors.js';
import { assertSafeKey } from './storageKey.js';
import type { FileStorage, StoredObject } from './fileStorage.js';

export interface S3StorageOptions {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  region: string;
  /** Abort a request that has not answered in this long (fail fast when SeaweedFS is down). */
  requestTimeoutMs?: number;
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404)
  );
}

/** Availability failures become DependencyUnavailableError('storage') (503, retried); others stay as they are. */
function unavailable(error: unknown): never {
  throw s3Unavailable(error, 'using file storage') ?? error;
}

/** SeaweedFS (or any S3-compatible store) through the AWS SDK v3, streaming multipart uploads. */
export function createS3Storage(options: S3StorageOptions): FileStorage {
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // SeaweedFS does not implement the newer default CRC checksums on every operation.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 15_000, connectionTimeout: 3_000 },
  });
  const Bucket = options.bucket;

  return {
    kind: 's3',

    async put(key, body, putOptions) {
      assertSafeKey(key);
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: body, ContentType: putOptions?.contentType },
        queueSize: 2,
        partSize: 5 * 1024 * 1024,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (error) {
        // A failed multipart upload is aborted by lib-storage; a failed single PUT stores nothing.
        // Delete anyway in case the failure came after the object was written.
        await client.send(new DeleteObjectCommand({ Bucket, Key: key })).catch(() => undefined);
        if (body.errored) {
          throw body.errored;
        }
        unavailable(error);
      }
    },

    async get(key) {
      assertSafeKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!(out.Body instanceof Readable)) {
          throw new Error('S3 body is not a Node stream');
        }
        return out.Body;
      } catch (error) {
        if (isNotFound(error)) {
          throw new NotFoundError('stored file not found');
        }
        unavailable(error);
      }
    },

    async delete(key) {
      assertSafeKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
      } catch (error) {
        if (isNotFound(error)) {
          return;
        }
        unavailable(error);
      }
    },

    async *list(prefix, startAfter): AsyncIterable<StoredObject> {
      let token: string | undefined;
      do {
        let page;
        try {
          page = await client.send(
            new ListObjectsV2Command({
              Bucket,
              Prefix: prefix,
              ContinuationToken: token,
              StartAfter: token ? undefined : startAfter,
              MaxKeys: 1000,
            }),
          );
        } catch (error) {
          unavailable(error);
        }
        for (const item of page.Contents ?? []) {
          if (item.Key) {
            yield { key: item.Key, lastModified: item.LastModified ?? new Date(0) };
          }
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async ping() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (error) {
        throw new DependencyUnavailableError('file storage is unavailable', undefined, {
          cause: error,
          dependency: 'storage',
        });
      }
    },
  };
}
