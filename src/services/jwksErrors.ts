import { DependencyUnavailableError } from '../errors.js';
import { errorCode, hasNetworkErrno, someInChain } from '../networkErrors.js';

/**
 * jose codes meaning the key set could not be had, whatever the token: ERR_JWKS_TIMEOUT (no
 * answer in time), ERR_JWKS_INVALID (the endpoint served something that is not a key set),
 * ERR_JOSE_GENERIC (jose 6 fetchJwks: a non-200 answer or a body that is not JSON).
 */
const JWKS_FETCH_CODES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/**
 * True when the JSON Web Key Set could not be fetched: the token may be fine, the identity
 * provider is not. Node's fetch (undici) reports every network-level failure as
 * `TypeError: fetch failed` with the socket error (errno or UND_ERR_* code) as its cause.
 */
export function isJwksAvailabilityError(error: unknown): boolean {
  return (
    hasNetworkErrno(error) ||
    someInChain(error, (e) => {
      const code = errorCode(e) ?? '';
      return (
        JWKS_FETCH_CODES.has(code) ||
        code.startsWith('UND_ERR_') ||
        (e instanceof TypeError && e.message === 'fetch failed')
      );
    })
  );
}

/** The jose JWKS classifier: DependencyUnavailableError('auth-keys') or undefined. */
export function jwksUnavailable(error: unknown): DependencyUnavailableError | undefined {
  if (error instanceof DependencyUnavailableError) {
    return error;
  }
  if (!isJwksAvailabilityError(error)) {
    return undefined;
  }
  return new DependencyUnavailableError('the token signing keys (JWKS) could not be fetched; retry later', {
    cause: error,
    dependency: 'auth-keys',
  });
}
