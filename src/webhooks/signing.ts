import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SigningSecrets } from '../domain/webhook.js';

const SECRET_PREFIX = 'whsec_';
/** Standard Webhooks allows 24 to 64 bytes; 32 is the size of the HMAC-SHA256 block's key sweet spot. */
const SECRET_BYTES = 32;

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The key HMAC uses: the secret's base64 part, decoded (never the text itself). */
function secretKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
}

/** `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` (Standard Webhooks v1). */
export function signatureV1(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The three Standard Webhooks headers of one attempt. During a rotation's overlap the signature
 * header carries the new and the old signature, space-separated: a receiver holding either
 * secret verifies the message.
 */
export function webhookHeaders(
  id: string,
  timestamp: number,
  body: string,
  secrets: SigningSecrets,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const signatures = [signatureV1(secrets.current, id, timestamp, body)];
  if (secrets.previous !== null) {
    signatures.push(signatureV1(secrets.previous, id, timestamp, body));
  }
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
  };
}

/** How far a message's timestamp may be from now (Standard Webhooks' libraries use 5 minutes). */
export const TIMESTAMP_TOLERANCE_S = 300;

/**
 * Verifies a received message as a Standard Webhooks receiver does (used by `batchport listen`):
 * the timestamp within the tolerance, and any `v1,` signature of the header matching the
 * secret's, compared in constant time. Returns why it does not verify, or null when it does.
 */
export function verificationFailure(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowS: number = Math.floor(Date.now() / 1000),
): string | null {
  const timestamp = Number(headers.timestamp);
  if (!/^\d+$/.test(headers.timestamp) || Math.abs(nowS - timestamp) > TIMESTAMP_TOLERANCE_S) {
    return 'webhook-timestamp is missing or more than 5 minutes from now';
  }
  const expected = Buffer.from(signatureV1(secret, headers.id, timestamp, body));
  const matches = headers.signature
    .split(' ')
    .map((candidate) => Buffer.from(candidate))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  return matches ? null : 'no signature matches the secret';
}
