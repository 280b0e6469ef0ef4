/**
 * Where a user's batch events live in Redis: one stream per user, so a reader only ever touches
 * its own user's entries and `Last-Event-ID` is an id of that stream.
 */

/** Entries kept per user (approximate trim: Redis trims whole nodes, so a few more may stay). */
export const STREAM_MAX_LENGTH = 500;

/**
 * An idle user's stream disappears after this long, so users who stopped uploading cost
 * nothing. A client resuming after that gets `reset` and refetches its lists.
 */
export const STREAM_TTL_SECONDS = 24 * 3600;

/**
 * `<REDIS_KEY_PREFIX>events:<userId>`: under the deployment's prefix like the limiters' keys, so
 * two deployments sharing one Redis (and one identity provider, hence the same user ids) never
 * read each other's events. (Before issue #19 every deployment wrote `batchport-events:<userId>`.)
 */
export function streamKey(keyPrefix: string, userId: string): string {
  return `${keyPrefix}events:${userId}`;
}

/** A Redis stream id, `<ms>-<seq>`, as numbers that compare exactly. */
export interface StreamId {
  ms: bigint;
  seq: bigint;
}

const STREAM_ID_RE = /^(\d{1,20})-(\d{1,20})$/;
const MAX_U64 = 2n ** 64n - 1n;

/** Parses `<ms>-<seq>`; null for anything else (a client's Last-Event-ID is untrusted text). */
export function parseStreamId(value: string): StreamId | null {
  const match = STREAM_ID_RE.exec(value);
  if (!match) {
    return null;
  }
  const ms = BigInt(match[1]!);
  const seq = BigInt(match[2]!);
  return ms > MAX_U64 || seq > MAX_U64 ? null : { ms, seq };
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. Both must be valid ids. */
export function compareStreamIds(a: string, b: string): number {
  const x = parseStreamId(a);
  const y = parseStreamId(b);
  if (!x || !y) {
    throw new Error(`not a stream id: ${x ? b : a}`);
  }
  if (x.ms !== y.ms) {
    return x.ms < y.ms ? -1 : 1;
  }
  return x.seq === y.seq ? 0 : x.seq < y.seq ? -1 : 1;
}
