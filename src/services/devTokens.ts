import { SignJWT } from 'jose';

/** What a development token is signed with: the configured secret, issuer and audience. */
export interface DevTokenSigning {
  secret: string;
  issuer: string | undefined;
  audience: string | undefined;
}

export interface DevTokenClaims {
  email: string;
  /** The user id; the e-mail address when absent. */
  sub?: string | undefined;
  ttlSeconds: number;
}

/**
 * A JWT for local use, signed HS256 the way an identity provider's token would be: `npm run
 * token` and the dev sign-in route (POST /api/dev/token) both mint with this, so a token from
 * either is the same kind of token. Issuer and audience default to the local stack's names.
 */
export async function signDevToken(
  signing: DevTokenSigning,
  claims: DevTokenClaims,
): Promise<{ token: string; expiresAt: Date }> {
  const exp = Math.floor(Date.now() / 1000) + claims.ttlSeconds;
  const token = await new SignJWT({ email: claims.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub ?? claims.email)
    .setIssuedAt()
    .setExpirationTime(exp)
    .setIssuer(signing.issuer ?? 'batchport-dev')
    .setAudience(signing.audience ?? 'batchport')
    .sign(new TextEncoder().encode(signing.secret));
  return { token, expiresAt: new Date(exp * 1000) };
}
