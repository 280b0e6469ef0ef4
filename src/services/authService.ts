import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { User } from '../domain/batch.js';
import { UnauthorizedError } from '../errors.js';
import { jwksUnavailable } from './jwksErrors.js';

export interface AuthSettings {
  secret: string | undefined;
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
}

const EMAIL_RE = /^[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@]{1,63}$/;
/** Control characters (NUL among them) are never part of an identity, and PostgreSQL rejects NUL. */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
const SYMMETRIC_ALGS = ['HS256'];
const ASYMMETRIC_ALGS = ['RS256', 'ES256'];

export type AuthService = ReturnType<typeof createAuthService>;

/**
 * Verifies `Authorization: Bearer <JWT>` with jose. Each key source only accepts its own
 * algorithms (HS256 for the shared secret, RS256/ES256 for the JWKS), so `alg: none` and
 * algorithm-confusion tokens are rejected before any signature check.
 */
export function createAuthService(settings: AuthSettings) {
  const secret = settings.secret ? new TextEncoder().encode(settings.secret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 3_000, cooldownDuration: 30_000 })
    : undefined;

  async function verify(token: string): Promise<JWTPayload> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new UnauthorizedError('token is malformed');
    }
    const options = {
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: 5,
    };
    try {
      if (alg && SYMMETRIC_ALGS.includes(alg) && secret) {
        return (await jwtVerify(token, secret, { ...options, algorithms: SYMMETRIC_ALGS })).payload;
      }
      if (alg && ASYMMETRIC_ALGS.includes(alg) && jwks) {
        return (await jwtVerify(token, jwks, { ...options, algorithms: ASYMMETRIC_ALGS })).payload;
      }
    } catch (error) {
      const unavailable = jwksUnavailable(error);
      if (unavailable) {
        throw unavailable;
      }
      throw new UnauthorizedError(describeJoseError(error));
    }
    throw new UnauthorizedError(`token algorithm ${alg ?? '(none)'} is not accepted`);
  }

  return {
    async authenticate(authorization: string | undefined): Promise<User> {
      if (!authorization) {
        throw new UnauthorizedError('missing Authorization header');
      }
      const match = /^Bearer +([A-Za-z0-9_.~+/=-]+)\s*$/i.exec(authorization);
      if (!match?.[1]) {
        throw new UnauthorizedError('Authorization header must be "Bearer <token>"');
      }
      const payload = await verify(match[1]);
      const sub = payload.sub;
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255 || CONTROL_RE.test(sub)) {
        throw new UnauthorizedError('token has no valid sub claim');
      }
      const email = payload['email'];
      if (
        typeof email !== 'string' ||
        email.length > 254 ||
        !EMAIL_RE.test(email) ||
        CONTROL_RE.test(email)
      ) {
        throw new UnauthorizedError('token has no valid email claim');
      }
      return { id: sub, email };
    },
  };
}

function describeJoseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `token claim check failed: ${(error as { claim?: string }).claim ?? 'claim'} is not accepted`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'token signature is invalid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'token key is not known';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'token algorithm is not accepted';
    default:
      return 'token is invalid';
  }
}
