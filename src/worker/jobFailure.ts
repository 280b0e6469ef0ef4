import { DependencyUnavailableError, type Dependency } from '../errors.js';

/** Shown on a batch whose file killed its worker `maxStalledCount` times. */
export const POISON_FILE_MESSAGE =
  'processing stopped repeatedly while reading this file; split it into smaller files and upload again';

const UNAVAILABLE: Record<Dependency, string> = {
  storage: 'the stored file could not be read; retry later',
  records: 'records store unavailable, retry later',
  database: 'the database was unavailable; retry later',
  queue: 'the job queue was unavailable; retry later',
  'auth-keys': 'processing failed because a service was unavailable; retry later',
};

const GENERIC = 'processing failed because a service was unavailable; retry later';

/**
 * The user-facing message of a job that used up its attempts, chosen by which dependency the
 * adapter said was down (never by reading error text); anything else gets the generic message.
 */
export function failureMessage(error: unknown): string {
  if (error instanceof DependencyUnavailableError && error.dependency !== undefined) {
    return UNAVAILABLE[error.dependency];
  }
  return GENERIC;
}
