import {
  base64url,
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
  /** Longest accepted token lifetime from now, in seconds (JWT_MAX_AGE). */
  maxAgeSeconds?: number | undefined;
  /** Clock difference tolerated with the token issuer, in seconds (JWT_CLOCK_SKEW). */
  clockSkewSeconds?: number | undefined;
}

const DEFAULT_MAX_AGE_SECONDS = 24 * 3600;
const DEFAULT_CLOCK_SKEW_SECONDS = 30;

const EMAIL_RE = /^[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@]{1,63}$/;
/** Control characters (NUL among them) are never part of an identity, and PostgreSQL rejects NUL. */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
const SYMMETRIC_ALGS = ['HS256'];
const ASYMMETRIC_ALGS = ['RS256', 'ES256'];
/**
 * The registered JWS algorithm names: only these are ever named in an error message. Anything
 * else in the token's `alg` is the client's text and is never echoed (it reached a response
 * header once, and CR/LF there made a 500).
 */
const KNOWN_ALGS = new Set([
  'none',
  ...['HS', 'RS', 'ES', 'PS'].flatMap((family) => ['256', '384', '512'].map((bits) => family + bits)),
  'EdDSA',
  'Ed25519',
]);

export type AuthService = ReturnType<typeof createAuthService>;

export interface Authenticated {
  user: User;
  /** Epoch milliseconds after which this token is refused (exp + JWT_CLOCK_SKEW). */
  acceptedUntilMs: number;
}

/** The shared secret as a WebCrypto HS256 verification key (SYMMETRIC_ALGS is HS256 only). */
function importHmacKey(secret: string): Promise<CryptoKey> {
  const key = crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  key.catch(() => undefined); // a failed import is reported by the first verification that awaits it
  return key;
}

/**
 * Verifies `Authorization: Bearer <JWT>` with jose. Each key source only accepts its own
 * algorithms (HS256 for the shared secret, RS256/ES256 for the JWKS), so `alg: none` and
 * algorithm-confusion tokens are rejected before any signature check.
 */
export function createAuthService(settings: AuthSettings) {
  // Imported once: given raw bytes, jose imports an HMAC key on every verification (it showed
  // in the read bench's profile of the API).
  const secret = settings.secret ? importHmacKey(settings.secret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 3_000, cooldownDuration: 30_000 })
    : undefined;

  const maxAge = settings.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const skew = settings.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;

  async function verify(token: string): Promise<JWTPayload> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new UnauthorizedError('token is malformed');
    }
    if (!hasCanonicalSignature(token)) {
      throw new UnauthorizedError('token signature is not canonical base64url');
    }
    const options = {
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: skew,
      requiredClaims: ['exp'],
    };
    try {
      if (alg && SYMMETRIC_ALGS.includes(alg) && secret) {
        return checkLifetime(
          (await jwtVerify(token, await secret, { ...options, algorithms: SYMMETRIC_ALGS })).payload,
        );
      }
      if (alg && ASYMMETRIC_ALGS.includes(alg) && jwks) {
        return checkLifetime(
          (await jwtVerify(token, jwks, { ...options, algorithms: ASYMMETRIC_ALGS })).payload,
        );
      }
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        throw error; // checkLifetime's own verdict
      }
      const unavailable = jwksUnavailable(error);
      if (unavailable) {
        throw unavailable;
      }
      throw new UnauthorizedError(describeJoseError(error));
    }
    throw new UnauthorizedError(`token algorithm ${nameOf(alg)} is not accepted`);
  }

  /** jose checked that exp is there and not past; a token must also not live too long. */
  function checkLifetime(payload: JWTPayload): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    if ((payload.exp ?? 0) > now + maxAge + skew) {
      throw new UnauthorizedError(`token lifetime exceeds the accepted maximum of ${maxAge} s`);
    }
    if (payload.iat !== undefined && payload.iat > now + skew) {
      throw new UnauthorizedError('token is issued in the future');
    }
    return payload;
  }

  return {
    /**
     * The user a bearer token names, and until when the token is accepted (its `exp` plus the
     * clock skew tolerated): a long-lived answer such as the event stream ends then.
     */
    async authenticate(authorization: string | undefined): Promise<Authenticated> {
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
      return { user: { id: sub, email }, acceptedUntilMs: ((payload.exp ?? 0) + skew) * 1000 };
    },
  };
}

/** The algorithm's name when it is a registered one; never the client's free text. */
function nameOf(alg: string | undefined): string {
  if (alg === undefined) {
    return '(none)';
  }
  return KNOWN_ALGS.has(alg) ? alg : '(unknown)';
}

/**
 * jose decodes base64url leniently, so the unused low bits of a signature's last character can
 * be flipped and the token still verifies: many spellings of one token. Only the canonical one
 * passes (decode and encode again must give the same text), so a token has one spelling.
 */
function hasCanonicalSignature(token: string): boolean {
  const signature = token.split('.')[2] ?? '';
  try {
    return base64url.encode(base64url.decode(signature)) === signature;
  } catch {
    return false;
  }
}

function describeJoseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      // jose's own claim names (exp, iss, aud...), never the token's values.
      const { claim, reason } = error as { claim?: string; reason?: string };
      return reason === 'missing'
        ? `token has no ${claim ?? 'required'} claim`
        : `token claim check failed: ${claim ?? 'claim'} is not accepted`;
    }
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
