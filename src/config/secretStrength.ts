/**
 * How strong a JWT_SECRET looks, from the string alone. HS256 needs a key as strong as 32 random
 * bytes; an estimate cannot prove randomness, but it refuses what is plainly not random: short
 * secrets, one character repeated (32 x `a` passed the old length check), few distinct
 * characters, and the development and example strings the project itself prints.
 */

/** Bits HS256 wants: 32 random bytes. */
export const REQUIRED_SECRET_BITS = 256;
/** Below this, characters repeat too much to be random (random hex: ~3.8, base64: ~5). */
const MIN_BITS_PER_CHARACTER = 3;

/**
 * Development, test and placeholder strings: refused in production wherever they appear in the
 * secret, whatever their case (the old check was a case-sensitive prefix).
 */
const DEVELOPMENT_STRINGS = [
  'batchport-dev-only', // scripts/services DEV_JWT_SECRET, printed by `npm run services -- env`
  'do-not-use',
  'unit-test-secret', // test/support/buildTestApp.ts
  'dev-secret',
  'test-secret',
  'development',
  'changeme',
  'change-me',
  'change_me',
  'example',
  'insecure',
  'password',
];

/** True when the secret holds one of the development or placeholder strings. */
export function isDevelopmentSecret(secret: string): boolean {
  const lower = secret.toLowerCase();
  return DEVELOPMENT_STRINGS.some((s) => lower.includes(s));
}

/**
 * Bits of a string drawn at random from the alphabet it appears to use: hex digits 4 per
 * character, base64/base64url 6 (padding not counted), otherwise log2 of the character classes
 * present (lower, upper, digits, other printable).
 */
export function alphabetBits(secret: string): number {
  if (/^[0-9a-fA-F]+$/.test(secret)) {
    return secret.length * 4;
  }
  if (/^[A-Za-z0-9+/_-]+=*$/.test(secret)) {
    return secret.replace(/=+$/, '').length * 6;
  }
  const classes: Array<[RegExp, number]> = [
    [/[a-z]/, 26],
    [/[A-Z]/, 26],
    [/[0-9]/, 10],
    [/[^a-zA-Z0-9]/, 33],
  ];
  const size = classes.reduce((sum, [re, n]) => sum + (re.test(secret) ? n : 0), 0);
  return secret.length * Math.log2(Math.max(size, 2));
}

/** Shannon entropy of the string's own character frequencies, in bits per character. */
export function shannonBitsPerCharacter(secret: string): number {
  const counts = new Map<string, number>();
  for (const ch of secret) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  const length = [...secret].length;
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Why the secret is too weak for production, or undefined when it looks strong enough. */
export function weakSecretProblem(secret: string): string | undefined {
  if (isDevelopmentSecret(secret)) {
    return 'JWT_SECRET is a development or placeholder secret; production needs a real one';
  }
  const perCharacter = shannonBitsPerCharacter(secret);
  if (alphabetBits(secret) < REQUIRED_SECRET_BITS || perCharacter < MIN_BITS_PER_CHARACTER) {
    return (
      'JWT_SECRET is too weak for production: it needs the strength of 32 random bytes ' +
      '(e.g. `openssl rand -base64 32` or `openssl rand -hex 32`)'
    );
  }
  return undefined;
}
