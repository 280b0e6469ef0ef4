import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  lastModified: Date;
}

/**
 * Where uploaded files live (the spec's `storageService`). Two adapters (local disk, SeaweedFS
 * over S3) behind this one small interface, chosen by `USE_LOCAL_STORAGE` in the composition root.
 */
export interface FileStorage {
  readonly kind: 'local' | 's3';
  /** Streams `body` to `key`. Resolves only when the object is durable; on failure nothing is left. */
  put(key: string, body: Readable, options?: { contentType?: string }): Promise<void>;
  /** Opens the object for reading; NotFoundError when it does not exist. */
  get(key: string): Promise<Readable>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** Objects under `prefix` in key order, optionally only those after `startAfter` (orphan sweeper). */
  list(prefix: string, startAfter?: string): AsyncIterable<StoredObject>;
  /** Throws when storage cannot be reached (for /readyz). */
  ping(): Promise<void>;
}
