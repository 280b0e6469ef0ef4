import { DependencyUnavailableError, StorageFullError } from '../errors.js';
import { errorCode, someInChain } from '../networkErrors.js';

/** No space left on the volume, or the service's disk quota used up. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);
/** The volume is there but cannot be written: remounted read-only, I/O errors. */
const UNAVAILABLE = new Set(['EROFS', 'EIO']);

/** True for a "disk full" errno anywhere in the chain (the HTTP layer's fallback uses it too). */
export function isStorageFull(error: unknown): boolean {
  return someInChain(error, (e) => FULL.has(errorCode(e) ?? ''));
}

/**
 * The local-disk classifier: StorageFullError (507) for a full disk, DependencyUnavailableError
 * ('storage', 503) for a volume that cannot be written, undefined for anything else.
 */
export function localStorageFailure(
  error: unknown,
  action: string,
): StorageFullError | DependencyUnavailableError | undefined {
  if (error instanceof StorageFullError || error instanceof DependencyUnavailableError) {
    return error;
  }
  if (isStorageFull(error)) {
    return new StorageFullError('storage is full: the file was not kept; try again once space is freed', {
      cause: error,
    });
  }
  if (someInChain(error, (e) => UNAVAILABLE.has(errorCode(e) ?? ''))) {
    return new DependencyUnavailableError(`local storage cannot be written while ${action}`, {
      cause: error,
      dependency: 'storage',
    });
  }
  return undefined;
}
