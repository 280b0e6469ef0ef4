import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, StorageFullError } from '../../../src/errors.js';
import { toHttpError } from '../../../src/http/errorMapping.js';
import { localStorageFailure } from '../../../src/storage/localErrors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: write`), { code });

describe('local storage error classifier', () => {
  it.each(['ENOSPC', 'EDQUOT'])('%s is a full disk: 507 storage_full with a clear message', (code) => {
    const mapped = localStorageFailure(errno(code), 'storing an upload');
    expect(mapped).toBeInstanceOf(StorageFullError);
    expect(toHttpError(mapped, 1)).toEqual({
      status: 507,
      code: 'storage_full',
      message: 'storage is full: the file was not kept; try again once space is freed',
      headers: { 'retry-after': '60' },
    });
  });

  it.each(['EROFS', 'EIO'])('%s is storage unavailable (503)', (code) => {
    const mapped = localStorageFailure(errno(code), 'storing an upload');
    expect(mapped).toBeInstanceOf(DependencyUnavailableError);
    expect(toHttpError(mapped, 1).status).toBe(503);
  });

  it('leaves other errors alone', () => {
    expect(localStorageFailure(errno('EACCES'), 'x')).toBeUndefined();
    expect(localStorageFailure(new Error('bug'), 'x')).toBeUndefined();
  });

  it('a raw ENOSPC that reached HTTP unclassified is still 507, never 500', () => {
    expect(toHttpError(new Error('write failed', { cause: errno('ENOSPC') }), 1)).toMatchObject({
      status: 507,
      code: 'storage_full',
    });
  });
});
