import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
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
  /**
   * Objects up to this size are buffered and stored with one PutObject of known length (the
   * upload limit is 10 MB); larger ones stream through a multipart upload. Default 16 MiB.
   */
  singlePutMaxBytes?: number;
  /** Buffered puts in flight at most; more wait (their request bodies stay paused). Default 16. */
  maxConcurrentPuts?: number;
}

export type S3ClientOptions = Pick<
  S3StorageOptions,
  'endpoint' | 'accessKeyId' | 'secretAccessKey' | 'region' | 'requestTimeoutMs'
>;

/** The S3 client as the storage adapter configures it (the benchmark's raw PUT uses it too). */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // SeaweedFS does not implement the newer default CRC checksums on every operation.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // The S3 client sends `Expect: 100-continue` for bodies of 2 MiB and more and holds the body
    // until the server answers 100: one more round trip per upload of 2-10 MB, for a body that
    // is already buffered, of known length, going to our own store. Measured on SeaweedFS (3 MiB
    // PUTs, one at a time): 180-215 ms with the handshake, 55-62 ms without.
    expectContinueHeader: false,
    maxAttempts: 2,
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 15_000, connectionTimeout: 3_000 },
  });
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

/** The body read up to `limit` bytes: whole, or (past the limit) as a stream of all of it. */
async function bufferUpTo(body: Readable, limit: number): Promise<Buffer | Readable> {
  const chunks: Buffer[] = [];
  let size = 0;
  const source = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const next = await source.next();
    if (next.done) {
      return Buffer.concat(chunks, size); // the one copy: the SDK signs and sends one buffer
    }
    chunks.push(next.value);
    size += next.value.length;
    if (size > limit) {
      return Readable.from(
        (async function* () {
          yield* chunks.splice(0);
          for (let more = await source.next(); !more.done; more = await source.next()) {
            yield more.value;
          }
        })(),
      );
    }
  }
}

/**
 * Signs the request with the payload hash the caller already computed. SigV4 signs the body's
 * SHA-256, sent as `x-amz-content-sha256`; @smithy/signature-v4 (getPayloadHash) takes a header
 * already present as it is and only hashes the body when there is none. The upload meter has
 * hashed every byte on the way in, so hashing the 10 MB buffer again was pure cost. (AWS S3
 * checks the body against this header; SeaweedFS only checks the signature, which covers it.)
 */
function withPayloadHash(command: PutObjectCommand, sha256Hex: string): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) {
        request.headers['x-amz-content-sha256'] = sha256Hex;
      }
      return next(args);
    },
    { step: 'build', name: 'batchportPayloadHash' },
  );
}

/** At most `max` holders at once; the others wait in order. */
function semaphore(max: number): () => Promise<() => void> {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) {
      next(); // the slot passes on directly
    } else {
      active -= 1;
    }
  };
  return async () => {
    if (active < max) {
      active += 1;
    } else {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    return release;
  };
}

/**
 * SeaweedFS (or any S3-compatible store) through the AWS SDK v3. An upload (at most 10 MB) is
 * buffered and stored with one PutObject of known length: lib-storage's multipart `Upload`
 * buffered a 5 MiB part anyway, then copied it again and added its own bookkeeping (see
 * docs/performance.md for the measurements). Buffering is bounded per put by `singlePutMaxBytes`
 * (past it the multipart upload takes over) and in total by `maxConcurrentPuts`.
 */
export function createS3Storage(options: S3StorageOptions): FileStorage {
  const client = createS3Client(options);
  const Bucket = options.bucket;
  const singlePutMaxBytes = options.singlePutMaxBytes ?? 16 * 1024 * 1024;
  const putSlot = semaphore(options.maxConcurrentPuts ?? 16);

  async function store(
    key: string,
    body: Readable,
    contentType: string | undefined,
    sha256: (() => string) | undefined,
  ): Promise<void> {
    const content = await bufferUpTo(body, singlePutMaxBytes);
    if (Buffer.isBuffer(content)) {
      const put = new PutObjectCommand({
        Bucket,
        Key: key,
        Body: content,
        ContentLength: content.length,
        ContentType: contentType,
      });
      if (sha256) {
        withPayloadHash(put, sha256());
      }
      await client.send(put);
      return;
    }
    const upload = new Upload({
      client,
      params: { Bucket, Key: key, Body: content, ContentType: contentType },
      queueSize: 2,
      partSize: 5 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  return {
    kind: 's3',

    identity: () => ({ backend: 'seaweedfs', store: Bucket }),

    async put(key, body, putOptions) {
      assertSafeKey(key);
      const release = await putSlot();
      try {
        await store(key, body, putOptions?.contentType, putOptions?.sha256);
      } catch (error) {
        // A body that fails while buffered stores nothing; a failed multipart upload is aborted
        // by lib-storage; a failed single PUT stores nothing. Delete anyway in case the failure
        // came after the object was written.
        await client.send(new DeleteObjectCommand({ Bucket, Key: key })).catch(() => undefined);
        if (body.errored) {
          throw body.errored;
        }
        unavailable(error);
      } finally {
        release();
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

    // Nothing to do: a multipart upload that fails is aborted, a single PUT is all or nothing.
    // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async
    async removeStaleTemp() {
      return 0;
    },

    async ping() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (error) {
        throw new DependencyUnavailableError('file storage is unavailable', {
          cause: error,
          dependency: 'storage',
        });
      }
    },
  };
}
