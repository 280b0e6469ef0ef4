import type { Redis } from 'ioredis';
import { compareStreamIds, parseStreamId, streamKey } from './eventStreamKeys.js';

/** Where a new reader starts in its user's stream, and whether it must refetch its lists. */
export interface StartPosition {
  /** Entries after this id are delivered. */
  position: string;
  /** The client's Last-Event-ID cannot be resumed from: events may be lost, refetch. */
  reset: boolean;
}

/** Before every id Redis gives out; a reader here gets the whole stream. */
export const STREAM_START = '0-0';

/**
 * No Last-Event-ID: from now on. A Last-Event-ID inside the kept window (first..last entry):
 * from there, so the reader gets exactly what it missed. Anything else (malformed, trimmed
 * away, from an expired stream, from the future) cannot prove nothing was lost: reset, and
 * carry on from now. Resuming from the entry just before the first kept one also resets;
 * the client refetches once more than it needed to, which is harmless.
 */
export async function startPosition(
  redis: Pick<Redis, 'xrange' | 'xrevrange'>,
  keyPrefix: string,
  userId: string,
  lastEventId: string | undefined,
): Promise<StartPosition> {
  const key = streamKey(keyPrefix, userId);
  const [first, last] = await Promise.all([
    redis.xrange(key, '-', '+', 'COUNT', 1),
    redis.xrevrange(key, '+', '-', 'COUNT', 1),
  ]);
  const now = last[0]?.[0] ?? STREAM_START;
  if (lastEventId === undefined) {
    return { position: now, reset: false };
  }
  const oldest = first[0]?.[0];
  const resumable =
    parseStreamId(lastEventId) !== null &&
    oldest !== undefined &&
    compareStreamIds(lastEventId, oldest) >= 0 &&
    compareStreamIds(lastEventId, now) <= 0;
  return resumable ? { position: lastEventId, reset: false } : { position: now, reset: true };
}
