import { createUserSlots } from '../concurrency/userSlots.js';
import { AppError, RateLimitedError } from '../errors.js';

/** The process serves as many event streams as it was configured for; try another or later. */
export class EventStreamsFullError extends AppError {
  readonly status = 503;
  readonly code = 'too_many_streams';
}

export interface StreamLimits {
  /** Open streams in this process (EVENTS_MAX_STREAMS). */
  maxStreams: number;
  /** Open streams of one user in this process (EVENTS_MAX_STREAMS_PER_USER). */
  maxStreamsPerUser: number;
}

export type StreamSlots = ReturnType<typeof createStreamSlots>;

/**
 * Counts open event streams, in total and per user, in this process. Each open stream holds a
 * socket, a timer and a place in the hub's read, so both are capped: the total protects the
 * process, the per-user cap keeps one user (a loop opening streams, a hundred tabs) from
 * taking every slot. A page opens one stream per tab, far below the per-user default.
 */
export function createStreamSlots(limits: StreamLimits) {
  const slots = createUserSlots({
    total: limits.maxStreams,
    perUser: limits.maxStreamsPerUser,
    userFull: () =>
      new RateLimitedError(
        `too many open event streams for this user (${limits.maxStreamsPerUser}); close one first`,
      ),
    processFull: () =>
      new EventStreamsFullError('this server has no room for another event stream; retry later'),
  });
  return {
    /** Takes a slot, or throws 429 (this user has too many) / 503 (the process is full). */
    acquire: (userId: string) => slots.acquire(userId),
    open: () => slots.held(),
  };
}
