import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  lastModified: Date;
}

/**
 * Which store holds a file: the backend, and which store of that backend (the SeaweedFS bucket,
 * or the id a local root keeps in its `.batchport-store-id` file). Recorded on every batch, so a
 * worker configured with another store leaves the batch to one that has it.
 */
export interface StoreIdentity {
  backend: 'local' | 'seaweedfs';
  store: string;
}

export function sameStore(a: StoreIdentity, b: StoreIdentity): boolean {
  return a.backend === b.backend && a.store === b.store;
}

export function describeStore(store: StoreIdentity): string {
  return `${store.backend}:${store.store}`;
}

/**
 * Where uploaded files live (the spec's `storageService`). Two adapters (local disk, SeaweedFS
 * over S3) behind this one small interface, chosen by `USE_LOCAL_STORAGE` in the composition root.
 */
export interface FileStorage {
  readonly kind: 'local' | 's3';
  /** This store's identity (read or created on first use for local storage). */
  identity(): StoreIdentity;
  /**
   * Streams `body` to `key`. Resolves only when the object is durable; on failure nothing is left.
   * `sha256`: the body's SHA-256 (hex), which the caller computed while the body streamed; an
   * adapter may call it once the body has ended, so the bytes are not hashed a second time.
   */
  put(key: string, body: Readable, options?: { contentType?: string; sha256?: () => string }): Promise<void>;
  /** Opens the object for reading; NotFoundError when it does not exist. */
  get(key: string): Promise<Readable>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** Objects under `prefix` in key order, optionally only those after `startAfter` (orphan sweeper). */
  list(prefix: string, startAfter?: string): AsyncIterable<StoredObject>;
  /**
   * Removes write-in-progress files under `prefix` older than `olderThan`, left by a crash or a
   * killed process; returns how many. The S3 adapter has none (lib-storage aborts its parts).
   */
  removeStaleTemp(prefix: string, olderThan: Date): Promise<number>;
  /** Throws when storage cannot be reached (for /readyz). */
  ping(): Promise<void>;
}
