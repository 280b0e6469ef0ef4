import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, NotFoundError, type Dependency } from '../../../src/errors.js';
import { failureMessage } from '../../../src/worker/jobFailure.js';

const unavailable = (dependency?: Dependency) =>
  new DependencyUnavailableError('down', dependency ? { dependency } : {});

describe('failureMessage', () => {
  it.each([
    ['storage', 'the stored file could not be read; retry later'],
    ['records', 'records store unavailable, retry later'],
    ['database', 'the database was unavailable; retry later'],
    ['queue', 'the job queue was unavailable; retry later'],
  ] as const)('names the %s when the adapter says it was down', (dependency, message) => {
    expect(failureMessage(unavailable(dependency))).toBe(message);
  });

  it('gives the generic message when the error names no dependency, whatever its text says', () => {
    const generic = 'processing failed because a service was unavailable; retry later';
    expect(failureMessage(unavailable())).toBe(generic);
    expect(failureMessage(new Error('Cassandra NoHostAvailable: records store'))).toBe(generic);
    expect(failureMessage(new NotFoundError('S3 NoSuchKey: storage'))).toBe(generic);
  });
});
