import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLargeError } from '../errors.js';
import { createContentInspector } from '../parsing/contentInspector.js';
import type { FileFormat } from '../parsing/types.js';

export interface UploadMeter {
  stream: Transform;
  /** Valid after the stream has ended. */
  result(): { size: number; sha256: string };
  /** The meter's own verdict (too large, wrong content), not an error passed in from outside. */
  failure(): Error | undefined;
}

/**
 * One pass over the upload as it streams to storage: counts bytes, hashes (SHA-256) and checks
 * that the content matches the extension, failing the stream (and so the storage write) early.
 */
export function createUploadMeter(format: FileFormat, maxBytes: number): UploadMeter {
  const hash = createHash('sha256');
  const inspector = createContentInspector(format);
  let size = 0;
  let digest: string | undefined;
  let failure: Error | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      try {
        if (size + chunk.length > maxBytes) {
          throw new PayloadTooLargeError(`file is larger than the limit of ${maxBytes} bytes`);
        }
        inspector.update(chunk);
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      } catch (error) {
        failure ??= error as Error;
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (size > 0) {
          inspector.finish();
        }
        digest = hash.digest('hex');
        callback();
      } catch (error) {
        failure ??= error as Error;
        callback(error as Error);
      }
    },
  });
  return {
    stream,
    result() {
      if (digest === undefined) {
        throw new Error('upload stream has not finished');
      }
      return { size, sha256: digest };
    },
    failure: () => failure,
  };
}
