import { S3ServiceException } from '@aws-sdk/client-s3';
import { DependencyUnavailableError } from '../errors.js';
import { hasNetworkErrno, someInChain } from '../networkErrors.js';

/**
 * True for AWS SDK v3 errors meaning the object store is down or too slow: a server-side
 * answer (5xx, SeaweedFS with a volume server gone), a request/connect timeout of the SDK's
 * node HTTP handler (an Error named TimeoutError), or a socket failure. An S3 4xx (missing
 * key, denied, bad request) is an answer about the request, not an outage.
 */
export function isS3AvailabilityError(error: unknown): boolean {
  if (error instanceof S3ServiceException) {
    return (error.$metadata.httpStatusCode ?? 500) >= 500;
  }
  return hasNetworkErrno(error) || someInChain(error, (e) => e.name === 'TimeoutError');
}

/** The S3 classifier: DependencyUnavailableError('storage') or undefined. */
export function s3Unavailable(error: unknown, action: string): DependencyUnavailableError | undefined {
  if (error instanceof DependencyUnavailableError) {
    return error;
  }
  if (!isS3AvailabilityError(error)) {
    return undefined;
  }
  return new DependencyUnavailableError(`file storage unavailable while ${action}`, {
    cause: error,
    dependency: 'storage',
  });
}
