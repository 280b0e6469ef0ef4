import { ValidationError } from '../errors.js';

/** The deliveries list's cursor: the last delivery's (createdAt, id), opaque to clients. */
export function encodeDeliveryCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeDeliveryCursor(cursor: string): { createdAt: Date; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === 'string' &&
    typeof parsed[1] === 'string'
  ) {
    const createdAt = new Date(parsed[0]);
    if (!Number.isNaN(createdAt.getTime()) && UUID.test(parsed[1])) {
      return { createdAt, id: parsed[1] };
    }
  }
  throw new ValidationError('cursor is not one this API returned; pass nextCursor back unchanged');
}
